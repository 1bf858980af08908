import { type Command, Option } from 'commander';
import { DEFAULT_TOP } from '../../pipeline/settings.js';
import { DEFAULT_LABEL_SET } from '../../xclip/label-sets.js';
import { MODEL_DIR_HELP } from '../../xclip/model-location.js';
import { lazyAction } from '../lazy-action.js';
import { EXECUTION_PROVIDERS_HELP, executionProviderList, positiveInteger, positiveNumber } from '../options.js';

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('label video files with X-CLIP')
    .argument('<video...>', 'video files')
    .option('--model <dir>', MODEL_DIR_HELP)
    .option(
      '--labels <set>',
      'k400, k600, ucf101, hmdb51, a file (one label per line or id,name CSV), or "a,b,c"',
      DEFAULT_LABEL_SET,
    )
    .option('--top <k>', 'labels to show per video', positiveInteger, DEFAULT_TOP)
    .addOption(
      new Option('--views <layout>', 'temporal clips x spatial crops, logits averaged')
        .choices(['1x1', '4x3'])
        .default('1x1'),
    )
    .option('--exact', 'sample segment midpoints exactly (slower) instead of the cheapest frame in each segment')
    .option('--timeline <seconds>', 'also label every window of this many seconds', positiveNumber)
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', positiveInteger)
    .option('--execution-providers <list>', EXECUTION_PROVIDERS_HELP, executionProviderList, ['cpu'])
    .option('--json', 'print a JSON array of results to stdout')
    .action(lazyAction(() => import('./classify-run.js')));
}
