export interface Timing {
  medianMs: number;
  minMs: number;
  runsMs: number[];
}

/** Median and minimum of timed runs. */
export function summarizeRuns(runsMs: number[]): Timing {
  const sorted = [...runsMs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { medianMs, minMs: sorted[0]!, runsMs };
}

/** Runs `run` once untimed, then `repeats` timed times. */
export async function timeRuns(repeats: number, run: () => Promise<unknown>): Promise<Timing> {
  await run();
  const runsMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    runsMs.push(performance.now() - started);
  }
  return summarizeRuns(runsMs);
}
