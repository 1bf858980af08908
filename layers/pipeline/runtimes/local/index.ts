export { runDemo } from './demo.js';
export { LocalPipeline } from './local-pipeline.js';
export {
  createLocalServices,
  type LocalServiceSettings,
  type LocalServices,
  localVectorIndexDir,
} from './local-services.js';
