import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRoutingConfig } from '../../functions/classifier/routing-config.js';
import { DEFAULT_SETTINGS, readDeploymentSettings, SettingsError } from '../../infra/deployment-settings.js';
import { FunctionImage } from '../../infra/lib/function-image.js';
import { GpuImage } from '../../infra/lib/gpu-image.js';
import { GpuResultsFunction } from '../../infra/lib/gpu-results-function.js';
import { DEFAULT_GPU_SETTINGS } from '../../infra/lib/gpu-settings.js';
import { notificationSuffixes } from '../../infra/xclip-serverless-stack.js';
import { DEFAULT_GPU_MIN_VIDEO_SECONDS } from '../../layers/pipeline/core/routing/route.js';
import { CDK_JSON_CONTEXT, onlyResource, resourceOf, resourcesOf, synthesize } from '../infra/synth.js';

const REPO = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'xclip-gpu-stack-'));
after(() => rmSync(work, { recursive: true, force: true }));

const GPU_FLAGS = {
  gpu: 'true',
  gpuInstanceType: 'ml.g6.xlarge',
  gpuMaxInstances: '3',
  gpuMinVideoSeconds: '900',
  timelineSeconds: '10',
};
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const bucketId = (template: Template) => resourceOf(template, 'AWS::S3::Bucket', 'VideoBucketVideos').id;
const objectsUnder = (template: Template, prefix: string) => ({
  'Fn::Join': ['', [arnOf(bucketId(template)), `/${prefix}*`]],
});
const statementsOf = (template: Template, policyPrefix: string) =>
  resourceOf(template, 'AWS::IAM::Policy', policyPrefix).properties.PolicyDocument.Statement as Array<
    Record<string, any>
  >;
const resourcesOfAction = (statements: Array<Record<string, any>>, action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
const classifierFunction = (template: Template) =>
  resourceOf(template, 'AWS::Lambda::Function', 'ClassifierFunction').properties;
const GPU_TYPES = [
  'AWS::SageMaker::Model',
  'AWS::SageMaker::EndpointConfig',
  'AWS::SageMaker::Endpoint',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::SNS::Subscription',
];

test('without -c gpu=true nothing of the GPU path is deployed and the classifier keeps every upload', () => {
  const { template } = synthesize();
  for (const type of GPU_TYPES) assert.deepEqual(template.findResources(type), {}, type);
  assert.deepEqual(resourcesOf(template, 'AWS::SNS::Topic'), []);
  const variables = classifierFunction(template).Environment.Variables as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(variables).filter((name) => name.startsWith('GPU_') || name === 'TIMELINE_SECONDS'),
    [],
  );
  assert.deepEqual(
    resourcesOfAction(statementsOf(template, 'ClassifierIdentityRoleDefaultPolicy'), 'sagemaker:InvokeEndpointAsync'),
    [],
  );
  assert.equal(template.toJSON().Outputs.GpuEndpointName, undefined);
});

