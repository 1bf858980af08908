export { runDemo } from './demo.js';
export { LocalPipeline } from './local-pipeline.js';
export {
  createLocalServices,
  type LocalServiceSettings,
  type LocalServices,
  localArtifactsDir,
  localVectorIndexDir,
} from './local-services.js';
