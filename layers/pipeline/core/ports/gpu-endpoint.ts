/** An asynchronous inference endpoint that classifies on a GPU (SageMaker asynchronous inference). */
export interface GpuEndpoint {
  /**
   * Queues the request document stored at `inputLocation` (s3://bucket/key); resolves once the endpoint has
   * accepted it, with where its output will be written when the endpoint says so.
   */
  submit(inputLocation: string, inferenceId: string): Promise<{ outputLocation?: string }>;
}
