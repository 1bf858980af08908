import { posix } from 'node:path';
import type { Node } from 'constructs';
import { DEFAULT_UPLOAD_PREFIX, DEFAULT_VIDEO_SUFFIXES } from '../layers/pipeline/core/index.js';
import { DEFAULT_GPU_SETTINGS, GPU_FLAGS, type GpuSettings } from './lib/gpu-settings.js';

export type LambdaArchitecture = 'x86_64' | 'arm64';

/** A JWT authorizer's issuer and audiences; without one the API takes IAM (SigV4) auth. */
export interface JwtSettings {
  issuer: string;
  audience: string[];
}

/** Everything a deployment can choose with `-c name=value` (or `context` in cdk.json); README "On AWS" lists each. */
export interface DeploymentSettings {
  stackName: string;
  /** Key prefix of the uploads that are classified; ends with '/'. */
  uploadPrefix: string;
  /** Key suffixes of the uploads that are classified, matched in lower and in upper case. */
  videoSuffixes: string[];
  memorySize: number;
  timeoutSeconds: number;
  architecture: LambdaArchitecture;
  /** Most classifier invocations the queue drives at once. */
  maxConcurrency: number;
  reservedConcurrency?: number;
  maxReceiveCount: number;
  batchSize: number;
  apiMemorySize: number;
  maxVideoBytes: number;
  maxVideoSeconds: number;
  /** The model directory baked into the image, relative to the repository root (under models/). */
  modelDir: string;
  jwt?: JwtSettings;
  /** A Cognito user pool the stack creates for the JWT authorizer and the web page's sign-in; not with `jwt`. */
  cognito: boolean;
  /** Browser origins allowed to call the API and to PUT presigned uploads; empty: no CORS. */
  corsOrigins: string[];
  alarmEmail?: string;
  /** Whether the bucket and the table outlive the stack. */
  removalPolicy: 'retain' | 'destroy';
  /** Segment mode for every upload: also label windows of this many seconds. */
  timelineSeconds?: number;
  /** The optional GPU endpoint; absent unless `-c gpu=true`. */
  gpu?: GpuSettings;
}

const MIB = 1024 * 1024;

export const DEFAULT_SETTINGS: Readonly<DeploymentSettings> = {
  stackName: 'XclipServerless',
  uploadPrefix: DEFAULT_UPLOAD_PREFIX,
  videoSuffixes: [...DEFAULT_VIDEO_SUFFIXES],
  memorySize: 3008,
  timeoutSeconds: 300,
  architecture: 'x86_64',
  maxConcurrency: 10,
  maxReceiveCount: 3,
  batchSize: 1,
  apiMemorySize: 2048,
  maxVideoBytes: 2048 * MIB,
  maxVideoSeconds: 3600,
  modelDir: 'models/xclip-base-patch32-int8',
  cognito: false,
  corsOrigins: [],
  removalPolicy: 'retain',
};

/** Lambda's own bounds, so a bad flag fails at synth rather than at deploy. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const LAMBDA_MAX_MEMORY_MB = 10240;
const LAMBDA_MIN_MEMORY_MB = 128;
/** An SQS event source's maximum concurrency must lie in 2..1000. */
const SQS_SOURCE_MIN_CONCURRENCY = 2;
const SQS_SOURCE_MAX_CONCURRENCY = 1000;
/** Batches over 10 need a batching window; one video per invocation is the point of the design. */
const SQS_MAX_BATCH_SIZE = 10;
/** S3's largest object: the classifier reads videos by byte ranges, so nothing smaller bounds them. */
const S3_MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export class SettingsError extends Error {
  constructor(flag: string, why: string) {
    super(`context flag ${flag}: ${why}`);
    this.name = 'SettingsError';
  }
}

