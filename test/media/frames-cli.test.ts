import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../layers/cli/main.js';
import { readPixelValues } from '../../layers/media/views.js';
import { readSafetensors } from '../../layers/xclip/safetensors.js';
import { videos } from './generated-videos.js';

const dir = mkdtempSync(join(tmpdir(), 'xclip-frames-'));

test('xclip frames writes pixel_values [1,T,3,size,size], the same values sampling gives', async () => {
  const out = join(dir, 'frames.safetensors');
  const video = videos.basic();
  assert.equal(await main(['node', 'xclip', 'frames', video, '--out', out, '--frames', '4', '--size', '32']), 0);
  const { tensors, metadata } = readSafetensors(out);
  const pixels = tensors.get('pixel_values')!;
  assert.equal(pixels.dtype, 'F32');
  assert.deepEqual(pixels.shape, [1, 4, 3, 32, 32]);
  const direct = await readPixelValues(video, { frames: 4, size: 32 });
  assert.deepEqual(pixels.data, direct.pixelValues);
  assert.equal(JSON.parse(metadata.times!).length, 4);
});

test('xclip frames reports a bad video as one line and a non-zero exit', async () => {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    assert.equal(await main(['node', 'xclip', 'frames', videos.empty(), '--out', join(dir, 'x.safetensors')]), 1);
  } finally {
    process.stderr.write = write;
  }
  assert.match(written.join(''), /^xclip: .*empty\.webm is not a video \(the file is empty\)\n$/);
});
