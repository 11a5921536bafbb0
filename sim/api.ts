/**
 * swarmsim as a library: `import { runSwarm, generateCase, checkCases, sweep } from
 * 'swarmsim'`. Each function is a thin layer over the command the CLI's verb calls
 * (sim/commands/), with the CLI's defaults, so a script and `sim` give the same run for
 * the same options. Bad input is thrown as an `InputError` before anything starts, as the
 * CLI reports it with exit 2; a run that fails is a `RunFailure` with its exit code.
 */
import type { Pipeline } from '../ranks/download.js';
import { STRATEGY_NAMES, type StrategyName } from '../ranks/strategies/index.js';
import { parseChoice, StrategyChoiceError, type StrategyChoice } from './strategies/choice.js';
import type { MetricsDocument } from '../reports/document.js';
import { checkCommand, type CheckOutcome } from './commands/check.js';
import { genCommand } from './commands/gen.js';
import { runCommand } from './commands/run.js';
import { sweepCommand, type SweepOutcome } from './commands/sweep.js';
import { addFault, emptyPlan, type FaultPlan } from './faults/plan.js';
import type { GenOptions } from './job/generate.js';
import { arrivalSpec, seedTimeSeconds, ValueProblem, type ArrivalSpec } from './job/arrivals.js';
import { InputError, RunFailure } from './run/failures.js';
import { checkPacking } from './transports/rank-groups.js';
import { defaultNetwork, type VirtualSettings } from './run/pipeline.js';
import type { TransportName, WorkerCount } from './transports/transport.js';

export type { MetricsDocument } from '../reports/document.js';
export type { StrategyName } from '../ranks/strategies/index.js';
export type { Pipeline } from '../ranks/download.js';
export type { CheckOutcome } from './commands/check.js';
export type { SweepOutcome } from './commands/sweep.js';
export type { CaseResult, CaseRun, Failure } from './check/verdict.js';
export type { SweepRow } from './sweep/sweep-task.js';
export type { GenOptions } from './job/generate.js';
export type { TransportName, WorkerCount } from './transports/transport.js';
export { InputError, RunFailure } from './run/failures.js';
export { defineStrategy } from './strategies/define.js';
export type { SourceStrategy, StrategyContext, StrategyDefinition, DefinedStrategy } from './strategies/define.js';
export { STRATEGY_NAMES };

/** How a run goes: the options of `sim run`, named as the CLI's flags are. */
export interface RunSettings {
  /** Where the outputs (and the report) go; default `out`, as `--out`. */
  out?: string;
  /** Ranks in the job, tracker included; default the in<R>.txt present + 1. */
  ranks?: number;
  /** Default `threads`. */
  transport?: TransportName;
  /** A built-in strategy, or a module's path (`./mine.js`, `label=./mine.js`) exporting `defineStrategy(...)`; default `round-robin`. */
  strategy?: StrategyRef;
  pipeline?: Pipeline;
  /** Threads: worker threads for the clients, or 'all'. */
  workers?: WorkerCount;
  /** TCP: processes the clients share (rank groups), or 'all': one per client. */
  processes?: WorkerCount;
  /** End the run when no message moves for this long; default 10. */
  stallTimeoutSeconds?: number;
  trackers?: 1 | 2;
  /** As `--tracker-state`: the only tracker keeps its changes in this folder, and a restarted one reloads them. */
  trackerState?: string;
  /** Clients that never upload, as `--free-riders`; default 0. */
  freeRiders?: number;
  /** `--fault` specs, as on the command line (`kill:3@segments=100`). */
  faults?: readonly string[];
  /** When clients arrive, as `--arrivals`: `flash` (default), `poisson:RATE` or `file:FILE`. */
  arrivals?: string;
  /** As `--seed-time`: a client that finished stays this long, then leaves; default never. */
  seedTimeSeconds?: number;
  /** Virtual time: the seed; default '1'. */
  seed?: string;
  /** Write `<out>/report/`; default false here (the CLI's default is true). */
  report?: boolean;
}

/** A built-in strategy's name, or a module's path as `--strategy` takes it (relative to the working folder). */
export type StrategyRef = StrategyName | (string & {});

function choicesOf(refs: readonly StrategyRef[]): StrategyChoice[] {
  const choices = refs.map((ref) => {
    try {
      return parseChoice(ref);
    } catch (error) {
      if (error instanceof StrategyChoiceError) throw new InputError('strategy', error.message);
      throw error;
    }
  });
  const labels = choices.map((choice) => choice.label);
  const twice = labels.find((label, i) => labels.indexOf(label) !== i);
  if (twice !== undefined) throw new InputError('strategy', `${twice} is named twice`);
  return choices;
}

function faultPlan(specs: readonly string[] | undefined): FaultPlan | undefined {
  if (!specs || specs.length === 0) return undefined;
  return specs.reduce((plan, spec) => addFault(plan, spec), emptyPlan());
}

function virtualOf(settings: RunSettings): VirtualSettings | undefined {
  return settings.transport === 'virtual' ? { seed: settings.seed ?? '1', network: defaultNetwork() } : undefined;
}

