/**
 * One (strategy, seed) simulation of a sweep, run in a piscina worker: a whole virtual-time
 * run in a temporary folder, its outputs checked, reduced to the figures a sweep compares.
 */
import { median } from '../../reports/numbers.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFailure } from '../run/failures.js';
import { loadJob } from '../job/inputs.js';
import { runJob } from '../run/pipeline.js';
import type { StrategyChoice } from '../strategies/choice.js';
import type { NetworkSettings } from '../transports/virtual/network-model.js';
import { churnOf, type ArrivalSpec } from '../job/arrivals.js';

/** Virtual time ends a stuck run in simulated time; a wall-clock timeout only has to be given. */
const STALL_TIMEOUT_MS = 10_000;

export interface SweepTask {
  inputDir: string;
  strategy: StrategyChoice;
  seed: string;
  freeRiders: number[];
  /** `--arrivals` and `--seed-time`: each seed draws its own arrivals. */
  arrivals?: ArrivalSpec;
  seedTimeSeconds?: number;
  /** Per-rank links travel as entries: a Map does not survive the trip to a worker as JSON would. */
  network: Omit<NetworkSettings, 'ranks'> & { ranks: [number, { uploadMbps?: number; downloadMbps?: number }][] };
}

export interface SweepRow {
  strategy: string;
  seed: string;
  ok: boolean;
  jain: number;
  maxOverMean: number;
  /** When the last client held all its wanted files, in simulated seconds. */
  completionSeconds: number;
  /** When the median client did (the middle one, or the mean of the two middle ones). */
  medianCompletionSeconds: number;
  transfers: number;
  messages: number;
  /** Why the run failed (a stall, a failed rank), when it did. */
  problem?: string;
}

/** The row of a pair whose run gave no figures, saying why. */
export function failedRow(task: SweepTask, problem: string): SweepRow {
  return {
    strategy: task.strategy.label,
    seed: task.seed,
    ok: false,
    jain: NaN,
    maxOverMean: NaN,
    completionSeconds: NaN,
    medianCompletionSeconds: NaN,
    transfers: 0,
    messages: 0,
    problem,
  };
}

/** Runs one pair; a failed run comes back as a row saying why, so the sweep can report it. */
export default async function runSweepTask(task: SweepTask): Promise<SweepRow> {
  try {
    return await runPair(task);
  } catch (error) {
    if (!(error instanceof RunFailure)) throw error;
    return failedRow(task, error.message);
  }
}

async function runPair(task: SweepTask): Promise<SweepRow> {
  const job = loadJob(task.inputDir);
  const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-sweep-'));
  try {
    const network = { ...task.network, ranks: new Map(task.network.ranks) };
    const { arrivals, seedTimeSeconds, seed } = task;
    const churn = churnOf(job, { arrivals, seedTimeSeconds, seed, wallClock: false, stallTimeoutMs: STALL_TIMEOUT_MS });
    // The same pipeline as `sim run --transport virtual`: a sweep's run is that run, replayable by it.
    const doc = await runJob(job, {
      transport: 'virtual',
      strategy: task.strategy,
      freeRiders: task.freeRiders,
      churn,
      pipeline: 'auto',
      outDir,
      stallTimeoutMs: STALL_TIMEOUT_MS,
      virtual: { seed: task.seed, network },
    });
    const completions = doc.ranks.flatMap((rank) => (rank.completedSeconds === null ? [] : [rank.completedSeconds]));
    return {
      strategy: task.strategy.label,
      seed: task.seed,
      ok: doc.run.ok,
      jain: doc.load.jain,
      maxOverMean: doc.load.maxOverMean,
      completionSeconds: completions.length > 0 ? Math.max(...completions) : 0,
      medianCompletionSeconds: completions.length > 0 ? median(completions) : 0,
      transfers: doc.run.segmentsTransferred,
      messages: doc.run.messages,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