/** Reads and validates the deployment's context flags; an absent flag takes its default. */
export function readDeploymentSettings(node: Node): DeploymentSettings {
  const read = (flag: string): unknown => {
    const value: unknown = node.tryGetContext(flag);
    return value === undefined || value === null || value === '' ? undefined : value;
  };
  const d = DEFAULT_SETTINGS;

  const settings: DeploymentSettings = {
    stackName: stringFlag('stackName', read('stackName')) ?? d.stackName,
    uploadPrefix: prefixFlag('uploadPrefix', read('uploadPrefix')) ?? d.uploadPrefix,
    videoSuffixes: suffixesFlag('videoSuffixes', read('videoSuffixes')) ?? d.videoSuffixes,
    memorySize: intFlag('memorySize', read('memorySize'), LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB) ?? d.memorySize,
    timeoutSeconds:
      intFlag('timeoutSeconds', read('timeoutSeconds'), 1, LAMBDA_MAX_TIMEOUT_SECONDS) ?? d.timeoutSeconds,
    architecture: architectureFlag(read('architecture')) ?? d.architecture,
    maxConcurrency:
      intFlag('maxConcurrency', read('maxConcurrency'), SQS_SOURCE_MIN_CONCURRENCY, SQS_SOURCE_MAX_CONCURRENCY) ??
      d.maxConcurrency,
    reservedConcurrency: intFlag('reservedConcurrency', read('reservedConcurrency'), 1, Number.MAX_SAFE_INTEGER),
    maxReceiveCount: intFlag('maxReceiveCount', read('maxReceiveCount'), 1, 1000) ?? d.maxReceiveCount,
    batchSize: intFlag('batchSize', read('batchSize'), 1, SQS_MAX_BATCH_SIZE) ?? d.batchSize,
    apiMemorySize:
      intFlag('apiMemorySize', read('apiMemorySize'), LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB) ?? d.apiMemorySize,
    maxVideoBytes: intFlag('maxVideoBytes', read('maxVideoBytes'), 1, S3_MAX_OBJECT_BYTES) ?? d.maxVideoBytes,
    maxVideoSeconds:
      intFlag('maxVideoSeconds', read('maxVideoSeconds'), 1, Number.MAX_SAFE_INTEGER) ?? d.maxVideoSeconds,
    modelDir: modelDirFlag(read('modelDir')) ?? d.modelDir,
    jwt: jwtFlags(read('jwtIssuer'), read('jwtAudience')),
    cognito: booleanFlag('cognito', read('cognito')) ?? d.cognito,
    corsOrigins: listFlag('corsOrigins', read('corsOrigins')) ?? d.corsOrigins,
    alarmEmail: emailFlag(read('alarmEmail')),
    removalPolicy: removalPolicyFlag(read('removalPolicy')) ?? d.removalPolicy,
  };
  const timelineSeconds = intFlag('timelineSeconds', read('timelineSeconds'), 1, settings.maxVideoSeconds);
  const gpu = gpuFlags(read);
  Object.assign(settings, timelineSeconds !== undefined ? { timelineSeconds } : {}, gpu ? { gpu } : {});
  if (settings.cognito && settings.jwt)
    throw new SettingsError(
      'cognito',
      'the stack creates the issuer with cognito=true: leave out jwtIssuer and jwtAudience',
    );
  if (settings.reservedConcurrency !== undefined && settings.reservedConcurrency < settings.maxConcurrency) {
    // Invocations the event source starts beyond the reservation are throttled, and each throttled
    // message comes back with one more receive, on its way to the dead-letter queue for nothing.
    throw new SettingsError(
      'reservedConcurrency',
      `${settings.reservedConcurrency} is below maxConcurrency ${settings.maxConcurrency}`,
    );
  }
  return settings;
}

