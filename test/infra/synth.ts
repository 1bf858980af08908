import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/app.js';
import type { XclipServerlessStack } from '../../infra/xclip-serverless-stack.js';

/** cdk.json's context (the feature flags), which `cdk synth` passes to the app. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

const outRoot = mkdtempSync(join(tmpdir(), 'xclip-infra-'));
process.on('exit', () => rmSync(outRoot, { recursive: true, force: true }));

export interface Synthesized {
  app: App;
  stack: XclipServerlessStack;
  template: Template;
}

/**
 * The app as `cdk synth` builds it, with `context` flags on top of cdk.json's; the image's build context is hashed
 * but not copied. `builtinCloudFormationValidation` turns on CDK's CloudFormation schema check (seconds per process).
 */
export function synthesize(
  context: Record<string, unknown> = {},
  options: { builtinCloudFormationValidation?: boolean } = {},
): Synthesized {
  const { app, stack } = createApp({
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:disable-asset-staging': true, ...context },
    outdir: mkdtempSync(join(outRoot, 'cdk.out-')),
    ...options,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

/** The one resource of `type` (asserting there is exactly one), with its logical id. */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; properties: Record<string, any>; deletionPolicy?: string } {
  const found = Object.entries(template.findResources(type) as Resources);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: resource.Properties ?? {}, deletionPolicy: resource.DeletionPolicy };
}

/** Every resource of `type` whose logical id starts with `idPrefix`. */
export function resourcesOf(
  template: Template,
  type: string,
  idPrefix = '',
): Array<{ id: string; properties: Record<string, any> }> {
  return Object.entries(template.findResources(type) as Resources)
    .filter(([id]) => id.startsWith(idPrefix))
    .map(([id, resource]) => ({ id, properties: resource.Properties ?? {} }));
}

/** The one resource of `type` whose logical id starts with `idPrefix`. */
export function resourceOf(
  template: Template,
  type: string,
  idPrefix: string,
): { id: string; properties: Record<string, any> } {
  const found = resourcesOf(template, type, idPrefix);
  if (found.length !== 1) throw new Error(`expected one ${type} with id ${idPrefix}*, found ${found.length}`);
  return found[0]!;
}
