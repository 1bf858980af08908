import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { PytorchUnavailableError, runPytorchReference } from '../../layers/bench/pytorch-bench.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const PYTHON = process.env.PYTHON || 'python3';

/** Why the reference cannot run here (CI installs no torch), or false. */
function absent(imports: string): string | false {
  const probe = spawnSync(PYTHON, ['-c', `import ${imports}`], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is absent (${probe.error.message})`;
  return probe.status === 0
    ? false
    : `${PYTHON} cannot import ${imports} (CI installs no torch; set PYTHON to a python that has it)`;
}
const pythonAbsent = absent('json');
const torchAbsent = pythonAbsent || absent('torch');

test('the PyTorch reference reproduces every tensor of the golden parity set', { skip: torchAbsent }, async () => {
  const result = (await runPytorchReference(['verify', FIXTURE])) as {
    tensors: number;
    missing: string[];
    maxAbsDiff: Record<string, number | string>;
  };
  assert.deepEqual(result.missing, []);
  assert.equal(Object.keys(result.maxAbsDiff).length, result.tensors);
  assert.equal(result.tensors, 32);
  for (const [name, diff] of Object.entries(result.maxAbsDiff)) {
    assert.ok(typeof diff === 'number' && diff <= 1e-5, `${name}: max abs diff ${diff}`);
  }
});

test('a python without torch is a PytorchUnavailableError, a missing python too', { skip: pythonAbsent }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'xclip-no-torch-'));
  // -S: no site-packages, so torch does not import.
  const noTorch = join(work, 'python-without-site');
  writeFileSync(noTorch, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
  chmodSync(noTorch, 0o755);
  await assert.rejects(runPytorchReference(['verify', FIXTURE], '', { PYTHON: noTorch }), (error: unknown) => {
    assert.ok(error instanceof PytorchUnavailableError);
    assert.match(error.message, /cannot import torch/);
    return true;
  });
  await assert.rejects(
    runPytorchReference(['verify', FIXTURE], '', { PYTHON: join(work, 'no-such-python') }),
    PytorchUnavailableError,
  );
});

test('bench --pytorch-checkpoint times PyTorch on the checkpoint in the same run and prints the ratios', {
  skip: torchAbsent,
}, async () => {
  const modelDir = await buildSmallTextModel('int8');
  const checkpoint = join(dirname(modelDir), 'hf');
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--model', modelDir, '--runs', '2', '--pytorch-checkpoint', checkpoint, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const { total, pytorch } = JSON.parse(run.stdout);
  assert.deepEqual(pytorch.pixelValues, [1, 8, 3, 32, 32]);
  assert.equal(pytorch.labels, 400);
  assert.ok(pytorch.tokenLength > 2 && pytorch.tokenLength <= 77);
  for (const timing of [pytorch.videoWithTextFeatures, pytorch.fullForward]) assert.equal(timing.runsMs.length, 2);
  assert.equal(
    pytorch.ratios.endToEndOverVideoWithTextFeatures,
    total.medianMs / pytorch.videoWithTextFeatures.medianMs,
  );
  assert.equal(pytorch.ratios.endToEndOverFullForward, total.medianMs / pytorch.fullForward.medianMs);

  const noCheckpoint = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--model', modelDir, '--runs', '1', '--pytorch-checkpoint', modelDir],
    { encoding: 'utf8' },
  );
  assert.notEqual(noCheckpoint.status, 0);
  assert.match(noCheckpoint.stderr, /config\.json|model\.safetensors/);
});
