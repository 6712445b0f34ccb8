// Timing for the benchmarks: each figure is the median of a few runs, reported with the runs themselves.
import { performance } from 'node:perf_hooks';

export interface Measurement {
  /** Median of the runs, in seconds. */
  medianSeconds: number;
  runsSeconds: number[];
}

/** The median (the upper one of an even count) and the runs. */
export function summarize(runsSeconds: number[]): Measurement {
  if (runsSeconds.length === 0) throw new RangeError('no runs to summarize');
  const sorted = [...runsSeconds].sort((a, b) => a - b);
  return { medianSeconds: sorted[Math.floor(sorted.length / 2)]!, runsSeconds };
}

/** Seconds since `start`, a performance.now() reading. */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;

/** Times `run` `runs` times; `prepare` runs untimed before each. */
export async function measure(runs: number, run: () => Promise<void>, prepare: () => Promise<void> = async () => {}): Promise<Measurement> {
  const runsSeconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    await prepare();
    const start = performance.now();
    await run();
    runsSeconds.push(secondsSince(start));
  }
  return summarize(runsSeconds);
}
