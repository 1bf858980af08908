import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../functions/shared/config.js';
import { DEFAULT_SETTINGS } from '../../infra/deployment-settings.js';
import { apiRoutes, webPageRoutes } from '../../infra/lib/api-routes.js';
import { notificationSuffixes } from '../../infra/xclip-serverless-stack.js';
import { TABLE_INDEXES, TABLE_PARTITION_KEY } from '../../layers/pipeline/adapters/aws/table-schema.js';
import { onlyResource, resourceOf, resourcesOf, type Synthesized, synthesize } from './synth.js';

const ENV_CONTRACT = [
  'BUCKET_NAME',
  'TABLE_NAME',
  'QUEUE_URL',
  'MODEL_DIR',
  'UPLOAD_PREFIX',
  'VIDEO_SUFFIXES',
  'MAX_VIDEO_BYTES',
  'MAX_VIDEO_SECONDS',
  'CORS_ORIGINS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'LABEL_FEATURE_CACHE_DIR',
  'VECTOR_INDEX_ARN',
  'VECTOR_DIMENSION',
];
const VECTOR_INDEX_ARN = 'arn:aws:s3vectors:eu-west-1:123456789012:bucket/vectors/index/videos';

const fn = (template: Template, name: 'Classifier' | 'Api') =>
  resourceOf(template, 'AWS::Lambda::Function', `${name}Function`);
const policyOf = (template: Template, name: 'Classifier' | 'Api') =>
  resourceOf(template, 'AWS::IAM::Policy', `${name}IdentityRoleDefaultPolicy`).properties.PolicyDocument
    .Statement as Array<Record<string, any>>;
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objectsUnder = (bucketId: string, prefix: string) => ({ 'Fn::Join': ['', [arnOf(bucketId), `/${prefix}*`]] });
const bucketIds = (template: Template) => ({
  videos: resourceOf(template, 'AWS::S3::Bucket', 'VideoBucketVideos').id,
  logs: resourceOf(template, 'AWS::S3::Bucket', 'VideoBucketAccessLogs').id,
});
const queueIds = (template: Template) => ({
  uploads: resourceOf(template, 'AWS::SQS::Queue', 'IngestUploads').id,
  deadLetters: resourceOf(template, 'AWS::SQS::Queue', 'IngestDeadLetters').id,
});