describe('with -c gpu=true', () => {
  let template: Template;
  let stack: Stack;
  let app: App;
  before(() => {
    ({ template, stack, app } = synthesize(GPU_FLAGS));
  });

  test("a model on the GPU image, with its role and the server's environment, created after the role's policy", () => {
    const model = template.toJSON().Resources[resourceOf(template, 'AWS::SageMaker::Model', 'GpuModel').id];
    const role = resourceOf(template, 'AWS::IAM::Role', 'GpuModelRole');
    assert.deepEqual(model.Properties.ExecutionRoleArn, arnOf(role.id));
    assert.match(JSON.stringify(model.Properties.PrimaryContainer.Image), /container-assets/);
    assert.deepEqual(model.Properties.PrimaryContainer.Environment, {
      BUCKET_NAME: ref(bucketId(template)),
      TABLE_NAME: ref(onlyResource(template, 'AWS::DynamoDB::Table').id),
      MAX_VIDEO_BYTES: String(DEFAULT_SETTINGS.maxVideoBytes),
      MAX_VIDEO_SECONDS: String(DEFAULT_SETTINGS.maxVideoSeconds),
      EVENT_BUS_NAME: 'default',
      VECTOR_INDEX_ARN: { 'Fn::GetAtt': [onlyResource(template, 'AWS::S3Vectors::Index').id, 'IndexArn'] },
      VECTOR_DIMENSION: '512',
    });
    assert.ok(model.DependsOn.includes(resourceOf(template, 'AWS::IAM::Policy', 'GpuModelRoleDefaultPolicy').id));
    assert.deepEqual(role.properties.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } },
    ]);
  });

  test('an endpoint configuration for asynchronous inference: outputs and failures to S3, SNS on success and error, four requests per instance', () => {
    const config = onlyResource(template, 'AWS::SageMaker::EndpointConfig').properties;
    const topics = {
      success: resourceOf(template, 'AWS::SNS::Topic', 'GpuSucceeded').id,
      error: resourceOf(template, 'AWS::SNS::Topic', 'GpuFailed').id,
    };
    const outputs = (path: string) => ({ 'Fn::Join': ['', ['s3://', ref(bucketId(template)), path]] });
    assert.deepEqual(config.AsyncInferenceConfig, {
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      OutputConfig: {
        S3OutputPath: outputs('/gpu-results/'),
        S3FailurePath: outputs('/gpu-results/failures/'),
        NotificationConfig: { SuccessTopic: ref(topics.success), ErrorTopic: ref(topics.error) },
      },
    });
    assert.deepEqual(config.ProductionVariants, [
      {
        VariantName: 'AllTraffic',
        ModelName: { 'Fn::GetAtt': [resourceOf(template, 'AWS::SageMaker::Model', 'GpuModel').id, 'ModelName'] },
        InstanceType: 'ml.g6.xlarge',
        InitialInstanceCount: 1,
        InferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
      },
    ]);
    const endpoint = onlyResource(template, 'AWS::SageMaker::Endpoint').properties;
    assert.deepEqual(endpoint, {
      EndpointName: `${stack.stackName}-gpu`,
      EndpointConfigName: {
        'Fn::GetAtt': [resourceOf(template, 'AWS::SageMaker::EndpointConfig', 'GpuConfig').id, 'EndpointConfigName'],
      },
    });
    assert.deepEqual(template.toJSON().Outputs.GpuEndpointName.Value, `${stack.stackName}-gpu`);
  });

  test('scaling from 0 to gpuMaxInstances: target tracking on the backlog per instance, a step from zero on backlog without capacity', () => {
    const endpointName = `${stack.stackName}-gpu`;
    const target =
      template.toJSON().Resources[onlyResource(template, 'AWS::ApplicationAutoScaling::ScalableTarget').id];
    assert.deepEqual(
      { ...target.Properties, RoleARN: undefined },
      {
        MinCapacity: 0,
        MaxCapacity: 3,
        ResourceId: `endpoint/${endpointName}/variant/AllTraffic`,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        ServiceNamespace: 'sagemaker',
        RoleARN: undefined,
      },
    );
    assert.match(
      JSON.stringify(target.Properties.RoleARN),
      /aws-service-role\/sagemaker\.application-autoscaling\.amazonaws\.com\/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint/,
    );
    assert.ok(
      target.DependsOn.includes(onlyResource(template, 'AWS::SageMaker::Endpoint').id),
      'registered once the endpoint exists',
    );

    const dimensions = [{ Name: 'EndpointName', Value: endpointName }];
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        CustomizedMetricSpecification: {
          MetricName: 'ApproximateBacklogSizePerInstance',
          Namespace: 'AWS/SageMaker',
          Dimensions: dimensions,
          Statistic: 'Average',
        },
        TargetValue: Match.anyValue(),
      },
    });
    const step = resourceOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy', 'GpuScalingScaleFromZero');
    assert.deepEqual(step.properties.StepScalingPolicyConfiguration.StepAdjustments, [
      { MetricIntervalLowerBound: 0, ScalingAdjustment: 1 },
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HasBacklogWithoutCapacity',
      Namespace: 'AWS/SageMaker',
      Dimensions: dimensions,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ref(step.id)],
    });
  });

  test('two encrypted, TLS-only topics, both subscribed by the consumer, whose errors raise an alarm', () => {
    const consumer = resourceOf(template, 'AWS::Lambda::Function', 'GpuResultsFunction');
    assert.deepEqual(consumer.properties.ImageConfig, { Command: [GpuResultsFunction.HANDLER] });
    assert.deepEqual(Object.keys(consumer.properties.Environment.Variables).sort(), [
      'BUCKET_NAME',
      'POWERTOOLS_SERVICE_NAME',
      'TABLE_NAME',
    ]);
    for (const prefix of ['GpuSucceeded', 'GpuFailed']) {
      const topic = resourceOf(template, 'AWS::SNS::Topic', prefix);
      assert.match(JSON.stringify(topic.properties.KmsMasterKeyId), /:alias\/aws\/sns"/);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(topic.id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: ref(topic.id),
        Endpoint: arnOf(consumer.id),
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'sns.amazonaws.com',
        SourceArn: ref(topic.id),
        FunctionName: arnOf(consumer.id),
      });
    }
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(consumer.id),
      MaximumRetryAttempts: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(consumer.id) }],
    });
  });

  test('least privilege: the model reads uploads and requests and writes artifacts and outputs; the consumer only reads; the classifier queues requests', () => {
    const model = statementsOf(template, 'GpuModelRoleDefaultPolicy');
    const under = (...prefixes: string[]) => prefixes.map((prefix) => objectsUnder(template, prefix));
    assert.deepEqual(resourcesOfAction(model, 's3:GetObject'), under('gpu-requests/', 'videos/'));
    assert.deepEqual(
      resourcesOfAction(model, 's3:PutObject'),
      under('embeddings/', 'gpu-results/', 'results/', 'segments/', 'thumbnails/', 'tokens/'),
    );
    assert.deepEqual(resourcesOfAction(model, 's3vectors:PutVectors'), [
      { 'Fn::GetAtt': [onlyResource(template, 'AWS::S3Vectors::Index').id, 'IndexArn'] },
    ]);
    assert.deepEqual(
      resourcesOfAction(model, 'sns:Publish').sort((a, b) => a.Ref.localeCompare(b.Ref)),
      [
        ref(resourceOf(template, 'AWS::SNS::Topic', 'GpuFailed').id),
        ref(resourceOf(template, 'AWS::SNS::Topic', 'GpuSucceeded').id),
      ],
    );
    assert.match(
      JSON.stringify(resourcesOfAction(model, 'logs:PutLogEvents')),
      new RegExp(`:log-group:/aws/sagemaker/Endpoints/${stack.stackName}-gpu:log-stream:\\*`),
    );
    assert.deepEqual(resourcesOfAction(model, 'sagemaker:InvokeEndpointAsync'), []);
    assert.match(JSON.stringify(resourcesOfAction(model, 'events:PutEvents')), /:event-bus\/default"/);
    assert.ok(
      !model.some((s) => [s.Action].flat().some((action: string) => action.endsWith(':*'))),
      'no service-wide actions',
    );

    const consumer = statementsOf(template, 'GpuResultsIdentityRoleDefaultPolicy');
    assert.deepEqual(resourcesOfAction(consumer, 's3:GetObject'), under('gpu-requests/', 'gpu-results/', 'videos/'));
    assert.deepEqual(resourcesOfAction(consumer, 's3:PutObject'), []);

    const classifier = statementsOf(template, 'ClassifierIdentityRoleDefaultPolicy');
    assert.match(
      JSON.stringify(resourcesOfAction(classifier, 'sagemaker:InvokeEndpointAsync')),
      new RegExp(`:endpoint/${stack.stackName.toLowerCase()}-gpu"`),
    );
    assert.deepEqual(
      resourcesOfAction(classifier, 's3:PutObject'),
      under('embeddings/', 'gpu-requests/', 'results/', 'segments/', 'thumbnails/', 'tokens/'),
    );
    assert.deepEqual(
      resourcesOfAction(statementsOf(template, 'ApiIdentityRoleDefaultPolicy'), 'sagemaker:InvokeEndpointAsync'),
      [],
    );
  });

  test("the classifier's routing environment, which its routing config accepts, and manifests routed by the bucket notifications", () => {
    const variables = classifierFunction(template).Environment.Variables as Record<string, string>;
    assert.deepEqual(
      {
        name: variables.GPU_ENDPOINT_NAME,
        seconds: variables.GPU_MIN_VIDEO_SECONDS,
        timeline: variables.TIMELINE_SECONDS,
      },
      { name: `${stack.stackName}-gpu`, seconds: '900', timeline: '10' },
    );
    assert.deepEqual(loadRoutingConfig(variables), {
      timelineSeconds: 10,
      gpu: {
        endpointName: `${stack.stackName}-gpu`,
        policy: { minVideoSeconds: 900, manifestSuffix: '.manifest.json' },
      },
    });
    const rules = (
      onlyResource(template, 'Custom::S3BucketNotifications').properties.NotificationConfiguration
        .QueueConfigurations as Array<Record<string, any>>
    ).map((c) => c.Filter.Key.FilterRules.find((r: any) => r.Name === 'suffix').Value);
    assert.deepEqual(rules.sort(), notificationSuffixes([...DEFAULT_SETTINGS.videoSuffixes, '.manifest.json']).sort());
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged, and every GPU acknowledgement sits on its role with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    assert.deepEqual(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
      [],
    );
    const acknowledged = app.node
      .findAll()
      .filter((scope) => scope.node.path.includes('/Gpu/'))
      .flatMap((scope) =>
        scope.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
              path: scope.node.path,
              id,
              reason,
            })),
          ),
      )
      .filter(({ id }) => id.includes('AwsSolutions-'));
    assert.ok(acknowledged.length > 0);
    for (const { path, id, reason } of acknowledged) {
      assert.match(id, /AwsSolutions-IAM5\[/, `${id} at ${path}`);
      assert.ok(reason.length >= 40, `${id} at ${path}: reason too thin`);
    }
  });
});

