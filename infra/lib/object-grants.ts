import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { acknowledgeWildcardResource } from './nag-acknowledgements.js';

/** What a function may do with the objects of the bucket, by key prefix. */
export interface ObjectAccess {
  /** Prefixes whose objects it reads (GetObject, which HeadObject needs too). */
  readonly readablePrefixes: string[];
  /** Prefixes it writes objects to, or presigns uploads for. */
  readonly writablePrefixes: string[];
}

/**
 * Allows exactly s3:GetObject / s3:PutObject under the given key prefixes, and s3:ListBucket, without which S3
 * answers a missing key with 403 instead of 404 (and the object store could not tell "missing" from "denied").
 * S3's grant methods would add wildcard actions (s3:GetObject*, s3:List*, s3:Abort*) instead. A key prefix needs
 * a wildcard resource, acknowledged to cdk-nag here, where it is granted.
 */
export function grantObjectAccess(role: Role, bucket: IBucket, access: ObjectAccess): void {
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  const grants = [
    ['s3:GetObject', access.readablePrefixes],
    ['s3:PutObject', access.writablePrefixes],
  ] as const;
  for (const [action, prefixes] of grants) {
    if (prefixes.length === 0) continue;
    const resources = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: [action], resources }));
    for (const resource of resources) {
      acknowledgeWildcardResource(
        role,
        resource,
        `${action} under one key prefix: object keys derive from upload keys, known only at run time.`,
      );
    }
  }
}
