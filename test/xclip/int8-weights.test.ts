import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildModel } from '../../layers/xclip/build.js';
import { hostInt8Layout, int8LayoutFor } from '../../layers/xclip/int8-layout.js';
import { rewriteInt8Weights } from '../../layers/xclip/int8-weights.js';
import { GraphBuilder, MS_DOMAIN } from '../../layers/xclip/onnx/graph-builder.js';
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

test('int8 weights are wanted as int8 on x86 with VNNI or AMX, as the stored uint8 anywhere else', () => {
  assert.equal(int8LayoutFor('x64', cpuinfo('avx512f avx512_vnni')), 'int8');
  assert.equal(int8LayoutFor('x64', cpuinfo('avx_vnni')), 'int8');
  assert.equal(int8LayoutFor('x64', cpuinfo('amx_tile amx_int8')), 'int8');
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

/** A DynamicQuantizeMatMul whose weight is float32, and a second, well-formed one before it. */
function graphWithFloatWeight(): Uint8Array {
  const g = new GraphBuilder('bad');
  const x = g.input('x', 'float32', [2, 4]);
  const quantized = (name: string, weight: string) =>
    g.op1(
      'DynamicQuantizeMatMul',
      [
        x,
        weight,
        g.initializer(`${name}.scale`, { type: 'float32', dims: [4], data: new Float32Array(4).fill(0.1) }),
        g.initializer(`${name}.zero_point`, { type: 'uint8', dims: [4], data: new Uint8Array(4).fill(128) }),
      ],
      {},
      { domain: MS_DOMAIN, name },
    );
  const good = quantized('good', g.initializer('good.w', { type: 'uint8', dims: [4, 4], data: new Uint8Array(16) }));
  const bad = quantized('bad', g.initializer('bad.w', { type: 'float32', dims: [4, 4], data: new Float32Array(16) }));
  g.output(g.op1('Add', [good, bad]), 'y', 'float32', [2, 4]);
  const path = join(work, 'bad.onnx');
  g.save(path);
  return readFileSync(path);
}

test('a quantized weight of another type is refused, and nothing is rewritten', () => {
  const stored = graphWithFloatWeight();
  const bytes = Buffer.from(stored);
  assert.throws(() => rewriteInt8Weights(bytes, 'int8', 'onnx'), /bad\.w is of data type 1, not uint8 or int8/);
  assert.ok(bytes.equals(stored));
});

test('on a CPU with VNNI, int8 weights compute what the stored uint8 ones do, bit for bit', async (t) => {
  if (hostInt8Layout() !== 'int8') {
    t.skip('this CPU has no VNNI: ONNX Runtime multiplies int8 weights with saturation here, so only uint8 is run');
    return;
  }
  await built;
  const pixels = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors.get('pixel_values')!;
  const outputs = [];
  for (const int8Weights of ['uint8', 'int8'] as const) {
    const { session } = await createGraphSession(
      { dir: int8Dir, graph: 'vision', copies: undefined, int8Weights },
      { intraOpNumThreads: 1 },
    );
    outputs.push(
      await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', pixels.data as Float32Array, pixels.shape),
      }),
    );
    await session.release();
  }
  const [asStored, asInt8] = outputs;
  for (const name of Object.keys(asStored!)) assert.deepEqual(asInt8![name]!.data, asStored![name]!.data, name);
});
