import type { Random } from '../generate/random.js';

/** A benchmark case: one variant on one input. */
export interface Case {
  readonly id: string;
  readonly fn: () => Promise<unknown>;
}

export interface CaseStats {
  readonly id: string;
  /** Number of timed iterations across all rounds. */
  readonly samples: number;
  readonly medianNs: number;
  readonly p25Ns: number;
  readonly p75Ns: number;
  readonly minNs: number;
  /** Median of each round, in the order the rounds ran: a drifting machine shows here. */
  readonly roundMediansNs: readonly number[];
}

/**
 * Which clock times a sample. `cpu` (the default) is the process's CPU time (user + system, all threads,
 * microsecond resolution): on a shared machine it does not count the time other processes hold the cores,
 * and a 512 MB Lambda gets well under one vCPU, so CPU time is close to what the function is billed for.
 * `wall` is mitata's own high-resolution wall clock.
 */
export type Clock = 'cpu' | 'wall';

export const clockFromEnv = (): Clock => (process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu');

const cpuNowNs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};

export interface CompareOptions {
  readonly clock: Clock;
  readonly rounds: number;
  /** mitata's min_cpu_time per case per round. */
  readonly roundCpuMs: number;
  readonly random: Random;
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;

/**
 * Measures cases side by side with mitata: a warm-up round, then `rounds` rounds, each running every case
 * in a freshly shuffled order (so that no variant always runs first, right after a GC, or last, in a warm
 * cache). Statistics are over the samples of all rounds.
 */
export async function compare(cases: readonly Case[], options: CompareOptions): Promise<CaseStats[]> {
  // mitata is an ES module; a dynamic import keeps this CommonJS project's typecheck happy.
  const { measure } = await import('mitata');
  const clockOption = options.clock === 'cpu' ? { now: cpuNowNs } : {};
  const samples = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  const roundMedians = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  for (const c of options.random.shuffle(cases)) {
    await measure(c.fn, { min_cpu_time: 150 * 1e6, min_samples: 3, max_samples: 1e6, ...clockOption });
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const c of options.random.shuffle(cases)) {
      const stats = await measure(c.fn, { min_cpu_time: options.roundCpuMs * 1e6, min_samples: 5, max_samples: 1e6, ...clockOption });
      samples.get(c.id)!.push(...stats.samples);
      roundMedians.get(c.id)!.push(stats.p50);
    }
  }
  return cases.map((c) => {
    const sorted = samples.get(c.id)!.sort((a, b) => a - b);
    return {
      id: c.id,
      samples: sorted.length,
      medianNs: quantile(sorted, 0.5),
      p25Ns: quantile(sorted, 0.25),
      p75Ns: quantile(sorted, 0.75),
      minNs: sorted[0]!,
      roundMediansNs: roundMedians.get(c.id)!,
    };
  });
}
