// Times sampling 8 frames at 224 from videos in S3 read by ranges (s3rver standing in, scripts/lib/local-aws.ts),
// beside the same files read locally, and reports the bytes fetched from S3 per video.
//
// usage: node --import tsx scripts/bench-ranges.ts [--runs N] FILE...
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sampleFrames } from '../layers/media/index.js';
import { S3ObjectStore } from '../layers/pipeline/adapters/aws/index.js';
import { startLocalAws } from './lib/local-aws.js';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '3' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const request = { frames: 8, size: 224, decoder: 'in-process' } as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const aws = await startLocalAws();
try {
  const store = new S3ObjectStore(aws.clients.s3, aws.bucket);
  for (const file of positionals) {
    const bytes = statSync(file).size;
    const key = `videos/${basename(file)}`;
    await aws.clients.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: createReadStream(file), ContentLength: bytes }),
    );
    // One untimed sampling of each kind first, so neither pays for the decoder process's start.
    await sampleFrames(file, request);
    const local: number[] = [];
    const ranged: number[] = [];
    const fetched: number[] = [];
    for (let run = 0; run < runs; run++) {
      let started = performance.now();
      await sampleFrames(file, request);
      local.push(performance.now() - started);
      started = performance.now();
      const opened = (await store.openRanges(key))!;
      await sampleFrames(key, { ...request, source: opened.source });
      ranged.push(performance.now() - started);
      fetched.push(opened.source.bytesFetched);
    }
    const row = {
      file: basename(file),
      bytes,
      localMs: Math.round(median(local)),
      s3Ms: Math.round(median(ranged)),
      s3BytesFetched: median(fetched),
      s3FetchedShare: Number((median(fetched) / bytes).toFixed(4)),
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
} finally {
  await aws.close();
}
