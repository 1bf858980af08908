import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * Allows `actions`, exactly, on the objects under each key prefix. S3's own grant methods would add wildcard
 * actions (s3:GetObject*, s3:List*, s3:Abort*); a key prefix needs a wildcard resource, which is acknowledged
 * to cdk-nag here, where it is granted.
 */
export function grantObjectActions(role: Role, bucket: IBucket, actions: string[], prefixes: string[], why: string): void {
  const resourceArns = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
  role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: resourceArns }));
  for (const arn of resourceArns) acknowledgeWildcardResource(role, arn, why);
}

/** Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource in `role`'s policies. */
export function acknowledgeWildcardResource(role: Role, resourceArn: string, reason: string): void {
  const resource = flattenCfnReference(Stack.of(role).resolve(resourceArn));
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
