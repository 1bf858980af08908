import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CDK_JSON_CONTEXT } from './synth.js';

const REPO = new URL('../../', import.meta.url).pathname;
const cdkJson = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { app: string };

test('the app synthesizes as `cdk synth` runs it: offline, without Docker, cdk-nag passing', {
  timeout: 120_000,
}, () => {
  const outdir = mkdtempSync(join(tmpdir(), 'xclip-app-synth-'));
  try {
    // The CLI's protocol: it runs cdk.json's "app" with the output directory and the context in the environment.
    const run = spawnSync(cdkJson.app, {
      cwd: REPO,
      shell: true,
      encoding: 'utf8',
      timeout: 110_000,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, architecture: 'arm64' }),
        // Any attempt to run Docker during synth fails loudly.
        CDK_DOCKER: '/nonexistent/docker',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    assert.equal(run.status, 0, `app exited ${run.status}:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /\bERROR\b/);

    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    assert.deepEqual(stacks, ['XclipServerless']);
    const template = JSON.parse(readFileSync(join(outdir, 'XclipServerless.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    assert.equal(
      Object.values(template.Resources).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && !('Runtime' in ((r as any).Properties ?? {})),
      ).length,
      2,
    );

    const assets = JSON.parse(readFileSync(join(outdir, 'XclipServerless.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: Record<string, any> }>;
    };
    const [image, ...others] = Object.values(assets.dockerImages);
    assert.equal(others.length, 0);
    assert.equal(image!.source.platform, 'linux/arm64');
    assert.ok(
      existsSync(join(outdir, image!.source.directory, 'functions/classifier/Dockerfile')),
      'the build context is staged',
    );
    assert.ok(
      !existsSync(join(outdir, image!.source.directory, 'node_modules')),
      'node_modules stays out of the build context',
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
