import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr for a command that counts items as it lists them (its total grows), started at zero;
 * undefined when stderr is not a terminal or the output is JSON. `format` is cli-progress's, with `fields` in it.
 */
export function countProgressBar(
  format: string,
  fields: Record<string, number>,
  json: boolean | undefined,
): cliProgress.SingleBar | undefined {
  if (!process.stderr.isTTY || json) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, fields);
  return bar;
}