describe('default deployment', () => {
  let template: Template;
  before(() => {
    ({ template } = synthesize());
  });

  test('both buckets: SSE-S3, all public access blocked, TLS-only policy; the video bucket versioned and logging to the other', () => {
    const ids = bucketIds(template);
    for (const id of [ids.videos, ids.logs]) {
      const bucket = resourceOf(template, 'AWS::S3::Bucket', id).properties;
      assert.deepEqual(bucket.BucketEncryption, {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      assert.deepEqual(bucket.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(id),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    const videos = resourceOf(template, 'AWS::S3::Bucket', ids.videos).properties;
    assert.deepEqual(videos.VersioningConfiguration, { Status: 'Enabled' });
    assert.deepEqual(videos.LoggingConfiguration, {
      DestinationBucketName: ref(ids.logs),
      LogFilePrefix: 'videos-bucket/',
    });
    // The page the API serves PUTs uploads (whole or in parts) straight to the bucket, and reads each part's ETag.
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    assert.deepEqual(videos.CorsConfiguration, {
      CorsRules: [
        {
          AllowedOrigins: [{ 'Fn::GetAtt': [api.id, 'ApiEndpoint'] }],
          AllowedMethods: ['PUT'],
          AllowedHeaders: ['*'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3600,
        },
      ],
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
      DeletionPolicy: 'Retain',
    });
  });

  test('the bucket notifies the queue of created objects under the upload prefix, one rule per suffix in lower and upper case', () => {
    const { videos } = bucketIds(template);
    const { uploads } = queueIds(template);
    const notifications = onlyResource(template, 'Custom::S3BucketNotifications').properties;
    assert.deepEqual(notifications.BucketName, ref(videos));
    const configurations = notifications.NotificationConfiguration.QueueConfigurations as Array<Record<string, any>>;
    const expected = notificationSuffixes(DEFAULT_SETTINGS.videoSuffixes);
    assert.ok(expected.includes('.mp4') && expected.includes('.MP4') && expected.includes('.MOV'));
    assert.deepEqual(
      configurations.map((c) => c.Filter.Key.FilterRules.find((r: any) => r.Name === 'suffix').Value).sort(),
      [...expected].sort(),
    );
    for (const configuration of configurations) {
      assert.deepEqual(configuration.Events, ['s3:ObjectCreated:*']);
      assert.deepEqual(configuration.QueueArn, arnOf(uploads));
      assert.deepEqual(
        configuration.Filter.Key.FilterRules.find((r: any) => r.Name === 'prefix'),
        { Name: 'prefix', Value: 'videos/' },
      );
    }
  });

  test('the queue dead-letters after 3 receives and hides a message for at least 6x the classifier timeout', () => {
    const { uploads, deadLetters } = queueIds(template);
    const queue = resourceOf(template, 'AWS::SQS::Queue', uploads).properties;
    assert.deepEqual(queue.RedrivePolicy, { deadLetterTargetArn: arnOf(deadLetters), maxReceiveCount: 3 });
    const timeout = fn(template, 'Classifier').properties.Timeout as number;
    assert.equal(timeout, 300);
    assert.ok(queue.VisibilityTimeout >= 6 * timeout, `visibility ${queue.VisibilityTimeout} s < 6 x ${timeout} s`);
    for (const id of [uploads, deadLetters]) {
      assert.equal(resourceOf(template, 'AWS::SQS::Queue', id).properties.SqsManagedSseEnabled, true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('the classifier: one image, its own CMD, default memory, timeout, architecture, no reserved concurrency, the default /tmp (videos are read by ranges, not downloaded)', () => {
    const classifier = fn(template, 'Classifier').properties;
    const api = fn(template, 'Api').properties;
    assert.equal(classifier.PackageType, 'Image');
    assert.deepEqual(classifier.Code, api.Code, 'both functions run the same image');
    assert.deepEqual(classifier.ImageConfig, { Command: ['functions/classifier/index.handler'] });
    assert.deepEqual(api.ImageConfig, { Command: ['functions/api/index.handler'] });
    assert.equal(classifier.MemorySize, 3008);
    assert.deepEqual(classifier.Architectures, ['x86_64']);
    assert.deepEqual(api.Architectures, ['x86_64']);
    assert.equal(classifier.ReservedConcurrentExecutions, undefined);
    assert.equal(classifier.EphemeralStorage, undefined);
    assert.equal(api.Timeout, 29);
    assert.equal(api.MemorySize, 2048);
  });

  test('the SQS event source reports batch item failures, one message per invocation, at most 10 at once', () => {
    const { uploads } = queueIds(template);
    const mapping = onlyResource(template, 'AWS::Lambda::EventSourceMapping').properties;
    assert.deepEqual(mapping.EventSourceArn, arnOf(uploads));
    assert.deepEqual(mapping.FunctionName, ref(fn(template, 'Classifier').id));
    assert.deepEqual(mapping.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(mapping.BatchSize, 1);
    assert.deepEqual(mapping.ScalingConfig, { MaximumConcurrency: 10 });
  });

  test('both functions get the environment contract, which functions/shared/config.ts accepts', () => {
    const { videos } = bucketIds(template);
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const { uploads } = queueIds(template);
    for (const [name, service] of [
      ['Classifier', 'classifier'],
      ['Api', 'api'],
    ] as const) {
      const variables = fn(template, name).properties.Environment.Variables as Record<string, unknown>;
      // The classifier's claims outlast its timeout (300 s by default) by a minute.
      const own = name === 'Classifier' ? ['CLAIM_LEASE_SECONDS', 'EVENT_BUS_NAME'] : [];
      assert.deepEqual(Object.keys(variables).sort(), [...ENV_CONTRACT, ...own].sort());
      if (name === 'Classifier') assert.equal(variables.CLAIM_LEASE_SECONDS, '360');
      assert.deepEqual(variables.BUCKET_NAME, ref(videos));
      assert.deepEqual(variables.TABLE_NAME, ref(table.id));
      assert.deepEqual(variables.QUEUE_URL, ref(uploads));
      assert.equal(variables.POWERTOOLS_SERVICE_NAME, service);
      const index = onlyResource(template, 'AWS::S3Vectors::Index');
      assert.deepEqual(variables.VECTOR_INDEX_ARN, { 'Fn::GetAtt': [index.id, 'IndexArn'] });
      assert.equal(variables.VECTOR_DIMENSION, String(index.properties.Dimension));
      const deployed = {
        ...variables,
        BUCKET_NAME: 'bucket',
        TABLE_NAME: 'table',
        QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/uploads',
        VECTOR_INDEX_ARN,
      };
      const config = loadConfig(deployed as Record<string, string>);
      assert.equal(config.modelDir, '/opt/model');
      assert.equal(config.uploadPrefix, 'videos/');
      assert.deepEqual(config.videoSuffixes, DEFAULT_SETTINGS.videoSuffixes);
      assert.equal(config.maxVideoBytes, 2 * 1024 ** 3);
      assert.equal(config.maxVideoSeconds, 3600);
      assert.deepEqual(config.corsOrigins, []);
      assert.equal(config.metricsNamespace, 'XclipServerless');
      assert.equal(config.labelFeatureCacheDir, '/tmp/label-features');
      assert.deepEqual(config.vectorIndex, { target: { indexArn: VECTOR_INDEX_ARN }, dimension: 512 });
    }
  });

  test('the search index: one S3 Vectors index; both functions read and write its vectors, and nothing else of S3 Vectors', () => {
    const index = onlyResource(template, 'AWS::S3Vectors::Index');
    onlyResource(template, 'AWS::S3Vectors::VectorBucket');
    for (const name of ['Classifier', 'Api'] as const) {
      const statements = policyOf(template, name).filter((s) =>
        [s.Action].flat().some((action: string) => action.startsWith('s3vectors:')),
      );
      assert.deepEqual(statements.length, 1, name);
      assert.deepEqual(
        new Set([statements[0]!.Action].flat()),
        new Set(['s3vectors:PutVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors', 's3vectors:QueryVectors']),
      );
      assert.deepEqual(statements[0]!.Resource, { 'Fn::GetAtt': [index.id, 'IndexArn'] });
    }
  });

  test('least privilege: exact S3 actions per key prefix, no wildcard action, table read/write, queue consumption for the classifier', () => {
    const { videos } = bucketIds(template);
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const { uploads } = queueIds(template);
    const statementsFor = (statements: Array<Record<string, any>>, action: string) =>
      statements.filter((s) => [s.Action].flat().includes(action));
    const resourcesFor = (statements: Array<Record<string, any>>, action: string) =>
      statementsFor(statements, action).flatMap((s) => [s.Resource].flat());

    const classifier = policyOf(template, 'Classifier');
    const api = policyOf(template, 'Api');
    for (const statements of [classifier, api]) {
      assert.deepEqual(
        statements.flatMap((s) => [s.Action].flat()).filter((action: string) => action.includes('*')),
        [],
      );
      assert.ok(statements.every((s) => s.Effect === 'Allow'));
      assert.deepEqual(resourcesFor(statements, 's3:ListBucket'), [arnOf(videos)]);
      assert.deepEqual(resourcesFor(statements, 'dynamodb:UpdateItem'), [
        arnOf(table.id),
        { 'Fn::Join': ['', [arnOf(table.id), '/index/*']] },
      ]);
    }
    assert.deepEqual(resourcesFor(classifier, 's3:GetObject'), [objectsUnder(videos, 'videos/')]);
    assert.deepEqual(
      new Set(resourcesFor(classifier, 's3:PutObject')),
      new Set(['results/', 'embeddings/', 'tokens/', 'segments/', 'thumbnails/'].map((p) => objectsUnder(videos, p))),
    );
    assert.deepEqual(resourcesFor(classifier, 'sqs:DeleteMessage'), [arnOf(uploads)]);
    assert.deepEqual(
      new Set(resourcesFor(api, 's3:GetObject')),
      new Set(
        ['results/', 'embeddings/', 'tokens/', 'segments/', 'thumbnails/', 'videos/'].map((p) =>
          objectsUnder(videos, p),
        ),
      ),
    );
    assert.deepEqual(
      new Set(resourcesFor(api, 's3:PutObject')),
      new Set([objectsUnder(videos, 'videos/'), objectsUnder(videos, 'results/')]),
    );
    assert.deepEqual(statementsFor(api, 'sqs:ReceiveMessage'), []);
    // Video events: PutEvents on the default bus, for the classifier only.
    const putEvents = resourcesFor(classifier, 'events:PutEvents');
    assert.equal(putEvents.length, 1);
    assert.match(JSON.stringify(putEvents[0]), /:event-bus\/default"/);
    assert.deepEqual(statementsFor(api, 'events:PutEvents'), []);
    for (const name of ['Classifier', 'Api'] as const) {
      const role = resourceOf(template, 'AWS::IAM::Role', `${name}IdentityRole`).properties;
      assert.equal(role.ManagedPolicyArns, undefined, "logs go to the function's own log group only");
    }
  });

  test('the result table: on demand, point-in-time recovery, the key schema and indexes of layers/pipeline/adapters/aws/table-schema.ts, retained, the sharded table', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    assert.match(table.id, /^ResultsTableShardedTable/, 'a new logical id: the old indexes cannot be swapped in place');
    assert.equal(table.deletionPolicy, 'Retain');
    assert.equal(table.properties.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table.properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    assert.equal(table.properties.DeletionProtectionEnabled, true);
    assert.deepEqual(table.properties.KeySchema, [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }]);
    const expected = Object.values(TABLE_INDEXES).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    }));
    assert.deepEqual(table.properties.GlobalSecondaryIndexes, expected);
    const types = Object.fromEntries(
      (table.properties.AttributeDefinitions as Array<{ AttributeName: string; AttributeType: string }>).map((a) => [
        a.AttributeName,
        a.AttributeType,
      ]),
    );
    for (const index of Object.values(TABLE_INDEXES)) {
      assert.equal(types[index.partitionKey.name], index.partitionKey.type);
      assert.equal(types[index.sortKey.name], index.sortKey.type);
    }
  });

  test('the HTTP API routes every operation the API function serves behind IAM authorization, the web page without, and no CORS', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
    const expected = apiRoutes().map((route) => `${route.method} ${route.path}`);
    assert.ok(
      expected.includes('POST /uploads') && expected.includes('GET /videos/{id}') && expected.includes('POST /search'),
    );
    const page = webPageRoutes(false).map((route) => `${route.method} ${route.path}`);
    assert.deepEqual(page, ['GET /', 'GET /assets/{name}']);
    assert.deepEqual(routes.map((route) => route.properties.RouteKey).sort(), [...expected, ...page].sort());
    for (const route of routes) {
      const open = page.includes(route.properties.RouteKey);
      assert.equal(route.properties.AuthorizationType, open ? 'NONE' : 'AWS_IAM', route.properties.RouteKey);
    }
    const integration = onlyResource(template, 'AWS::ApiGatewayV2::Integration').properties;
    assert.equal(integration.IntegrationType, 'AWS_PROXY');
    assert.equal(integration.PayloadFormatVersion, '2.0');
    assert.equal(onlyResource(template, 'AWS::ApiGatewayV2::Api').properties.CorsConfiguration, undefined);
    const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage').properties;
    assert.equal(stage.StageName, '$default');
    assert.equal(stage.AutoDeploy, true);
    assert.deepEqual(stage.DefaultRouteSettings, { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 });
    assert.match(stage.AccessLogSettings.Format, /\$context\.requestId/);
  });

  test("alarms on dead-lettered uploads and on each function's errors, without actions when no alarmEmail is set", () => {
    const { deadLetters } = queueIds(template);
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.properties);
    assert.equal(alarms.length, 4);
    const invalid = alarms.find((alarm) => alarm.MetricName === 'InvalidMessages');
    assert.equal(invalid?.Namespace, 'XclipServerless');
    assert.deepEqual(invalid?.Dimensions, [{ Name: 'service', Value: 'classifier' }]);
    const dlq = alarms.find((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible');
    assert.deepEqual(dlq?.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }]);
    assert.equal(dlq?.Threshold, 1);
    assert.equal(dlq?.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    const errorAlarms = alarms.filter((alarm) => alarm.MetricName === 'Errors');
    assert.deepEqual(
      new Set(errorAlarms.map((alarm) => alarm.Dimensions[0].Value.Ref)),
      new Set([fn(template, 'Api').id, fn(template, 'Classifier').id]),
    );
    for (const alarm of alarms) assert.equal(alarm.AlarmActions, undefined);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('outputs: bucket, API URL, table', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(Object.keys(outputs).sort(), ['ApiUrl', 'BucketName', 'TableName']);
    assert.deepEqual(outputs.BucketName!.Value, ref(bucketIds(template).videos));
    assert.deepEqual(outputs.TableName!.Value, ref(onlyResource(template, 'AWS::DynamoDB::Table').id));
    assert.match(JSON.stringify(outputs.ApiUrl!.Value), /execute-api/);
  });
});

describe('function flags from context', () => {
  let synthesized: Synthesized;
  before(() => {
    synthesized = synthesize({
      memorySize: '4096',
      timeoutSeconds: '600',
      architecture: 'arm64',
      maxConcurrency: '20',
      reservedConcurrency: '25',
      maxReceiveCount: '5',
      batchSize: '2',
      maxVideoBytes: String(1024 ** 3),
      maxVideoSeconds: '600',
      uploadPrefix: 'in/',
      videoSuffixes: '.mp4,.webm',
    });
  });

  test('memory, timeout, architecture and concurrency follow the flags; /tmp stays the default whatever the largest video', () => {
    const { template } = synthesized;
    const classifier = fn(template, 'Classifier').properties;
    assert.equal(classifier.MemorySize, 4096);
    assert.equal(classifier.Timeout, 600);
    assert.deepEqual(classifier.Architectures, ['arm64']);
    assert.deepEqual(fn(template, 'Api').properties.Architectures, ['arm64']);
    assert.equal(classifier.ReservedConcurrentExecutions, 25);
    assert.equal(classifier.EphemeralStorage, undefined);
    assert.equal(classifier.Environment.Variables.MAX_VIDEO_BYTES, String(1024 ** 3));
    assert.equal(classifier.Environment.Variables.MAX_VIDEO_SECONDS, '600');
    const mapping = onlyResource(template, 'AWS::Lambda::EventSourceMapping').properties;
    assert.deepEqual(mapping.ScalingConfig, { MaximumConcurrency: 20 });
    assert.equal(mapping.BatchSize, 2);
  });

  test('the queue follows the timeout and maxReceiveCount', () => {
    const { template } = synthesized;
    const queue = resourceOf(template, 'AWS::SQS::Queue', queueIds(template).uploads).properties;
    assert.equal(queue.VisibilityTimeout, 6 * 600);
    assert.equal(queue.RedrivePolicy.maxReceiveCount, 5);
  });

  test('the upload prefix and suffixes reach the notification rules, the environment and the IAM policies', () => {
    const { template } = synthesized;
    const configurations = onlyResource(template, 'Custom::S3BucketNotifications').properties.NotificationConfiguration
      .QueueConfigurations as Array<Record<string, any>>;
    const rule = (c: Record<string, any>, name: string) =>
      c.Filter.Key.FilterRules.find((r: any) => r.Name === name).Value;
    assert.deepEqual(configurations.map((c) => `${rule(c, 'prefix')}*${rule(c, 'suffix')}`).sort(), [
      'in/*.MP4',
      'in/*.WEBM',
      'in/*.mp4',
      'in/*.webm',
    ]);
    const variables = fn(template, 'Classifier').properties.Environment.Variables;
    assert.equal(variables.UPLOAD_PREFIX, 'in/');
    assert.equal(variables.VIDEO_SUFFIXES, '.mp4,.webm');
    const { videos } = bucketIds(template);
    assert.ok(
      policyOf(template, 'Classifier').some(
        (s) =>
          s.Action === 's3:GetObject' && JSON.stringify(s.Resource) === JSON.stringify(objectsUnder(videos, 'in/')),
      ),
    );
  });

  test("the image is built for the functions' architecture", () => {
    const { app, stack } = synthesized;
    const manifestPath = join(app.outdir, `${stack.artifactId}.assets.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      dockerImages: Record<string, { source: Record<string, any> }>;
    };
    const images = Object.values(manifest.dockerImages);
    assert.equal(images.length, 1, 'one image for both functions');
    assert.equal(images[0]!.source.platform, 'linux/arm64');
    assert.equal(images[0]!.source.dockerFile, 'functions/classifier/Dockerfile');
    assert.deepEqual(images[0]!.source.dockerBuildArgs, { MODEL_SOURCE_DIR: 'models/xclip-base-patch32-int8' });
  });
});

describe('API, alarm and removal flags from context', () => {
  let template: Template;
  before(() => {
    ({ template } = synthesize({
      jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example',
      jwtAudience: 'client-a,client-b',
      corsOrigins: 'https://app.example.com',
      alarmEmail: 'ops@example.com',
      removalPolicy: 'destroy',
    }));
  });

  test("a JWT authorizer guards every route but the web page's", () => {
    const authorizer = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');
    assert.equal(authorizer.properties.AuthorizerType, 'JWT');
    assert.deepEqual(authorizer.properties.JwtConfiguration, {
      Issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example',
      Audience: ['client-a', 'client-b'],
    });
    const page = webPageRoutes(true).map((route) => `${route.method} ${route.path}`);
    assert.deepEqual(page, ['GET /', 'GET /assets/{name}', 'GET /sign-in.json']);
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
    assert.equal(routes.length, apiRoutes().length + page.length);
    for (const route of routes) {
      if (page.includes(route.properties.RouteKey)) {
        assert.equal(route.properties.AuthorizationType, 'NONE');
        assert.equal(route.properties.AuthorizerId, undefined);
      } else {
        assert.equal(route.properties.AuthorizationType, 'JWT');
        assert.deepEqual(route.properties.AuthorizerId, ref(authorizer.id));
      }
    }
  });

  test('the API function knows the issuer and client (the first audience) the web page signs in through', () => {
    const variables = fn(template, 'Api').properties.Environment.Variables;
    assert.equal(variables.SIGN_IN_ISSUER, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example');
    assert.equal(variables.SIGN_IN_CLIENT_ID, 'client-a');
    assert.equal(fn(template, 'Classifier').properties.Environment.Variables.SIGN_IN_ISSUER, undefined);
  });

  test('CORS for the origins on the API and for presigned PUTs on the bucket', () => {
    const cors = onlyResource(template, 'AWS::ApiGatewayV2::Api').properties.CorsConfiguration;
    assert.deepEqual(cors.AllowOrigins, ['https://app.example.com']);
    assert.ok(cors.AllowHeaders.includes('authorization'));
    const bucketCors = resourceOf(template, 'AWS::S3::Bucket', bucketIds(template).videos).properties.CorsConfiguration;
    assert.deepEqual(bucketCors.CorsRules[0].AllowedOrigins, ['https://app.example.com']);
    assert.deepEqual(bucketCors.CorsRules[0].AllowedMethods, ['PUT']);
    assert.deepEqual(bucketCors.CorsRules[0].ExposedHeaders, ['ETag']);
    assert.equal(bucketCors.CorsRules.length, 2, "and the API's own origin, whose page uploads");
    assert.equal(fn(template, 'Api').properties.Environment.Variables.CORS_ORIGINS, 'https://app.example.com');
  });

  test('alarms notify the email through a TLS-only SNS topic', () => {
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: ref(topic.id),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    assert.equal(alarms.length, 4);
    for (const alarm of alarms) assert.deepEqual(alarm.properties.AlarmActions, [ref(topic.id)]);
  });

  test('removalPolicy=destroy deletes (and first empties) the buckets and deletes the table', () => {
    assert.equal(onlyResource(template, 'AWS::DynamoDB::Table').deletionPolicy, 'Delete');
    assert.equal(onlyResource(template, 'AWS::DynamoDB::Table').properties.DeletionProtectionEnabled, false);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });
});

test('the gateway routes exactly the operations the API function documents at /openapi.json', async () => {
  const { createLambdaApi } = await import('../../layers/pipeline/http/lambda-api.js');
  const { BUILT_WEB_PAGE_DIR } = await import('../../layers/pipeline/http/web-page.js');
  const { S3Client } = await import('@aws-sdk/client-s3');
  const unused = () => {
    throw new Error('not used by /openapi.json');
  };
  const config = loadConfig({
    BUCKET_NAME: 'bucket',
    TABLE_NAME: 'table',
    QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/uploads',
    VECTOR_INDEX_ARN,
  });
  const deps = { results: {}, artifacts: {}, model: unused } as unknown as Parameters<typeof createLambdaApi>[1];
  const app = createLambdaApi(
    { ...config, webPageDir: BUILT_WEB_PAGE_DIR },
    deps,
    new S3Client({ region: 'eu-west-1' }),
  );
  const served = (await (await app.request('/openapi.json')).json()) as Record<string, unknown>;
  const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
  assert.deepEqual(apiRoutes(served).map(key).sort(), apiRoutes().map(key).sort());
});

describe('cognito=true: a user pool for the web page', () => {
  let template: Template;
  before(() => {
    ({ template } = synthesize({ cognito: 'true' }));
  });

  test("admins add the users, who sign in by email, password and TOTP on the pool's own hosted domain", () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool');
    assert.deepEqual(pool.properties.AdminCreateUserConfig, { AllowAdminCreateUserOnly: true });
    assert.equal(pool.properties.MfaConfiguration, 'ON');
    assert.deepEqual(pool.properties.EnabledMfas, ['SOFTWARE_TOKEN_MFA']);
    assert.equal(pool.properties.Policies.PasswordPolicy.MinimumLength, 12);
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').properties;
    assert.deepEqual(domain.UserPoolId, ref(pool.id));
    assert.match(JSON.stringify(domain.Domain), /xclip-/);
    assert.deepEqual(template.findOutputs('UserPoolId').UserPoolId!.Value, ref(pool.id));
  });

  test("a public web client for the code flow whose callback is the API's URL; the JWT authorizer trusts exactly it", () => {
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient');
    assert.equal(client.properties.GenerateSecret, false);
    assert.deepEqual(client.properties.AllowedOAuthFlows, ['code']);
    assert.equal(client.properties.AllowedOAuthFlowsUserPoolClient, true);
    assert.deepEqual(client.properties.AllowedOAuthScopes, ['openid', 'email']);
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    assert.deepEqual(client.properties.CallbackURLs, [
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [api.id, 'ApiEndpoint'] }, '/']] },
    ]);

    const pool = onlyResource(template, 'AWS::Cognito::UserPool');
    const issuer = {
      'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', ref(pool.id)]],
    };
    const authorizer = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');
    assert.deepEqual(authorizer.properties.JwtConfiguration, { Issuer: issuer, Audience: [ref(client.id)] });
    const variables = fn(template, 'Api').properties.Environment.Variables;
    assert.deepEqual(variables.SIGN_IN_ISSUER, issuer);
    assert.deepEqual(variables.SIGN_IN_CLIENT_ID, ref(client.id));

    const page = webPageRoutes(true).map((route) => `${route.method} ${route.path}`);
    for (const route of resourcesOf(template, 'AWS::ApiGatewayV2::Route'))
      assert.equal(route.properties.AuthorizationType, page.includes(route.properties.RouteKey) ? 'NONE' : 'JWT');
  });
});
