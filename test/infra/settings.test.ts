import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { DEFAULT_SETTINGS, readDeploymentSettings, SettingsError } from '../../infra/deployment-settings.js';

const settingsOf = (context: Record<string, unknown>) => readDeploymentSettings(new App({ context }).node);

test('no context flags give the documented defaults', () => {
  const settings = settingsOf({});
  assert.deepEqual(settings, {
    ...DEFAULT_SETTINGS,
    reservedConcurrency: undefined,
    jwt: undefined,
    alarmEmail: undefined,
  });
  assert.equal(settings.uploadPrefix, 'videos/');
  assert.equal(settings.memorySize, 3008);
  assert.equal(settings.timeoutSeconds, 300);
  assert.equal(settings.architecture, 'x86_64');
  assert.equal(settings.maxConcurrency, 10);
  assert.equal(settings.maxReceiveCount, 3);
  assert.equal(settings.batchSize, 1);
  assert.equal(settings.modelDir, 'models/xclip-base-patch32-int8');
  assert.equal(settings.removalPolicy, 'retain');
});

test('flags from -c (strings) and from cdk.json (numbers, arrays) read the same', () => {
  const fromCli = settingsOf({
    memorySize: '4096',
    timeoutSeconds: '600',
    architecture: 'arm64',
    maxConcurrency: '20',
    reservedConcurrency: '25',
    videoSuffixes: '.mp4, .webm',
    corsOrigins: 'https://a.example,https://b.example',
    jwtIssuer: 'https://issuer.example/',
    jwtAudience: 'api',
    uploadPrefix: 'in/',
    modelDir: 'models/custom/',
    alarmEmail: 'ops@example.com',
    removalPolicy: 'destroy',
  });
  const fromJson = settingsOf({
    memorySize: 4096,
    timeoutSeconds: 600,
    architecture: 'arm64',
    maxConcurrency: 20,
    reservedConcurrency: 25,
    videoSuffixes: ['.mp4', '.webm'],
    corsOrigins: ['https://a.example', 'https://b.example'],
    jwtIssuer: 'https://issuer.example/',
    jwtAudience: ['api'],
    uploadPrefix: 'in/',
    modelDir: 'models/custom',
    alarmEmail: 'ops@example.com',
    removalPolicy: 'destroy',
  });
  assert.deepEqual(fromCli, fromJson);
  assert.deepEqual(fromCli.videoSuffixes, ['.mp4', '.webm']);
  assert.deepEqual(fromCli.jwt, { issuer: 'https://issuer.example/', audience: ['api'] });
  assert.equal(fromCli.modelDir, 'models/custom');
});

test('an empty flag counts as unset', () => {
  assert.equal(settingsOf({ reservedConcurrency: '', alarmEmail: '' }).reservedConcurrency, undefined);
});

test('bad flags fail synth with the flag named', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ architecture: 'x86' }, /architecture/],
    [{ cognito: 'yes' }, /cognito: expected true or false/],
    [{ cognito: 'true', jwtIssuer: 'https://issuer.example.com', jwtAudience: 'a' }, /cognito: .*leave out jwtIssuer/],
    [{ memorySize: '64' }, /memorySize: 64 is outside 128\.\.10240/],
    [{ timeoutSeconds: '901' }, /timeoutSeconds/],
    [{ timeoutSeconds: '5m' }, /timeoutSeconds: expected an integer/],
    [{ maxConcurrency: '1' }, /maxConcurrency/],
    [{ batchSize: '11' }, /batchSize/],
    [{ maxVideoBytes: String(6 * 1024 ** 4) }, /maxVideoBytes/],
    [{ reservedConcurrency: '5' }, /reservedConcurrency: 5 is below maxConcurrency 10/],
    [{ uploadPrefix: 'videos' }, /uploadPrefix/],
    [{ uploadPrefix: 'videos/*/' }, /uploadPrefix/],
    [{ videoSuffixes: '.mp4,4' }, /videoSuffixes: "\.mp4" overlaps "4"/],
    [{ videoSuffixes: ',' }, /videoSuffixes: expected at least one/],
    [{ modelDir: '../elsewhere' }, /modelDir/],
    [{ modelDir: 'models/../node_modules' }, /modelDir/],
    [{ jwtIssuer: 'https://issuer.example/' }, /jwtAudience/],
    [{ jwtAudience: 'api' }, /jwtIssuer/],
    [{ jwtIssuer: 'http://issuer.example/', jwtAudience: 'api' }, /https/],
    [{ alarmEmail: 'ops' }, /alarmEmail/],
    [{ removalPolicy: 'snapshot' }, /removalPolicy/],
  ];
  for (const [context, message] of cases) {
    assert.throws(
      () => settingsOf(context),
      (error: unknown) => error instanceof SettingsError && message.test(error.message),
      JSON.stringify(context),
    );
  }
});

test('cognito=true (from -c or cdk.json) asks for the user pool; it is off by default', () => {
  assert.equal(settingsOf({}).cognito, false);
  assert.equal(settingsOf({ cognito: 'true' }).cognito, true);
  assert.equal(settingsOf({ cognito: true }).cognito, true);
  assert.equal(settingsOf({ cognito: 'false' }).cognito, false);
});
