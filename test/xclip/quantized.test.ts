import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rowCosines } from '../../layers/bench/fidelity.js';
import { buildModel } from '../../layers/xclip/build.js';
import { onnx } from '../../layers/xclip/onnx/proto.js';
import type { Precision } from '../../layers/xclip/precision.js';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { readSafetensors } from '../../layers/xclip/safetensors.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-quantized-'));
const inputs = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors;
const expected = readSafetensors(join(FIXTURE, 'expected.safetensors')).tensors;
const golden = (name: string) => expected.get(name)!.data as Float32Array;

/** Bounds shipped for each precision on the golden fixture (measured values in BENCHMARKS.md). */
const BOUNDS: Record<
  Exclude<Precision, 'fp32'>,
  { videoCosine: number; textCosine: number; textEmbedCosine: number; logitDelta: number; linearOp: string }
> = {
  int8: {
    videoCosine: 0.999,
    textCosine: 0.998,
    textEmbedCosine: 0.998,
    logitDelta: 0.2,
    linearOp: 'DynamicQuantizeMatMul',
  },
  int4: { videoCosine: 0.99, textCosine: 0.95, textEmbedCosine: 0.95, logitDelta: 1.5, linearOp: 'MatMulNBits' },
  fp16: { videoCosine: 0.9999, textCosine: 0.9999, textEmbedCosine: 0.9999, logitDelta: 0.02, linearOp: 'MatMul' },
};

/** Op types of a graph, how many MatMuls multiply by a weight initializer, and how many initializers are float32. */
function inspectGraph(path: string): { ops: Set<string>; weightMatMuls: number; float32Initializers: number } {
  const graph = onnx.ModelProto.decode(readFileSync(path)).graph!;
  const initializers = new Set(graph.initializer!.map((tensor) => tensor.name));
  const weightMatMuls = graph.node!.filter(
    (node) => node.opType === 'MatMul' && node.input!.some((input) => initializers.has(input)),
  ).length;
  const float32Initializers = graph.initializer!.filter(
    (tensor) => tensor.dataType === onnx.TensorProto.DataType.FLOAT,
  ).length;
  return { ops: new Set(graph.node!.map((node) => node.opType!)), weightMatMuls, float32Initializers };
}

for (const [precision, bounds] of Object.entries(BOUNDS) as Array<
  [Exclude<Precision, 'fp32'>, (typeof BOUNDS)['int8']]
>) {
  test(`${precision} follows HF's fp32 outputs on the golden fixture (CPU)`, async (t) => {
    const dir = join(work, precision);
    await buildModel({ from: FIXTURE, out: dir, precision });
    for (const graph of ['vision', 'text', 'score']) {
      const { ops, weightMatMuls, float32Initializers } = inspectGraph(join(dir, `${graph}.onnx`));
      assert.ok(ops.has(bounds.linearOp), `${graph}.onnx uses ${bounds.linearOp}`);
      if (precision === 'fp16')
        assert.equal(float32Initializers, 0, `${graph}.onnx stores every float in half precision`);
      else assert.equal(weightMatMuls, 0, `${graph}.onnx has no float linear layer left`);
    }
    // With the weights pre-packed at load (the default) and packed at each run (a short-lived CLI's choice).
    for (const prepackWeights of [true, false]) {
      const runtime = await XclipRuntime.load(dir, { threads: 1, prepackWeights });
      try {
        const pixels = inputs.get('pixel_values')!;
        const ids = inputs.get('input_ids')!;
        const videos = await runtime.encodeVideos(pixels.data as Float32Array, 2);
        const texts = await runtime.encodeTexts(
          ids.data as BigInt64Array,
          inputs.get('attention_mask')!.data as BigInt64Array,
          3,
          16,
        );
        const scores = await runtime.scoreVideos(videos, texts);
        const video = Math.min(...rowCosines(videos.videoEmbeds, golden('video_embeds_unnormalized'), 16));
        const text = Math.min(...rowCosines(texts.features, golden('text_features'), 16));
        const textEmbeds = Math.min(...rowCosines(scores.textEmbeds, golden('text_embeds'), 16));
        const logitDelta = Math.max(...scores.logits.map((v, i) => Math.abs(v - golden('logits_per_video')[i]!)));
        t.diagnostic(
          `${precision}, weights ${prepackWeights ? '' : 'not '}pre-packed: video cosine ${video.toFixed(5)}, text cosine ${text.toFixed(5)}, text_embeds cosine ${textEmbeds.toFixed(5)}, max logit delta ${logitDelta.toFixed(4)}`,
        );
        assert.ok(video >= bounds.videoCosine, `video embedding cosine ${video}`);
        assert.ok(text >= bounds.textCosine, `text feature cosine ${text}`);
        assert.ok(textEmbeds >= bounds.textEmbedCosine, `text_embeds cosine ${textEmbeds}`);
        assert.ok(logitDelta <= bounds.logitDelta, `max logit delta ${logitDelta}`);
      } finally {
        await runtime.release();
      }
    }
  });
}
