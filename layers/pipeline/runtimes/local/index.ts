export { runDemo } from './demo.js';
export { LocalPipeline } from './local-pipeline.js';
export { createLocalServices, type LocalServiceSettings, type LocalServices } from './local-services.js';
