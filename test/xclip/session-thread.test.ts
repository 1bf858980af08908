import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { buildModel } from '../../layers/xclip/build.js';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { readSafetensors } from '../../layers/xclip/safetensors.js';
import { SessionThread } from '../../layers/xclip/session-thread.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-session-thread-'));
after(() => rmSync(work, { recursive: true, force: true }));
const modelDir = join(work, 'int8');
const built = buildModel({ from: FIXTURE, out: modelDir, precision: 'int8', ortFormat: true });
const pixels = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors.get('pixel_values')!.data as Float32Array;

test("a vision run leaves this thread's event loop free, and the caller keeps its input", async () => {
  await built;
  const runtime = await XclipRuntime.load(modelDir, { threads: 1 });
  try {
    const copies = 32;
    const batch = new Float32Array(pixels.length * copies);
    for (let i = 0; i < copies; i++) batch.set(pixels, i * pixels.length);
    let turns = 0;
    let running = true;
    const turn = () => {
      turns++;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    // Run on this thread, the run would take the first turn after this one and block it: one turn in all.
    const encoded = await runtime.encodeVideos(batch, 2 * copies);
    running = false;
    assert.ok(turns > 1, `the event loop turned ${turns} time(s) while the model ran`);
    assert.equal(encoded.batch, 2 * copies);
    assert.equal(batch[0], pixels[0], 'the input was copied to the session thread, not taken');
  } finally {
    await runtime.release();
  }
});

test('after release, and for an unknown session, calls fail with a clear error', async () => {
  await built;
  const runtime = await XclipRuntime.load(modelDir, { threads: 1 });
  await runtime.release();
  await assert.rejects(runtime.encodeVideos(pixels, 2), { code: 'MODEL_THREAD_ENDED' });

  const thread = new SessionThread();
  try {
    await assert.rejects(thread.call({ op: 'prefault', session: 7 }), /no session 7 in the session thread/);
  } finally {
    await thread.close();
  }
});

test('a runtime left loaded does not keep its process running', async () => {
  await built;
  const script = `
    import { XclipRuntime } from './layers/xclip/runtime.ts';
    const runtime = await XclipRuntime.load(${JSON.stringify(modelDir)}, { threads: 1 });
    await runtime.prefaultWeights();
    process.stdout.write('loaded');
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(stdout, 'loaded');
});
