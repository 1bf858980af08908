import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildModel } from '../../layers/xclip/build.js';
import { hostInt8Layout, int8LayoutFor } from '../../layers/xclip/int8-layout.js';
import { Int8WeightsError, rewriteInt8Weights } from '../../layers/xclip/int8-weights.js';
import { attr, GraphBuilder, MS_DOMAIN } from '../../layers/xclip/onnx/graph-builder.js';
import { type OnnxTypes, onnx } from '../../layers/xclip/onnx/proto.js';
import { createGraphSession } from '../../layers/xclip/ort-format.js';
import { readSafetensors } from '../../layers/xclip/safetensors.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-int8-weights-'));
const int8Dir = join(work, 'int8');
const fp32Dir = join(work, 'fp32');
const built = Promise.all([
  buildModel({ from: FIXTURE, out: int8Dir, precision: 'int8' }),
  buildModel({ from: FIXTURE, out: fp32Dir, precision: 'fp32', ortFormat: false }),
]);

/** /proc/cpuinfo of a two-processor machine whose flags include `flags`. */
const cpuinfo = (flags: string) =>
  [0, 1]
    .map((n) => `processor\t: ${n}\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse sse2 avx avx2 ${flags}\n`)
    .join('\n');

test('int8 weights are wanted as int8 on x86 with VNNI, as the stored uint8 anywhere else', () => {
  assert.equal(int8LayoutFor('x64', cpuinfo('avx512f avx512_vnni')), 'int8');
  assert.equal(int8LayoutFor('x64', cpuinfo('avx_vnni')), 'int8');
  assert.equal(int8LayoutFor('x64', cpuinfo('avx512_vnni amx_tile amx_int8')), 'int8');
  assert.equal(int8LayoutFor('x64', cpuinfo('avx512f avx512bw')), 'uint8', 'AVX-512 without VNNI saturates');
  assert.equal(int8LayoutFor('x64', cpuinfo('fma')), 'uint8');
  assert.equal(int8LayoutFor('x64', cpuinfo('avx512_vnnix')), 'uint8', 'whole flags only');
  assert.equal(int8LayoutFor('arm64', cpuinfo('avx512_vnni')), 'uint8');
  assert.equal(int8LayoutFor('x64', undefined), 'uint8', 'no cpuinfo to read');
});

/** The names DynamicQuantizeMatMul nodes take their weights and weight zero points from. */
function quantizedWeightNames(model: OnnxTypes.ModelProto): Set<string> {
  return new Set(
    model
      .graph!.node!.filter((node) => node.opType === 'DynamicQuantizeMatMul')
      .flatMap((node) => [node.input![1]!, node.input![3]!]),
  );
}

test('rewriting to int8 flips the quantized weights and zero points of every graph and nothing else; back to uint8 restores the bytes', async () => {
  await built;
  for (const graph of ['vision', 'text', 'score']) {
    const stored = readFileSync(join(int8Dir, `${graph}.onnx`));
    const original = onnx.ModelProto.decode(stored);
    const weights = quantizedWeightNames(original);
    assert.ok(weights.size > 0, `${graph} has quantized weights`);
    const bytes = Buffer.from(stored);
    assert.equal(rewriteInt8Weights(bytes, 'int8', 'onnx'), weights.size, graph);
    const rewritten = onnx.ModelProto.decode(bytes);
    assert.deepEqual(rewritten.graph!.node, original.graph!.node, `${graph}: the nodes are unchanged`);
    original.graph!.initializer!.forEach((before, i) => {
      const after = rewritten.graph!.initializer![i]!;
      assert.equal(after.name, before.name);
      if (!weights.has(before.name!)) {
        assert.deepEqual(after, before, `${before.name} is unchanged`);
        return;
      }
      assert.equal(before.dataType, onnx.TensorProto.DataType.UINT8, before.name!);
      assert.equal(after.dataType, onnx.TensorProto.DataType.INT8, before.name!);
      const values = Buffer.from(before.rawData!).map((value) => value - 128);
      assert.ok(Buffer.from(after.rawData!).equals(Buffer.from(new Int8Array(values).buffer)), before.name!);
    });
    assert.equal(rewriteInt8Weights(bytes, 'int8', 'onnx'), 0, 'already int8');
    assert.equal(rewriteInt8Weights(bytes, 'uint8', 'onnx'), weights.size);
    assert.ok(bytes.equals(stored), `${graph}: back to the stored bytes`);
  }
});

