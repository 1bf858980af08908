import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONVERTER_VERSION, MANIFEST_FILE, MODEL_FORMAT, readManifest } from '../../layers/xclip/manifest.js';

function modelDir(precision: string, converterVersion: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'xclip-manifest-'));
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ format: MODEL_FORMAT, precision, converterVersion }));
  return dir;
}

test('an int8 model from converter 0.1.0 (int8 weights that overflow without VNNI) must be built again', () => {
  assert.throws(
    () => readManifest(modelDir('int8', '0.1.0')),
    (error: Error & { code?: string }) =>
      error.code === 'INVALID_MODEL_DIR' && /without VNNI/.test(String((error as { why?: string }).why)),
  );
  assert.equal(readManifest(modelDir('fp32', '0.1.0')).precision, 'fp32');
  assert.equal(readManifest(modelDir('int8', CONVERTER_VERSION)).precision, 'int8');
});
