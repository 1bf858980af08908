import { readFileSync } from 'node:fs';

/**
 * How the weights of an int8 graph's DynamicQuantizeMatMul nodes are held: `uint8` around a zero point of 128 (as
 * the .onnx files store them) or `int8` around 0. Both hold the same integers (int8 = uint8 - 128, the byte with its
 * top bit flipped), and ONNX Runtime computes the same floats from either where its kernel for the pair is exact.
 * Which kernel is exact and which is fast depends on the CPU (see `int8LayoutFor`).
 */
export type Int8WeightLayout = 'uint8' | 'int8';

/** What the .onnx files of an int8 model hold (layers/xclip/modeling/linear.ts). */
export const STORED_INT8_LAYOUT: Int8WeightLayout = 'uint8';

/**
 * x86 CPU flags of instructions that add uint8 x int8 products straight into 32 bits, on which ONNX Runtime picks
 * its VNNI kernels. (CPUs with AMX report avx512_vnni too.)
 */
const VNNI_FLAGS = new Set(['avx512_vnni', 'avx_vnni']);

/**
 * The layout ONNX Runtime multiplies both exactly and fast on a CPU of `arch` with these `/proc/cpuinfo` contents.
 * On x86 with VNNI its uint8 x int8 kernel accumulates in 32 bits and is about 5 times its uint8 x uint8
 * one (BENCHMARKS.md). Without VNNI the uint8 x int8 kernel adds pairs of products in 16 bits and saturates, so
 * uint8 it is; elsewhere (arm64, or no cpuinfo to read) the stored layout, which every kernel computes exactly.
 */
export function int8LayoutFor(arch: string, cpuinfo: string | undefined): Int8WeightLayout {
  if (arch !== 'x64' || cpuinfo === undefined) return STORED_INT8_LAYOUT;
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
  return flags.some((flag) => VNNI_FLAGS.has(flag)) ? 'int8' : 'uint8';
}

let hostLayout: Int8WeightLayout | undefined;

/** int8LayoutFor this process's CPU, read once. */
export function hostInt8Layout(): Int8WeightLayout {
  if (hostLayout === undefined) {
    let cpuinfo: string | undefined;
    try {
      cpuinfo = readFileSync('/proc/cpuinfo', 'latin1');
    } catch {
      cpuinfo = undefined;
    }
    hostLayout = int8LayoutFor(process.arch, cpuinfo);
  }
  return hostLayout;
}

/** The layout this CPU wants a model's int8 weights in; undefined for a precision without them. */
export function wantedInt8Layout(precision: string): Int8WeightLayout | undefined {
  return precision === 'int8' ? hostInt8Layout() : undefined;
}
