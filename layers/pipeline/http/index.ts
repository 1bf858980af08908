export { createApi } from './api-app.js';
export { createGpuServer, type ModelState } from './gpu-server-app.js';
export { type BoundServer, bind, listen } from './http-server.js';
export { createLambdaApi } from './lambda-api.js';
export { lambdaApiDocument } from './lambda-openapi.js';
export { checkListenSecurity, guardedApp, hostOfAddress, type LocalGuardOptions } from './local-guard.js';
export { LOCAL_UPLOAD_BODY_TYPES, localServerApp } from './local-server-app.js';
export { searchResponseSchema, videoListSchema } from './schemas.js';
