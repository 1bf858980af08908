import { join } from 'node:path';

/** Where `xclip model pull` puts the built model and where other commands look for it by default. */
export function defaultModelDir(precision = 'int8'): string {
  return process.env.XCLIP_MODEL_DIR ?? join('models', `xclip-base-patch32-${precision}`);
}

/** The `--model` option's help, naming that default. */
export const MODEL_DIR_HELP = 'built model directory (default: $XCLIP_MODEL_DIR or models/xclip-base-patch32-int8)';

/** Where the function images keep the built model, and where containers cache other label sets' text features. */
export const CONTAINER_MODEL_DIR = '/opt/model';
export const CONTAINER_LABEL_FEATURE_CACHE_DIR = '/tmp/label-features';
