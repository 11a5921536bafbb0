import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { StrategyName } from '../../ranks/strategies/index.js';
import { loadJob } from '../job/inputs.js';
import { summarize, writeSweepReport, type StrategySummary } from '../sweep/sweep-report.js';
import type { SweepRow, SweepTask } from '../sweep/sweep-task.js';
import type { NetworkSettings } from '../transports/virtual/network-model.js';

export interface SweepOptions {
  inputDir: string;
  strategies: StrategyName[];
  seeds: string[];
  network: NetworkSettings;
  outDir: string;
  /** Worker threads; default every core. */
  threads?: number;
  onRow?: (row: SweepRow, done: number, total: number) => void;
}

/**
 * `sim sweep`: every (strategy, seed) pair as an independent virtual-time run, one piscina
 * task each, spread over every core; then the comparison report.
 */
export async function sweepCommand(options: SweepOptions): Promise<{ rows: SweepRow[]; summaries: StrategySummary[]; files: string[] }> {
  loadJob(options.inputDir);
  const threads = options.threads ?? availableParallelism();
  const pool = new Piscina<SweepTask, SweepRow>({
    filename: new URL('../sweep/sweep-task.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const network = { ...options.network, ranks: [...options.network.ranks] };
  const pairs = options.strategies.flatMap((strategy) => options.seeds.map((seed) => ({ strategy, seed })));
  let done = 0;
  try {
    const rows = await Promise.all(
      pairs.map(async ({ strategy, seed }) => {
        const row = await pool.run({ inputDir: options.inputDir, strategy, seed, network });
        options.onRow?.(row, ++done, pairs.length);
        return row;
      }),
    );
    const summaries = summarize(rows);
    const files = await writeSweepReport(options.outDir, rows, summaries);
    return { rows, summaries, files };
  } finally {
    await pool.destroy();
  }
}
