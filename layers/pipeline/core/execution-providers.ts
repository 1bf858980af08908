import { describeError } from '../../common/errors.js';
import { readManifest } from '../../xclip/manifest.js';
import { type ClassifierOptions, VideoClassifier } from './classifier.js';

/**
 * The provider lists tried in turn: the configured list, then without its first provider, and so on, CPU alone
 * last. ONNX Runtime refuses a session whose provider it cannot start (CUDA libraries or a GPU missing), so the
 * first list that loads says which provider runs the model.
 */
export function providerFallbacks(providers: readonly string[]): string[][] {
  const lists = providers.map((_, i) => providers.slice(i)).filter((list) => list[0] !== 'cpu');
  return [...lists, ['cpu']];
}

async function firstThatLoads<T>(
  lists: string[][],
  load: (providers: string[]) => Promise<T>,
  warn: (line: string) => void,
): Promise<{ loaded: T; executionProvider: string }> {
  const [list, ...rest] = lists as [string[], ...string[][]];
  try {
    return { loaded: await load(list), executionProvider: list[0]! };
  } catch (error) {
    if (rest.length === 0) throw error;
    warn(
      `execution provider ${list[0]} is unavailable, falling back to ${rest[0]!.join(',')}: ${describeError(error)}`,
    );
    return firstThatLoads(rest, load, warn);
  }
}

/**
 * `load` with the first provider list that works, a warning for each that does not; CPU's error is thrown.
 * The provider reported is the first of the list that loaded (nodes it cannot run fall to the next).
 */
export function loadWithFallback<T>(
  providers: readonly string[],
  load: (providers: string[]) => Promise<T>,
  warn: (line: string) => void,
): Promise<{ loaded: T; executionProvider: string }> {
  return firstThatLoads(providerFallbacks(providers), load, warn);
}

/**
 * A classifier on the first of `options.executionProviders` (default CPU) that starts, falling back as
 * loadWithFallback does; its `model.executionProvider` says which one runs. The model directory is read first,
 * so its errors are not taken for a provider's. On the CPU, vision runs are not merged (`maxVideoBatch` is for
 * accelerators): a merged CPU run takes no less time per video and holds the event loop for seconds.
 */
export async function loadClassifier(
  options: ClassifierOptions,
  warn: (line: string) => void,
): Promise<VideoClassifier> {
  readManifest(options.modelDir);
  const { loaded } = await loadWithFallback(
    options.executionProviders ?? ['cpu'],
    (executionProviders) =>
      VideoClassifier.load({
        ...options,
        executionProviders,
        maxVideoBatch: executionProviders[0] === 'cpu' ? 1 : options.maxVideoBatch,
      }),
    warn,
  );
  return loaded;
}
