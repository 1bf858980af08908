import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloat16, decodeFloat32, encodeFloat16, encodeFloat32 } from '../../layers/pipeline/core/tensor-codec.js';
import { floatToHalf, halfToFloat } from '../../layers/xclip/safetensors.js';

test('float32 round-trips bit for bit, little-endian', () => {
  const values = Float32Array.from([0, -1.5, 3.4028234663852886e38, 1e-45, Math.PI]);
  const bytes = encodeFloat32(values);
  assert.deepEqual([...bytes.subarray(4, 8)], [0x00, 0x00, 0xc0, 0xbf]);
  assert.deepEqual(decodeFloat32(bytes), values);
});

test('float16 matches IEEE half precision: exact values, rounding to nearest even, subnormals, overflow', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [2 ** -25, 0x0000],
    [3 * 2 ** -25, 0x0002],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
    [Number.POSITIVE_INFINITY, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(floatToHalf(value), bits, `floatToHalf(${value})`);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(Number.NaN))));
  for (let bits = 0; bits < 0x7c00; bits += 7) assert.equal(floatToHalf(halfToFloat(bits)), bits, `bits ${bits}`);
});

test('float16 arrays round-trip within half precision', () => {
  const values = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i) * 3);
  const decoded = decodeFloat16(encodeFloat16(values));
  assert.equal(decoded.length, 100);
  values.forEach((value, i) => {
    assert.ok(Math.abs(decoded[i]! - value) <= Math.abs(value) * 2 ** -11 + 1e-7, `value ${i}`);
  });
});