test('in an ORT-format copy the rewrite turns the quantized weights and their declared types to the other layout and back', async () => {
  await built;
  const copied = hostInt8Layout();
  const other = copied === 'int8' ? 'uint8' : 'int8';
  for (const graph of ['vision', 'text', 'score']) {
    const weights = quantizedWeightNames(onnx.ModelProto.decode(readFileSync(join(int8Dir, `${graph}.onnx`))));
    const stored = readFileSync(join(int8Dir, `${graph}.ort`));
    const bytes = Buffer.from(stored);
    assert.equal(rewriteInt8Weights(bytes, other, 'ort'), weights.size, graph);
    assert.ok(!bytes.equals(stored));
    assert.equal(rewriteInt8Weights(bytes, other, 'ort'), 0, 'already rewritten');
    assert.equal(rewriteInt8Weights(bytes, copied, 'ort'), weights.size);
    assert.ok(bytes.equals(stored), `${graph}: back to the written bytes`);
  }
});

test('a graph without quantized weights is left as it is', async () => {
  await built;
  const stored = readFileSync(join(fp32Dir, 'vision.onnx'));
  const bytes = Buffer.from(stored);
  assert.equal(rewriteInt8Weights(bytes, 'int8', 'onnx'), 0);
  assert.ok(bytes.equals(stored));
});

/**
 * A graph of two DynamicQuantizeMatMul nodes on one input: a well-formed one, then one `shaped` as the case needs
 * (its weight of another type, without a zero point, its weight read by another node too).
 */
function twoQuantizedProducts(shape: 'float weight' | 'no zero point' | 'shared weight'): Buffer {
  const g = new GraphBuilder('two');
  const x = g.input('x', 'float32', [2, 4]);
  const quantized = (name: string, weight: string, zeroPoint = true) =>
    g.op1(
      'DynamicQuantizeMatMul',
      [
        x,
        weight,
        g.initializer(`${name}.scale`, { type: 'float32', dims: [4], data: new Float32Array(4).fill(0.1) }),
        ...(zeroPoint
          ? [g.initializer(`${name}.zero_point`, { type: 'uint8', dims: [4], data: new Uint8Array(4).fill(128) })]
          : []),
      ],
      {},
      { domain: MS_DOMAIN, name },
    );
  const uint8Weight = (name: string) =>
    g.initializer(name, { type: 'uint8', dims: [4, 4], data: Uint8Array.from({ length: 16 }, (_, i) => 120 + i) });
  const good = quantized('good', uint8Weight('good.w'));
  let y: string;
  if (shape === 'float weight') {
    const weight = g.initializer('odd.w', { type: 'float32', dims: [4, 4], data: new Float32Array(16) });
    y = g.op1('Add', [good, quantized('odd', weight)]);
  } else if (shape === 'no zero point') {
    y = g.op1('Add', [good, quantized('odd', uint8Weight('odd.w'), false)]);
  } else {
    const weight = uint8Weight('odd.w');
    const asFloat = g.op1('Cast', [weight], { to: attr.int(1) });
    y = g.op1('Add', [g.op1('Add', [good, quantized('odd', weight)]), g.op1('ReduceSum', [asFloat])]);
  }
  g.output(y, 'y', 'float32', [2, 4]);
  const path = join(work, `${shape.replaceAll(' ', '-')}.onnx`);
  g.save(path);
  return readFileSync(path);
}

test('a graph the rewrite cannot take is refused whole, and nothing is rewritten', () => {
  for (const [shape, message] of [
    ['float weight', /odd\.w is of data type 1, not uint8 or int8/],
    ['no zero point', /has no weight zero point/],
    ['shared weight', /odd\.w is also read by a Cast node as its input 0/],
  ] as const) {
    const stored = twoQuantizedProducts(shape);
    const bytes = Buffer.from(stored);
    assert.throws(
      () => rewriteInt8Weights(bytes, 'int8', 'onnx'),
      (error: Error) => {
        assert.ok(error instanceof Int8WeightsError, shape);
        assert.match(error.message, message);
        return true;
      },
    );
    assert.ok(bytes.equals(stored), `${shape}: left as it was`);
  }
});

