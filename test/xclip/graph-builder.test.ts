import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { attr, GraphBuilder, MS_DOMAIN } from '../../layers/xclip/onnx/graph-builder.js';
import { onnx } from '../../layers/xclip/onnx/proto.js';

const dir = mkdtempSync(join(tmpdir(), 'graph-builder-'));

/** y = LayerNorm(x @ W + b) with W [64, 32]: big enough to go external with a low threshold. */
function buildLinearGraph(): { g: GraphBuilder; weight: Float32Array; bias: Float32Array } {
  const g = new GraphBuilder('linear');
  const weight = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i) / 8);
  const bias = Float32Array.from({ length: 32 }, (_, i) => i / 32);
  const x = g.input('x', 'float32', ['batch', 64]);
  const w = g.initializer('w', { type: 'float32', dims: [64, 32], data: weight });
  const b = g.initializer('b', { type: 'float32', dims: [32], data: bias });
  const y = g.op1('Add', [g.op1('MatMul', [x, w]), b]);
  const scale = g.initializer('ln.weight', { type: 'float32', dims: [32], data: new Float32Array(32).fill(1) });
  const shift = g.initializer('ln.bias', { type: 'float32', dims: [32], data: new Float32Array(32) });
  g.output(
    g.op1('LayerNormalization', [y, scale, shift], { axis: attr.int(-1), epsilon: attr.float(1e-5) }),
    'y',
    'float32',
    ['batch', 32],
  );
  return { g, weight, bias };
}

async function run(path: string, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  try {
    const out = await session.run({ x: new ort.Tensor('float32', input, [input.length / 64, 64]) });
    return out.y!.data as Float32Array;
  } finally {
    await session.release();
  }
}

test('a graph past the size threshold keeps its weights in an aligned external data file', async () => {
  const input = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.cos(i));
  const inline = buildLinearGraph().g.save(join(dir, 'inline.onnx'));
  assert.deepEqual(inline, [join(dir, 'inline.onnx')]);
  const files = buildLinearGraph().g.save(join(dir, 'external.onnx'), {}, 1000);
  assert.deepEqual(files, [join(dir, 'external.onnx'), join(dir, 'external.onnx.data')]);
  assert.ok(statSync(files[0]!).size < 2000, 'the graph file holds no large weights');
  const model = onnx.ModelProto.decode(readFileSync(files[0]!));
  const weight = model.graph!.initializer!.find((t) => t.name === 'w')!;
  assert.equal(weight.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
  const offset = Number(weight.externalData!.find((e) => e.key === 'offset')!.value);
  assert.equal(offset % 4096, 0);
  assert.deepEqual(await run(files[0]!, input), await run(inline[0]!, input));
});

test('names stay unique, constants are shared and contrib ops declare their domain', () => {
  const g = new GraphBuilder('names');
  const x = g.input('x', 'float32', [4]);
  assert.equal(g.ints([1, 2]), g.ints([1, 2]));
  assert.notEqual(g.ints([1, 2]), g.ints([2, 1]));
  const [a] = g.op('Relu', [x], {}, { name: 'act' });
  const [b] = g.op('Relu', [a!], {}, { name: 'act' });
  assert.notEqual(a, b);
  g.output(g.op1('QuickGelu', [b!], { alpha: attr.float(1.702) }, { domain: MS_DOMAIN }), 'y', 'float32', [4]);
  assert.throws(() => g.input('x', 'float32', [4]), /duplicate value name x/);
  const path = join(dir, 'names.onnx');
  g.save(path);
  const model = onnx.ModelProto.decode(readFileSync(path));
  const domains = Object.fromEntries(model.opsetImport!.map((o) => [o.domain ?? '', Number(o.version)]));
  assert.deepEqual(domains, { '': 17, [MS_DOMAIN]: 1 });
  assert.ok(existsSync(path));
});
