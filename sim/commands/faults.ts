/**
 * `sim faults`: the fault matrix (each rank killed early, midway, late and at the last
 * transfer), or with `random`, that many seeded fault plans; every run judged, the verdicts
 * printed. With several strategies, the whole matrix or every plan runs with each in turn.
 */
import { Roles } from '../../ranks/roles.js';
import { builtinChoice, type StrategyChoice } from '../strategies/choice.js';
import { DEFAULT_POINTS, faultMatrix, formatMatrix, judgedRun, type MatrixCell } from '../check/fault-matrix.js';
import { drawPlans, replayCommand, type RandomRun } from '../check/random-faults.js';
import { loadJob, type Job } from '../job/inputs.js';
import { checkChoices } from '../strategies/load.js';
import { textTable } from '../cli/text-table.js';
import { EXIT_FAILED, EXIT_OK } from '../run/exit-codes.js';
import type { TransportName } from '../transports/names.js';

export interface FaultsCommandOptions {
  transport: TransportName;
  trackers: 1 | 2;
  /** The matrix runs with each of these; random plans draw one unless given. */
  strategies?: StrategyChoice[];
  seed: string;
  /** Run this many random plans (per strategy) instead of the matrix. */
  random?: number;
  /** Where the matrix, the verdicts and the totals go. */
  write: (text: string) => void;
  /** Where a line per finished run goes; none when quiet. */
  progress?: (line: string) => void;
}

/** One judged run, as --json lists it. */
export interface FaultRun {
  strategy: string;
  specs: string[];
  /** The matrix's point of the run (`early`, ...); absent for a random plan. */
  point?: string;
  exitCode: number;
  outcome: string;
  wrong?: string;
  /** For a random plan: the command that runs it again. */
  replay?: string;
}

export interface FaultsOutcome {
  runs: FaultRun[];
  exitCode: typeof EXIT_OK | typeof EXIT_FAILED;
}

const verdict = (run: { wrong?: string; outcome: string }): string => (run.wrong ? `WRONG: ${run.wrong}` : `exit ${run.outcome}`);

async function randomRuns(job: Job, inputDir: string, options: FaultsCommandOptions, strategy?: StrategyChoice): Promise<FaultRun[]> {
  const { write, progress } = options;
  const runs: RandomRun[] = [];
  for (const plan of drawPlans(job, options.transport, options.random ?? 0, options.seed)) {
    // The plans are drawn as always, strategy included, so that a seed names the same plans whatever --strategy says.
    const settings = strategy ? { ...plan.settings, strategy } : plan.settings;
    const run = { settings, specs: plan.specs, ...(await judgedRun(job, settings, plan.specs)) };
    progress?.(`${run.specs.join(' ')}: ${verdict(run)}`);
    runs.push(run);
  }
  const wrong = runs.filter((run) => run.wrong);
  for (const run of wrong) write(`WRONG ${run.wrong}\n  replay: ${replayCommand(inputDir, run)}\n`);
  const exits = new Map<number, number>();
  for (const { exitCode } of runs) exits.set(exitCode, (exits.get(exitCode) ?? 0) + 1);
  const tally = [...exits]
    .sort(([a], [b]) => a - b)
    .map(([code, n]) => `exit ${code}: ${n}`)
    .join(', ');
  const which = strategy ? ` with ${strategy.label}` : '';
  write(`random faults${which}: ${runs.length - wrong.length} of ${runs.length} runs right (${tally})\n`);
  return runs.map((run) => ({
    strategy: run.settings.strategy.label,
    specs: run.specs,
    exitCode: run.exitCode,
    outcome: run.outcome,
    ...(run.wrong ? { wrong: run.wrong, replay: replayCommand(inputDir, run) } : {}),
  }));
}

async function matrixRuns(job: Job, options: FaultsCommandOptions, strategy: StrategyChoice, named: boolean): Promise<FaultRun[]> {
  const { write, progress } = options;
  const settings = { transport: options.transport, trackers: options.trackers, strategy, seed: options.seed };
  const cells: MatrixCell[] = await faultMatrix(job, { ...settings, points: DEFAULT_POINTS }, (cell) =>
    progress?.(`${cell.spec} (${cell.point}): ${verdict(cell)}`),
  );
  const roles = Roles.forJob(job.ranks, options.trackers);
  const header = ['killed rank', ...DEFAULT_POINTS.map((p) => `${p.label} (${Math.round(p.share * 100)}% of transfers)`)];
  if (named) write(`strategy ${strategy.label}:\n`);
  write(`${textTable(header, formatMatrix(cells, roles, DEFAULT_POINTS), true)}\n`);
  const wrong = cells.filter((cell) => cell.wrong);
  for (const cell of wrong) write(`WRONG ${cell.spec}: ${cell.wrong}\n`);
  write(`faults${named ? ` with ${strategy.label}` : ''}: ${cells.length - wrong.length} of ${cells.length} runs right\n`);
  return cells.map((cell) => ({
    strategy: strategy.label,
    specs: [cell.spec],
    point: cell.point,
    exitCode: cell.exitCode,
    outcome: cell.outcome,
    ...(cell.wrong ? { wrong: cell.wrong } : {}),
  }));
}

/** Runs the matrix or the random plans, for each strategy in turn. */
export async function faultsCommand(inputDir: string, options: FaultsCommandOptions): Promise<FaultsOutcome> {
  const job = loadJob(inputDir);
  await checkChoices(options.strategies ?? [], job.ranks, job.clients.length);
  const runs: FaultRun[] = [];
  if (options.random !== undefined) {
    for (const strategy of options.strategies ?? [undefined]) runs.push(...(await randomRuns(job, inputDir, options, strategy)));
  } else {
    const strategies = options.strategies ?? [builtinChoice('round-robin')];
    for (const strategy of strategies) runs.push(...(await matrixRuns(job, options, strategy, strategies.length > 1)));
  }
  return { runs, exitCode: runs.some((run) => run.wrong) ? EXIT_FAILED : EXIT_OK };
}
