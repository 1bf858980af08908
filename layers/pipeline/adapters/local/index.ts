export { FolderWatcher } from './folder-watcher.js';
export { FsObjectStore } from './fs-object-store.js';
export { LanceVectorIndex, type LanceVectorIndexOptions } from './lance-vector-index.js';
export { MemoryQueue } from './memory-queue.js';
export { SqliteResultStore } from './sqlite-result-store.js';
export {
  checkWebhook,
  WEBHOOK_HEADERS,
  WebhookNotifier,
  type WebhookOptions,
  webhookSignature,
} from './webhook-notifier.js';
export { Worker } from './worker.js';
