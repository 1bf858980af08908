import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthesize } from './synth.js';

const VARIANTS: Record<string, Record<string, unknown>> = {
  'default flags': {},
  'arm64, reserved concurrency, other prefix': {
    architecture: 'arm64',
    reservedConcurrency: '20',
    uploadPrefix: 'in/',
    videoSuffixes: '.mp4',
  },
  'JWT, CORS, alarm email, destroy': {
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: 'api',
    corsOrigins: 'https://app.example.com',
    alarmEmail: 'ops@example.com',
    removalPolicy: 'destroy',
  },
  'Cognito user pool': { cognito: 'true' },
};

/** Every acknowledgement in the tree: where it sits, the rule, the reason. */
function acknowledgements(root: IConstruct): Array<{ path: string; scope: IConstruct; id: string; reason: string }> {
  return root.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: scope.node.path,
          scope,
          id,
          reason,
        })),
      ),
  );
}

for (const [name, context] of Object.entries(VARIANTS)) {
  test(`cdk-nag AwsSolutions: no unacknowledged error or warning (${name})`, () => {
    const { app } = synthesize(context);
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    assert.deepEqual(findings, []);
    assert.equal(report.success, true);
  });
}

test("the templates pass CDK's CloudFormation schema check, which the app leaves to CloudFormation at deploy", () => {
  for (const context of Object.values(VARIANTS)) {
    const { app } = synthesize(context, { builtinCloudFormationValidation: true });
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
    };
    const cloudFormation = report.pluginReports.filter((plugin) => plugin.pluginName === 'CloudFormation Validate');
    assert.deepEqual(
      cloudFormation.flatMap((plugin) => plugin.violations),
      [],
    );
  }
});

test('each acknowledgement sits on the resource it excuses, with a reason', () => {
  const { app } = synthesize(VARIANTS['JWT, CORS, alarm email, destroy']);
  const found = acknowledgements(app).filter((a) => a.id.includes('AwsSolutions-'));
  assert.ok(found.length > 0);
  for (const acknowledgement of found) {
    assert.ok(
      acknowledgement.scope !== app && !Stack.isStack(acknowledgement.scope),
      `${acknowledgement.id} acknowledged stack-wide at ${acknowledgement.path}`,
    );
    assert.ok(acknowledgement.reason.length >= 40, `${acknowledgement.id} at ${acknowledgement.path}: reason too thin`);
  }
  const rules = new Set(found.map((a) => a.id.replace(/^Annotation::/, '').replace(/\[.*$/, '')));
  assert.deepEqual([...rules].sort(), [
    'AwsSolutions-APIG4',
    'AwsSolutions-IAM4',
    'AwsSolutions-IAM5',
    'AwsSolutions-S1',
    'AwsSolutions-SNS2',
  ]);
});
