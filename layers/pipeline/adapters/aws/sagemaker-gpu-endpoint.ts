import { InvokeEndpointAsyncCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { GpuEndpoint } from '../../core/index.js';

/** SageMaker's limit on one asynchronous invocation: the container has this long to answer. */
const INVOCATION_TIMEOUT_SECONDS = 3600;

/** A SageMaker asynchronous inference endpoint, invoked with JSON request documents stored in S3. */
export class SageMakerGpuEndpoint implements GpuEndpoint {
  constructor(
    private readonly client: SageMakerRuntimeClient,
    readonly endpointName: string,
  ) {}

  async submit(inputLocation: string, inferenceId: string): Promise<{ outputLocation?: string }> {
    const response = await this.client.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: this.endpointName,
        InputLocation: inputLocation,
        ContentType: 'application/json',
        InferenceId: inferenceId,
        InvocationTimeoutSeconds: INVOCATION_TIMEOUT_SECONDS,
      }),
    );
    return response.OutputLocation ? { outputLocation: response.OutputLocation } : {};
  }
}
