import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { VideoVectorIndex } from '../../infra/lib/vector-index.js';
import { NON_FILTERABLE_METADATA_KEYS } from '../../layers/pipeline/adapters/aws/s3-vector-index.js';
import { InvalidVectorInputError } from '../../layers/pipeline/core/ports/vector-index.js';

function synthesize(dimension?: number) {
  const stack = new Stack(new App(), 'VectorIndexStack');
  const vectors = new VideoVectorIndex(stack, 'Vectors', dimension === undefined ? {} : { dimension });
  const role = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  vectors.grantReadWrite(role);
  return Template.fromStack(stack);
}

describe('VideoVectorIndex', () => {
  it('creates a vector bucket and a 512-d cosine float32 index in it, with the adapter non-filterable keys', () => {
    const template = synthesize();
    template.resourceCountIs('AWS::S3Vectors::VectorBucket', 1);
    const [bucketId] = Object.keys(template.findResources('AWS::S3Vectors::VectorBucket'));
    template.hasResourceProperties('AWS::S3Vectors::Index', {
      VectorBucketArn: { 'Fn::GetAtt': [bucketId, 'VectorBucketArn'] },
      DataType: 'float32',
      Dimension: 512,
      DistanceMetric: 'cosine',
      MetadataConfiguration: { NonFilterableMetadataKeys: NON_FILTERABLE_METADATA_KEYS },
    });
  });

  it('takes another dimension, and refuses one S3 Vectors does not allow', () => {
    synthesize(768).hasResourceProperties('AWS::S3Vectors::Index', { Dimension: 768 });
    for (const dimension of [0, 4097, 1.5]) assert.throws(() => synthesize(dimension), InvalidVectorInputError);
  });

  it('grants the vector operations on the index only', () => {
    const template = synthesize();
    const [indexId] = Object.keys(template.findResources('AWS::S3Vectors::Index'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: [
              's3vectors:PutVectors',
              's3vectors:GetVectors',
              's3vectors:DeleteVectors',
              's3vectors:QueryVectors',
            ],
            Resource: { 'Fn::GetAtt': [indexId, 'IndexArn'] },
          },
        ]),
      },
    });
  });
});
