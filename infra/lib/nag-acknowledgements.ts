import { Stack, Validations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource in `role`'s policies, by the id
 * cdk-nag gives it (the resource's CloudFormation reference, flattened as cdk-nag flattens it).
 */
export function acknowledgeWildcardResource(role: Role, resourceArn: string, reason: string): void {
  const resource = flattenCfnReference(Stack.of(role).resolve(resourceArn));
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