test("the GPU template passes CDK's CloudFormation schema check", () => {
  const { app } = synthesize(GPU_FLAGS, { builtinCloudFormationValidation: true });
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
  };
  assert.deepEqual(
    report.pluginReports
      .filter((plugin) => plugin.pluginName === 'CloudFormation Validate')
      .flatMap((plugin) => plugin.violations),
    [],
  );
});

test('GPU flags: defaults with gpu=true, validated, and refused without it', () => {
  const settingsOf = (context: Record<string, unknown>) => readDeploymentSettings(new App({ context }).node);
  assert.deepEqual(settingsOf({ gpu: true }).gpu, DEFAULT_GPU_SETTINGS);
  assert.equal(
    DEFAULT_GPU_SETTINGS.minVideoSeconds,
    DEFAULT_GPU_MIN_VIDEO_SECONDS,
    'infra and the classifier share the default',
  );
  assert.deepEqual(settingsOf({ gpu: 'true', gpuMaxInstances: 4, gpuModelDir: 'models/fp32/' }).gpu, {
    ...DEFAULT_GPU_SETTINGS,
    maxInstances: 4,
    modelDir: 'models/fp32',
  });
  assert.equal(settingsOf({ gpu: 'false' }).gpu, undefined);
  assert.equal(settingsOf({ timelineSeconds: '5' }).timelineSeconds, 5);
  for (const [context, flag] of [
    [{ gpuMaxInstances: '2' }, 'gpuMaxInstances'],
    [{ gpu: 'yes' }, 'gpu'],
    [{ gpu: 'true', gpuInstanceType: 'g5.xlarge' }, 'gpuInstanceType'],
    [{ gpu: 'true', gpuMaxInstances: '0' }, 'gpuMaxInstances'],
    [{ gpu: 'true', gpuModelDir: '../models' }, 'gpuModelDir'],
    [{ timelineSeconds: '7200' }, 'timelineSeconds'],
  ] as const) {
    assert.throws(
      () => settingsOf(context),
      (error: unknown) => error instanceof SettingsError && error.message.startsWith(`context flag ${flag}:`),
      JSON.stringify(context),
    );
  }
});

