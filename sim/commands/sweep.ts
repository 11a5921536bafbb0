import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { StrategyChoice } from '../strategies/choice.js';
import { chooseFreeRiders } from '../job/free-riders.js';
import { churnOf, type ArrivalSpec } from '../job/arrivals.js';
import { loadJob } from '../job/inputs.js';
import { checkChoices } from '../strategies/load.js';
import { ensureOutputFolder } from '../job/output-folders.js';
import { EXIT_FAILED, EXIT_OK } from '../run/exit-codes.js';
import { jainBoundOf } from '../run/metrics.js';
import { summarize, type StrategySummary } from '../sweep/compare.js';
import { writeSweepReport } from '../sweep/sweep-report.js';
import type { SweepRow, SweepTask } from '../sweep/sweep-task.js';
import type { NetworkSettings } from '../transports/virtual/network-model.js';

export interface SweepOptions {
  /** `--free-riders K`, the same clients in every run. */
  freeRiderCount?: number;
  /** `--arrivals` and `--seed-time`, drawn per seed. */
  arrivals?: ArrivalSpec;
  seedTimeSeconds?: number;
  inputDir: string;
  strategies: StrategyChoice[];
  seeds: string[];
  network: NetworkSettings;
  outDir: string;
  /** Simulations at once, each in a worker thread; default one per core. */
  workers?: number;
  onRow?: (row: SweepRow, done: number, total: number) => void;
}

/**
 * `sim sweep`: every (strategy, seed) pair as an independent virtual-time run, one piscina
 * task each, spread over every core; then the comparison report.
 */
export interface SweepOutcome {
  rows: SweepRow[];
  summaries: StrategySummary[];
  files: string[];
  /** The best Jain's index any schedule could reach on the case; null when not known. */
  jainBound: number | null;
  /** 1 when some run failed or wrote a wrong output. */
  exitCode: typeof EXIT_OK | typeof EXIT_FAILED;
}

export async function sweepCommand(options: SweepOptions): Promise<SweepOutcome> {
  const job = loadJob(options.inputDir);
  await checkChoices(options.strategies, job.ranks, job.clients.length);
  await ensureOutputFolder('--out', options.outDir);
  const freeRiders = chooseFreeRiders(job, options.freeRiderCount ?? 0);
  const { arrivals, seedTimeSeconds } = options;
  // An arrivals file is read here first, so that a bad one is refused before any run starts.
  churnOf(job, { arrivals, seedTimeSeconds, seed: '1', wallClock: false, stallTimeoutMs: 0 });
  const pairs = options.strategies.flatMap((strategy) => options.seeds.map((seed) => ({ strategy, seed })));
  // A thread more than there are pairs would only idle.
  const threads = Math.min(options.workers ?? availableParallelism(), pairs.length);
  const pool = new Piscina<SweepTask, SweepRow>({
    filename: new URL('../sweep/sweep-task.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const network = { ...options.network, ranks: [...options.network.ranks] };
  let done = 0;
  try {
    const rows = await Promise.all(
      pairs.map(async ({ strategy, seed }) => {
        const row = await pool.run({ inputDir: options.inputDir, strategy, seed, network, freeRiders, arrivals, seedTimeSeconds });
        options.onRow?.(row, ++done, pairs.length);
        return row;
      }),
    );
    const summaries = summarize(rows);
    const jainBound = jainBoundOf(job, freeRiders);
    const files = await writeSweepReport(options.outDir, rows, summaries, jainBound);
    return { rows, summaries, files, jainBound, exitCode: summaries.some((s) => s.failed > 0) ? EXIT_FAILED : EXIT_OK };
  } finally {
    await pool.destroy();
  }
}
