export { type AwsServiceSettings, type AwsServices, createAwsServices } from './aws-services.js';