function stringFlag(flag: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SettingsError(flag, `expected a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

/** `-c` gives strings, cdk.json may give numbers. */
function intFlag(flag: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(number)) throw new SettingsError(flag, `expected an integer, got ${JSON.stringify(value)}`);
  if (number < min || number > max) throw new SettingsError(flag, `${number} is outside ${min}..${max}`);
  return number;
}

/** A comma list from `-c`, or a JSON array from cdk.json. */
function listFlag(flag: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) {
    throw new SettingsError(flag, `expected a comma-separated list, got ${JSON.stringify(value)}`);
  }
  return (items as string[]).map((item) => item.trim()).filter(Boolean);
}

function prefixFlag(flag: string, value: unknown): string | undefined {
  const prefix = stringFlag(flag, value);
  if (prefix === undefined) return undefined;
  if (!/^[^/*?][^*?]*\/$/.test(prefix))
    throw new SettingsError(
      flag,
      `expected a key prefix ending in '/' with no wildcards, got ${JSON.stringify(prefix)}`,
    );
  return prefix;
}

function suffixesFlag(flag: string, value: unknown): string[] | undefined {
  const suffixes = listFlag(flag, value);
  if (suffixes === undefined) return undefined;
  if (suffixes.length === 0) throw new SettingsError(flag, 'expected at least one suffix');
  const distinct = [...new Set(suffixes.map((suffix) => suffix.toLowerCase()))];
  // S3 rejects two notification rules on one prefix whose suffixes can match the same key.
  for (const a of distinct) {
    const overlapping = distinct.find((b) => b !== a && a.endsWith(b));
    if (overlapping)
      throw new SettingsError(
        flag,
        `${JSON.stringify(a)} overlaps ${JSON.stringify(overlapping)}; S3 refuses overlapping suffix filters`,
      );
  }
  return distinct;
}

function architectureFlag(value: unknown): LambdaArchitecture | undefined {
  if (value === undefined) return undefined;
  if (value === 'x86_64' || value === 'arm64') return value;
  throw new SettingsError('architecture', `expected x86_64 or arm64, got ${JSON.stringify(value)}`);
}

/** The image's build context is the repository root and .dockerignore admits models/ only. */
function modelDirFlag(value: unknown, flag = 'modelDir'): string | undefined {
  const dir = stringFlag(flag, value);
  if (dir === undefined) return undefined;
  const normalized = posix.normalize(dir.replace(/\/+$/, ''));
  if (!normalized.startsWith('models/') || normalized.split('/').includes('..')) {
    throw new SettingsError(
      flag,
      `expected a directory under models/ (the image's build context admits only that), got ${JSON.stringify(dir)}`,
    );
  }
  return normalized;
}

function jwtFlags(issuer: unknown, audience: unknown): JwtSettings | undefined {
  const jwtIssuer = stringFlag('jwtIssuer', issuer);
  const jwtAudience = listFlag('jwtAudience', audience);
  if (jwtIssuer === undefined && jwtAudience === undefined) return undefined;
  if (jwtIssuer === undefined || !jwtAudience?.length)
    throw new SettingsError(
      jwtIssuer === undefined ? 'jwtIssuer' : 'jwtAudience',
      'jwtIssuer and jwtAudience go together',
    );
  if (!/^https:\/\/\S+$/.test(jwtIssuer))
    throw new SettingsError('jwtIssuer', `expected an https:// issuer URL, got ${JSON.stringify(jwtIssuer)}`);
  return { issuer: jwtIssuer, audience: jwtAudience };
}

function emailFlag(value: unknown): string | undefined {
  const email = stringFlag('alarmEmail', value);
  if (email === undefined) return undefined;
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
    throw new SettingsError('alarmEmail', `expected an email address, got ${JSON.stringify(email)}`);
  return email;
}

/** The GPU endpoint's settings with `gpu=true`; its other flags without it are a mistake worth stopping for. */
function gpuFlags(read: (flag: string) => unknown): GpuSettings | undefined {
  const enabled = read('gpu');
  if (enabled === undefined || enabled === false || enabled === 'false') {
    const stray = GPU_FLAGS.find((flag) => read(flag) !== undefined);
    if (stray) throw new SettingsError(stray, 'takes effect only with gpu=true');
    return undefined;
  }
  if (enabled !== true && enabled !== 'true')
    throw new SettingsError('gpu', `expected true or false, got ${JSON.stringify(enabled)}`);
  const d = DEFAULT_GPU_SETTINGS;
  const instanceType = stringFlag('gpuInstanceType', read('gpuInstanceType'));
  if (instanceType !== undefined && !/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceType))
    throw new SettingsError(
      'gpuInstanceType',
      `expected a SageMaker instance type like ml.g5.xlarge, got ${JSON.stringify(instanceType)}`,
    );
  return {
    instanceType: instanceType ?? d.instanceType,
    maxInstances: intFlag('gpuMaxInstances', read('gpuMaxInstances'), 1, 100) ?? d.maxInstances,
    modelDir: modelDirFlag(read('gpuModelDir'), 'gpuModelDir') ?? d.modelDir,
    minVideoSeconds:
      intFlag('gpuMinVideoSeconds', read('gpuMinVideoSeconds'), 1, Number.MAX_SAFE_INTEGER) ?? d.minVideoSeconds,
  };
}

function booleanFlag(flag: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new SettingsError(flag, `expected true or false, got ${JSON.stringify(value)}`);
}

function removalPolicyFlag(value: unknown): DeploymentSettings['removalPolicy'] | undefined {
  if (value === undefined) return undefined;
  if (value === 'retain' || value === 'destroy') return value;
  throw new SettingsError('removalPolicy', `expected retain or destroy, got ${JSON.stringify(value)}`);
}
