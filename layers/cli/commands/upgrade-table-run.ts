import cliProgress from 'cli-progress';
import { copyUnshardedTable, createAwsClients, DynamoResultStore } from '../../pipeline/adapters/aws/index.js';
import { required } from '../options.js';

interface UpgradeTableOptions {
  from: string;
  table?: string;
  json?: boolean;
}

/** `xclip upgrade-table`, imported when it runs. */
export async function run(options: UpgradeTableOptions): Promise<void> {
  const clients = createAwsClients();
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'upgrade-table {value} videos | {copied} copied', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(0, 0, { copied: 0 });
  try {
    const into = new DynamoResultStore(clients.dynamo, required(options.table, '--table', 'TABLE_NAME'));
    const counts = await copyUnshardedTable(clients.dynamo, options.from, into, (progress) => {
      bar?.setTotal(progress.videos);
      bar?.update(progress.videos, { copied: progress.copied });
    });
    bar?.stop();
    process.stdout.write(
      options.json
        ? `${JSON.stringify(counts)}\n`
        : `copied ${counts.copied} of ${counts.videos} videos (${counts.kept} already in the new table, ${counts.unusable} unusable)\n`,
    );
    if (counts.unusable > 0) process.exitCode = 1;
  } finally {
    bar?.stop();
    for (const client of Object.values(clients)) client.destroy();
  }
}
