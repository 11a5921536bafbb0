import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { StrategyChoice } from '../strategies/choice.js';
import { chooseFreeRiders } from '../job/free-riders.js';
import { churnOf, type ArrivalSpec } from '../job/arrivals.js';
import { loadJob, type Job } from '../job/inputs.js';
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

/** What every way of running a sweep starts from: the checked case, and its pairs in a fixed order (a Slurm array's task K runs pair K). */
export interface SweepPlan {
  job: Job;
  freeRiders: number[];
  pairs: SweepTask[];
}

export async function sweepPlan(options: SweepOptions): Promise<SweepPlan> {
  const job = loadJob(options.inputDir);
  await checkChoices(options.strategies, job.ranks, job.clients.length);
  await ensureOutputFolder('--out', options.outDir);
  const freeRiders = chooseFreeRiders(job, options.freeRiderCount ?? 0);
  const { arrivals, seedTimeSeconds, inputDir } = options;
  // An arrivals file is read here first, so that a bad one is refused before any run starts.
  churnOf(job, { arrivals, seedTimeSeconds, seed: '1', wallClock: false, stallTimeoutMs: 0 });
  const network = { ...options.network, ranks: [...options.network.ranks] };
  const pairs = options.strategies.flatMap((strategy) =>
    options.seeds.map((seed) => ({ inputDir, strategy, seed, network, freeRiders, arrivals, seedTimeSeconds })),
  );
  return { job, freeRiders, pairs };
}

/** The comparison of a sweep's rows, written as its report. */
export async function finishSweep(plan: SweepPlan, outDir: string, rows: SweepRow[]): Promise<SweepOutcome> {
  const summaries = summarize(rows);
  const jainBound = jainBoundOf(plan.job, plan.freeRiders);
  const files = await writeSweepReport(outDir, rows, summaries, jainBound);
  return { rows, summaries, files, jainBound, exitCode: summaries.some((s) => s.failed > 0) ? EXIT_FAILED : EXIT_OK };
}

export async function sweepCommand(options: SweepOptions): Promise<SweepOutcome> {
  const plan = await sweepPlan(options);
  const { pairs } = plan;
  // A thread more than there are pairs would only idle.
  const threads = Math.min(options.workers ?? availableParallelism(), pairs.length);
  const pool = new Piscina<SweepTask, SweepRow>({
    filename: new URL('../sweep/sweep-task.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  let done = 0;
  try {
    const rows = await Promise.all(
      pairs.map(async (pair) => {
        const row = await pool.run(pair);
        options.onRow?.(row, ++done, pairs.length);
        return row;
      }),
    );
    return await finishSweep(plan, options.outDir, rows);
  } finally {
    await pool.destroy();
  }
}