/** The library's churn settings, checked as the options are, with the same words (sim/job/arrivals.ts). */
function churnSettings(settings: Pick<RunSettings, 'arrivals' | 'seedTimeSeconds'>): { arrivals?: ArrivalSpec; seedTimeSeconds?: number } {
  const checked = <T>(field: string, check: () => T): T => {
    try {
      return check();
    } catch (error) {
      if (error instanceof ValueProblem) throw new InputError(field, error.message);
      throw error;
    }
  };
  const { arrivals, seedTimeSeconds: seedTime } = settings;
  return {
    arrivals: arrivals === undefined ? undefined : checked('arrivals', () => arrivalSpec(arrivals)),
    seedTimeSeconds: seedTime === undefined ? undefined : checked('seedTimeSeconds', () => seedTimeSeconds(seedTime)),
  };
}

/** Runs the job in `inputDir` once, checks every output, and returns the run's metrics document. */
export async function runSwarm(inputDir: string, settings: RunSettings = {}): Promise<MetricsDocument> {
  checkPacking(settings.transport ?? 'threads', settings, (setting) => setting);
  const outcome = await runCommand(inputDir, {
    outDir: settings.out ?? 'out',
    ranks: settings.ranks,
    transport: settings.transport,
    strategies: choicesOf([settings.strategy ?? 'round-robin']),
    freeRiderCount: settings.freeRiders,
    ...churnSettings(settings),
    pipeline: settings.pipeline ?? 'auto',
    workers: settings.workers,
    processes: settings.processes,
    stallTimeoutMs: (settings.stallTimeoutSeconds ?? 10) * 1000,
    trackers: settings.trackers,
    trackerState: settings.trackerState,
    faults: faultPlan(settings.faults),
    virtual: virtualOf(settings),
    report: settings.report ?? false,
    progress: 'off',
  });
  if (outcome.reportProblems.length > 0) throw new RunFailure(outcome.reportProblems.join('\n'), 1);
  return outcome.runs[0];
}

/** Writes a case as `sim gen` does: in<R>.txt and the expected out<k>.txt; `seeders` 1 and `wants` 2 by default. */
export async function generateCase(
  dir: string,
  options: Omit<GenOptions, 'seeders' | 'wants' | 'seed'> & Partial<GenOptions>,
): Promise<{ inputs: number; files: number }> {
  return genCommand(dir, { seeders: 1, wants: 2, seed: '1', ...options });
}

export interface CheckSettings extends Pick<
  RunSettings,
  'transport' | 'pipeline' | 'workers' | 'processes' | 'stallTimeoutSeconds' | 'seed'
> {
  /** Runs of each case; default 1. */
  repeat?: number;
  /** Default ['round-robin']. */
  strategies?: StrategyRef[];
  /** Where each case's line goes; default nowhere. */
  write?: (text: string) => void;
}

/** Runs every case under `roots` (a case folder, or folders of cases) and compares its outputs with its out<k>.txt. */
export async function checkCases(roots: string | readonly string[], settings: CheckSettings = {}): Promise<CheckOutcome> {
  checkPacking(settings.transport ?? 'threads', settings, (setting) => setting);
  return checkCommand({
    roots: typeof roots === 'string' ? [roots] : [...roots],
    repeat: settings.repeat ?? 1,
    strategies: choicesOf(settings.strategies ?? ['round-robin']),
    builtin: {
      transport: settings.transport,
      virtual: virtualOf(settings),
      pipeline: settings.pipeline ?? 'auto',
      stallTimeoutMs: (settings.stallTimeoutSeconds ?? 10) * 1000,
      workers: settings.workers,
      processes: settings.processes,
      report: false,
    },
    write: settings.write ?? (() => undefined),
  });
}

export interface SweepSettings {
  /** Default every built-in strategy. */
  strategies?: StrategyRef[];
  /** Default 1..10. */
  seeds?: string[];
  /** Where the sweep's report goes; default `sweep`. */
  out?: string;
  /** Simulations at once; default one per core. */
  workers?: number;
  /** Clients that never upload, as `--free-riders`; default 0. */
  freeRiders?: number;
  /** As `--arrivals` and `--seed-time` (see RunSettings); each seed draws its own arrivals. */
  arrivals?: string;
  seedTimeSeconds?: number;
}

/** Runs the job once per (strategy, seed) in virtual time, in parallel, and writes the comparison report. */
export async function sweep(inputDir: string, settings: SweepSettings = {}): Promise<SweepOutcome> {
  return sweepCommand({
    inputDir,
    strategies: choicesOf(settings.strategies ?? STRATEGY_NAMES),
    freeRiderCount: settings.freeRiders,
    ...churnSettings(settings),
    seeds: settings.seeds ?? Array.from({ length: 10 }, (_, i) => String(i + 1)),
    network: defaultNetwork(),
    outDir: settings.out ?? 'sweep',
    workers: settings.workers,
  });
}