test('a graph whose weights cannot be rewritten loads with them as stored', async () => {
  const dir = join(work, 'unrewritable');
  mkdirSync(dir);
  writeFileSync(join(dir, 'vision.onnx'), twoQuantizedProducts('no zero point'));
  const { session, format } = await createGraphSession(
    { dir, graph: 'vision', copies: undefined, int8Weights: 'int8' },
    { intraOpNumThreads: 1 },
  );
  assert.equal(format, 'onnx');
  const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array(8).fill(1), [2, 4]) });
  assert.equal(y!.dims.join('x'), '2x4');
  await session.release();
});

test('a corrupt ORT-format copy makes the rewrite fail with Int8WeightsError, never run away, and stay unchanged', async () => {
  await built;
  const written = readFileSync(join(int8Dir, 'score.ort'));
  const other = hostInt8Layout() === 'int8' ? 'uint8' : 'int8';
  assert.throws(() => rewriteInt8Weights(written.subarray(0, 1000), other, 'ort'), Int8WeightsError, 'truncated');
  const unnamed = Buffer.from(written);
  unnamed.write('XXXX', 4, 'latin1');
  assert.throws(() => rewriteInt8Weights(unnamed, other, 'ort'), /not an ORT-format model/);
  // Deterministic damage to the first 4 KB, where the tables and their offsets are.
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let refused = 0;
  for (let trial = 0; trial < 40; trial++) {
    const damaged = Buffer.from(written);
    for (let i = 0; i < 4; i++) damaged[8 + Math.floor(random() * 4088)] = Math.floor(random() * 256);
    const before = Buffer.from(damaged);
    try {
      rewriteInt8Weights(damaged, other, 'ort');
    } catch (error) {
      assert.ok(error instanceof Int8WeightsError, `trial ${trial}: ${(error as Error).message}`);
      assert.ok(damaged.equals(before), `trial ${trial}: refused and left as it was`);
      refused++;
    }
  }
  assert.ok(refused > 0, 'some damage is found');
});

/** The vision graph's outputs on the fixture's pixels; the session is released. */
async function visionOutputs(session: ort.InferenceSession): Promise<ort.InferenceSession.OnnxValueMapType> {
  const pixels = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors.get('pixel_values')!;
  try {
    return await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', pixels.data as Float32Array, pixels.shape),
    });
  } finally {
    await session.release();
  }
}

test('each layout computes the same bits from the rewritten .onnx and the rewritten ORT-format copy', async () => {
  await built;
  const run = async (bytes: Uint8Array) =>
    visionOutputs(await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }));
  for (const layout of ['uint8', 'int8'] as const) {
    const fromOnnx = readFileSync(join(int8Dir, 'vision.onnx'));
    const fromCopy = readFileSync(join(int8Dir, 'vision.ort'));
    rewriteInt8Weights(fromOnnx, layout, 'onnx');
    rewriteInt8Weights(fromCopy, layout, 'ort');
    const [a, b] = [await run(fromOnnx), await run(fromCopy)];
    for (const name of Object.keys(a)) assert.deepEqual(b[name]!.data, a[name]!.data, `${layout}: ${name}`);
  }
});

test('on a CPU with VNNI, int8 weights compute what the stored uint8 ones do, bit for bit', async (t) => {
  if (hostInt8Layout() !== 'int8') {
    t.skip('this CPU has no VNNI: ONNX Runtime multiplies int8 weights with saturation here, so only uint8 is run');
    return;
  }
  await built;
  const outputs = [];
  for (const int8Weights of ['uint8', 'int8'] as const) {
    const { session } = await createGraphSession(
      { dir: int8Dir, graph: 'vision', copies: undefined, int8Weights },
      { intraOpNumThreads: 1 },
    );
    outputs.push(await visionOutputs(session));
  }
  const [asStored, asInt8] = outputs;
  for (const name of Object.keys(asStored!)) assert.deepEqual(asInt8![name]!.data, asStored![name]!.data, name);
});
