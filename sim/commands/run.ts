import type { Pipeline } from '../../ranks/download.js';
import type { StrategyName } from '../../ranks/strategies/index.js';
import { InputError, loadJob, type Job } from '../inputs.js';
import { ensureDir, verifyOutputs } from '../outputs.js';
import type { MetricsDocument } from '../../reports/document.js';
import { runMetrics } from '../summary.js';
import type { ThreadFault } from '../transports/thread-control.js';
import { runOnThreads } from '../transports/threads.js';

export interface RunOptions {
  ranks?: number;
  outDir: string;
  strategy: StrategyName;
  pipeline: Pipeline;
  stallTimeoutMs: number;
  faults?: ReadonlyMap<number, ThreadFault>;
}

/** Runs a loaded job, then reads back and checks every output it implies. */
export async function runJob(job: Job, options: RunOptions): Promise<MetricsDocument> {
  for (const rank of options.faults?.keys() ?? []) {
    if (rank < 1 || rank >= job.ranks) throw new InputError('--fault', `rank ${rank} is not a client of this ${job.ranks}-rank job`);
  }
  const startedAt = new Date();
  const started = performance.now();
  await ensureDir(options.outDir);
  const result = await runOnThreads(job, options);
  const problems = await verifyOutputs(job, options.outDir);
  const wallSeconds = (performance.now() - started) / 1000;
  return runMetrics(job, result, { ...options, transport: 'threads', startedAt, wallSeconds, problems });
}

/** `sim run`: validates the inputs before any rank starts (InputError), then runs. */
export async function runCommand(inputDir: string, options: RunOptions): Promise<MetricsDocument> {
  return runJob(loadJob(inputDir, options.ranks), options);
}
