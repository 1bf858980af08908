export {
  type AwsServiceSettings,
  type AwsServices,
  createAwsServices,
  type VectorIndexSettings,
} from './aws-services.js';
