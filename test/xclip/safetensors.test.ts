import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  floatToHalf,
  halfToFloat,
  InvalidSafetensorsError,
  readSafetensors,
  SafetensorsFile,
  toFloat32,
  writeSafetensors,
} from '../../layers/xclip/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));

test('round-trips every supported dtype with metadata', () => {
  const path = join(dir, 'all.safetensors');
  writeSafetensors(
    path,
    [
      ['f32', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['f16', { dtype: 'F16', shape: [2], data: Uint16Array.from([floatToHalf(1.5), floatToHalf(-2)]) }],
      ['bf16', { dtype: 'BF16', shape: [1], data: Uint16Array.from([0x3fc0]) }],
      ['i64', { dtype: 'I64', shape: [3], data: BigInt64Array.from([1n, -2n, 1n << 40n]) }],
      ['i32', { dtype: 'I32', shape: [1], data: Int32Array.from([-7]) }],
      ['scalar', { dtype: 'F32', shape: [], data: Float32Array.from([3.25]) }],
      ['u8', { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 255]) }],
    ],
    { format: 'pt' },
  );
  const { tensors, metadata } = readSafetensors(path);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual([...tensors.get('f32')!.data], [1, 2, 3, 4, 5, -6.5]);
  assert.deepEqual([...toFloat32(tensors.get('f16')!)], [1.5, -2]);
  assert.deepEqual([...toFloat32(tensors.get('bf16')!)], [1.5]);
  assert.deepEqual([...tensors.get('i64')!.data], [1n, -2n, 1n << 40n]);
  assert.deepEqual(tensors.get('scalar')!.shape, []);
  assert.deepEqual([...tensors.get('u8')!.data], [1, 2, 255]);
  // The data section starts on an 8-byte boundary.
  const headerLength = Number(readFileSync(path).readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0);
});

test('reads the golden fixture lazily, one tensor at a time', () => {
  const file = SafetensorsFile.open('test/fixtures/xclip-tiny/model.safetensors');
  try {
    assert.equal(file.tensors.size, 151);
    const patch = file.get('vision_model.embeddings.patch_embedding.weight');
    assert.deepEqual(patch.shape, [32, 3, 8, 8]);
    assert.equal(patch.data.length, 32 * 3 * 8 * 8);
  } finally {
    file.close();
  }
});

test('half conversion rounds to nearest even and keeps specials', () => {
  for (const v of [0, 1, -1, 0.5, 65504, 2 ** -14, 2 ** -24, -3 * 2 ** -20])
    assert.equal(halfToFloat(floatToHalf(v)), v);
  assert.equal(halfToFloat(floatToHalf(5.96e-8)), 2 ** -24);
  assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  assert.equal(floatToHalf(1 + 2 ** -11), floatToHalf(1)); // tie rounds to even
});

test('corrupt and truncated files give a clear typed error', () => {
  const good = join(dir, 'good.safetensors');
  writeSafetensors(good, [['x', { dtype: 'F32', shape: [4], data: new Float32Array(4) }]]);
  const bytes = readFileSync(good);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /fewer than the 8-byte header/],
    [
      'huge-header',
      Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(16)]),
      /header length/,
    ],
    ['not-json', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]), /not valid JSON/],
    ['truncated', bytes.subarray(0, bytes.length - 4), /truncated/],
  ];
  for (const [name, content, message] of cases) {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, content);
    assert.throws(
      () => SafetensorsFile.open(path),
      (error: unknown) => error instanceof InvalidSafetensorsError && message.test(error.message),
      name,
    );
  }
});

test('refuses tensors whose data does not match dtype or shape', () => {
  assert.throws(
    () =>
      writeSafetensors(join(dir, 'bad.safetensors'), [['x', { dtype: 'I64', shape: [2], data: new Float32Array(2) }]]),
    InvalidSafetensorsError,
  );
  assert.throws(
    () =>
      writeSafetensors(join(dir, 'bad.safetensors'), [['x', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]]),
    InvalidSafetensorsError,
  );
});