describe('the GPU image', () => {
  const dockerfile = readFileSync(join(REPO, GpuImage.DOCKERFILE), 'utf8');

  function write(root: string, path: string, content = path): void {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }

  test('its build context: the Dockerfile, the lockfile, the gpu-server bundle and the chosen model only; linux/amd64', () => {
    const root = mkdtempSync(join(work, 'repo-'));
    for (const path of [GpuImage.DOCKERFILE, FunctionImage.DOCKERFILE, GpuImage.ENTRYPOINT, '.dockerignore'])
      write(root, path, readFileSync(join(REPO, path), 'utf8'));
    write(root, 'functions/shared/config.ts');
    for (const path of [
      'package-lock.json',
      'node_modules/x.js',
      'layers/x.ts',
      'dist/functions/gpu-server/index.mjs',
      'dist/functions/classifier/index.mjs',
      'models/gpu/manifest.json',
      'models/gpu/vision.onnx',
      'models/xclip-base-patch32-int8/manifest.json',
    ])
      write(root, path);
    const testApp = new App({ outdir: mkdtempSync(join(work, 'cdk.out-')) });
    const image = new GpuImage(new Stack(testApp, 'GpuImageTest'), 'Image', {
      repositoryRoot: root,
      modelDir: 'models/gpu',
    });
    testApp.synth();
    const staged = join(testApp.outdir, `asset.${image.asset.assetHash}`);
    const list = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? list(join(dir, entry.name)) : [relative(staged, join(dir, entry.name))],
      );
    assert.deepEqual(list(staged).sort(), [
      '.dockerignore',
      'dist/functions/gpu-server/index.mjs',
      GpuImage.DOCKERFILE,
      GpuImage.ENTRYPOINT,
      'models/gpu/manifest.json',
      'models/gpu/vision.onnx',
      'package-lock.json',
    ]);
    const assets = JSON.parse(readFileSync(join(testApp.outdir, 'GpuImageTest.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: Record<string, any> }>;
    };
    const [source] = Object.values(assets.dockerImages).map((asset) => asset.source);
    assert.deepEqual(
      { file: source!.dockerFile, platform: source!.platform, buildArgs: source!.dockerBuildArgs },
      { file: GpuImage.DOCKERFILE, platform: 'linux/amd64', buildArgs: { MODEL_SOURCE_DIR: 'models/gpu' } },
    );
  });

  test("its Dockerfile: CUDA 13 + cuDNN 9, Node 22, no ffmpeg program, onnxruntime-node's CUDA binaries, `serve` through the entry point", () => {
    assert.match(dockerfile, /^ARG CUDA_IMAGE=\S*nvidia\/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu\S+$/m);
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:22-\S+$/m);
    assert.match(dockerfile, /^FROM --platform=linux\/amd64 \$\{CUDA_IMAGE\}$/m, 'the final stage is the CUDA image');
    assert.match(dockerfile, /node node_modules\/onnxruntime-node\/script\/install --onnxruntime-node-install=cuda12/);
    assert.match(
      dockerfile,
      /test -f node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/libonnxruntime_providers_cuda\.so/,
    );
    assert.doesNotMatch(dockerfile, /install-ffmpeg|FFMPEG_PATH|FFPROBE_PATH/, 'node-av decodes: no ffmpeg program');
    assert.match(dockerfile, /XCLIP_EXECUTION_PROVIDERS=cuda,cpu/);
    assert.match(dockerfile, new RegExp(`^ARG MODEL_SOURCE_DIR=${DEFAULT_GPU_SETTINGS.modelDir}$`, 'm'));
    assert.match(dockerfile, /^COPY \$\{MODEL_SOURCE_DIR\} \/opt\/model$/m);
    assert.match(dockerfile, /^COPY dist\/functions\/gpu-server \/opt\/app\/functions\/gpu-server$/m);
    assert.ok(dockerfile.includes(`COPY ${GpuImage.ENTRYPOINT} /opt/app/entrypoint.sh\n`));
    assert.match(dockerfile, /^ENTRYPOINT \["\/bin\/sh", "\/opt\/app\/entrypoint\.sh"\]$/m);
    assert.match(
      readFileSync(join(REPO, GpuImage.ENTRYPOINT), 'utf8'),
      /^exec node \/opt\/app\/functions\/gpu-server\/index\.mjs "\$@"$/m,
    );
    assert.match(dockerfile, /^CMD \["serve"\]$/m);
  });
});

test('`cdk synth -c gpu=true` runs offline without Docker: both images are assets, the GPU one for linux/amd64', {
  timeout: 120_000,
}, () => {
  const outdir = mkdtempSync(join(work, 'app-synth-'));
  const { app: command } = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { app: string };
  const run = spawnSync(command, {
    cwd: REPO,
    shell: true,
    encoding: 'utf8',
    timeout: 110_000,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, gpu: 'true', architecture: 'arm64' }),
      CDK_DOCKER: '/nonexistent/docker',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  assert.equal(run.status, 0, `app exited ${run.status}:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\bERROR\b/);
  const assets = JSON.parse(readFileSync(join(outdir, 'XclipServerless.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: Record<string, any> }>;
  };
  const images = Object.values(assets.dockerImages)
    .map(({ source }) => [source.dockerFile ?? 'Dockerfile', source.platform])
    .sort();
  assert.deepEqual(images, [
    [FunctionImage.DOCKERFILE, 'linux/arm64'],
    [GpuImage.DOCKERFILE, 'linux/amd64'],
  ]);
  const template = JSON.parse(readFileSync(join(outdir, 'XclipServerless.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  assert.equal(
    Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::SageMaker::Endpoint').length,
    1,
  );
});
