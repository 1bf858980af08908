import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeploymentSettings } from './deployment-settings.js';
import { XclipServerlessStack } from './xclip-serverless-stack.js';

/**
 * The CDK app: one stack, configured by context flags, checked by cdk-nag's AWS Solutions rules at every synth.
 * CDK's built-in CloudFormation schema check is off by default: it adds several seconds to every synth, diff and
 * deploy, CloudFormation checks the same at deploy, and the tests run it.
 */
export function createApp(props: AppProps = {}): { app: App; stack: XclipServerlessStack } {
  const app = new App({ builtinCloudFormationValidation: false, ...props });
  const settings = readDeploymentSettings(app.node);
  const stack = new XclipServerlessStack(app, settings.stackName, {
    settings,
    description:
      'X-CLIP video classification and search: S3 uploads -> SQS -> Lambda -> S3 + DynamoDB, and an HTTP API',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
