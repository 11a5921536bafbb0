/**
 * `sim faults`: the fault matrix (each rank killed early, midway, late and at the last
 * transfer), or with `random`, that many seeded fault plans; every run judged, the verdicts
 * printed.
 */
import { Roles } from '../../ranks/roles.js';
import type { StrategyName } from '../../ranks/strategies/index.js';
import { DEFAULT_POINTS, faultMatrix, formatMatrix } from '../check/fault-matrix.js';
import { randomFaults, replayCommand } from '../check/random-faults.js';
import { loadJob } from '../job/inputs.js';
import { textTable } from '../cli/text-table.js';
import type { TransportName } from '../transports/names.js';

export interface FaultsCommandOptions {
  transport: TransportName;
  trackers: 1 | 2;
  strategy: StrategyName;
  seed: string;
  /** Run this many random plans instead of the matrix. */
  random?: number;
  /** Where the matrix, the verdicts and the totals go. */
  write: (text: string) => void;
  /** Where a line per finished run goes; none when quiet. */
  progress?: (line: string) => void;
}

/** Runs the matrix or the random plans; true when every run was right. */
export async function faultsCommand(inputDir: string, options: FaultsCommandOptions): Promise<boolean> {
  const job = loadJob(inputDir);
  const { write, progress } = options;
  const verdict = (run: { wrong?: string; outcome: string }): string => (run.wrong ? `WRONG: ${run.wrong}` : `exit ${run.outcome}`);
  if (options.random !== undefined) {
    const runs = await randomFaults(job, options.transport, options.random, options.seed, (run) =>
      progress?.(`${run.specs.join(' ')}: ${verdict(run)}`),
    );
    const wrong = runs.filter((run) => run.wrong);
    for (const run of wrong) write(`WRONG ${run.wrong}\n  replay: ${replayCommand(inputDir, run)}\n`);
    const exits = new Map<number, number>();
    for (const { exitCode } of runs) exits.set(exitCode, (exits.get(exitCode) ?? 0) + 1);
    const tally = [...exits]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `exit ${code}: ${n}`)
      .join(', ');
    write(`random faults: ${runs.length - wrong.length} of ${runs.length} runs right (${tally})\n`);
    return wrong.length === 0;
  }
  const settings = { transport: options.transport, trackers: options.trackers, strategy: options.strategy, seed: options.seed };
  const cells = await faultMatrix(job, { ...settings, points: DEFAULT_POINTS }, (cell) =>
    progress?.(`${cell.spec} (${cell.point}): ${verdict(cell)}`),
  );
  const roles = Roles.forJob(job.ranks, options.trackers);
  const header = ['killed rank', ...DEFAULT_POINTS.map((p) => `${p.label} (${Math.round(p.share * 100)}% of transfers)`)];
  write(`${textTable(header, formatMatrix(cells, roles, DEFAULT_POINTS), true)}\n`);
  const wrong = cells.filter((cell) => cell.wrong);
  for (const cell of wrong) write(`WRONG ${cell.spec}: ${cell.wrong}\n`);
  write(`faults: ${cells.length - wrong.length} of ${cells.length} runs right\n`);
  return wrong.length === 0;
}
