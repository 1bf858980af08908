import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildSmallTextModel } from '../helpers/small-model.js';

test('bench --json prints one object with every DESIGN.md benchmark field', async () => {
  const modelDir = await buildSmallTextModel();
  const reference = await buildSmallTextModel('fp32');
  const run = spawnSync(process.execPath, ['bin/xclip.js', 'bench', '--model', modelDir, '--runs', '1', '--reference', reference, '--videos', '2', '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  for (const stage of ['decode', 'vision', 'score', 'total']) {
    assert.ok(result[stage].medianMs >= result[stage].minMs && result[stage].minMs > 0, stage);
  }
  for (const field of ['textMsPerLabel', 'loadMs', 'peakRssMb', 'threads']) assert.ok(result[field] > 0, field);
  assert.equal(result.precision, 'fp32');
  assert.equal(result.labels, 400);
  assert.equal(result.fidelity.videos, 2);
  assert.ok(result.fidelity.videoEmbedCosine.min > 0.9999, 'same checkpoint and precision agree');
  assert.equal(result.fidelity.top1Agreement, 1);
});
