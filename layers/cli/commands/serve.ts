import { type Command, Option } from 'commander';
import { commaList } from '../../common/comma-list.js';
import { DEFAULT_LABEL_FEATURE_CACHE, DEFAULT_SETTLE_MS, DEFAULT_TOP, MAX_TOP } from '../../pipeline/settings.js';
import { DEFAULT_LABEL_SET } from '../../xclip/label-sets.js';
import { defaultModelDir, MODEL_DIR_HELP } from '../../xclip/model-location.js';
import { lazyAction } from '../lazy-action.js';
import { EXECUTION_PROVIDERS_HELP, executionProviderList, integerIn, originList, positiveNumber } from '../options.js';

export const MIB = 1024 ** 2;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('local pipeline: watch a folder, classify new and changed videos, and serve the HTTP API')
    .option('--watch <dir>', 'folder to watch (the local bucket); without it only the API runs')
    .option(
      '--settle-seconds <s>',
      'a file is taken once its size and modification time stay the same this long',
      positiveNumber,
      DEFAULT_SETTLE_MS / 1000,
    )
    .option('--port <port>', 'HTTP port (0: any free port)', integerIn(0, 65535), 3000)
    .option('--host <host>', 'address to listen on (other than loopback only with a token)', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'require Authorization: Bearer <token> on every request').env('XCLIP_TOKEN'),
    )
    .option(
      '--allowed-hosts <names>',
      'more names the server is reached by (Host header), comma-separated',
      commaList,
      [],
    )
    .option(
      '--allowed-origins <origins>',
      'origins of other pages that may call the API, comma-separated',
      originList,
      [],
    )
    .option('--data <dir>', 'folder for results, embeddings, visual tokens and caches', 'xclip-data')
    .option('--db <file>', 'SQLite result store (default: <data>/results.db)')
    .option('--model <dir>', MODEL_DIR_HELP, defaultModelDir())
    .option('--labels <labels>', 'k400, k600, ucf101, hmdb51, a label file, or "a,b,c"', DEFAULT_LABEL_SET)
    .option('--top <k>', 'labels stored per video', integerIn(1, MAX_TOP), DEFAULT_TOP)
    .addOption(new Option('--views <views>', 'temporal clips x spatial crops').choices(['1x1', '4x3']).default('1x1'))
    .option('--timeline <seconds>', 'also label windows of this many seconds', positiveNumber)
    .option('--threads <n>', 'ONNX Runtime threads', integerIn(1, 1024))
    .option('--execution-providers <list>', EXECUTION_PROVIDERS_HELP, executionProviderList, ['cpu'])
    .option(
      '--label-cache-memory-mb <mb>',
      'text features of custom label sets kept in memory',
      positiveNumber,
      DEFAULT_LABEL_FEATURE_CACHE.memory / MIB,
    )
    .option(
      '--label-cache-disk-mb <mb>',
      'text features of custom label sets kept under <data>/label-features',
      positiveNumber,
      DEFAULT_LABEL_FEATURE_CACHE.disk / MIB,
    )
    .option('--webhook <url>', 'POST a signed JSON event to this URL for every video that ends DONE or FAILED')
    .addOption(
      new Option('--webhook-secret <secret>', "key of the webhook requests' HMAC-SHA256 signature").env(
        'XCLIP_WEBHOOK_SECRET',
      ),
    )
    .action(lazyAction(() => import('./serve-run.js')));
}
