/**
 * The commands swarmsim prints for a person to paste back into a shell: a failed
 * virtual-time run, a failing case of `sim check`, a wrong plan of `sim faults --random`,
 * a failed pair of `sim sweep`. Built here alone, so every one quotes the same way.
 */
import { choiceArgument, type StrategyChoice } from '../strategies/choice.js';

/** Arguments made only of these characters need no quotes in any POSIX shell. */
const PLAIN = /^[\w./:=,@+-]+$/;

/** One argument as a POSIX shell reads it back: as is when plain, else single-quoted. */
export function shellQuote(arg: string): string {
  return PLAIN.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function commandLine(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

/** What a `sim run` replay needs; flags left undefined are left out. */
export interface ReplayedRun {
  inputDir: string;
  transport: string;
  /** The run seed; only virtual-time runs are replayed by it. */
  seed?: string;
  trackers?: number;
  /** `--tracker-state DIR`. */
  trackerState?: string;
  strategy?: StrategyChoice;
  /** `--free-riders K`; 0 is left out. */
  freeRiders?: number;
  /** `--arrivals` as given, and `--seed-time`. */
  arrivals?: string;
  seedTime?: number;
  faults?: readonly string[];
  /** The network flags as given, e.g. `--latency 2`. */
  networkArgs?: readonly string[];
}

/** `sim run DIR --transport T --seed S --trackers N --strategy X --fault F ... --latency ...` */
export function replayRun(run: ReplayedRun): string {
  const flag = (name: string, value: string | number | undefined): string[] => (value === undefined ? [] : [name, String(value)]);
  return commandLine([
    'sim',
    'run',
    run.inputDir,
    '--transport',
    run.transport,
    ...flag('--seed', run.transport === 'virtual' ? run.seed : undefined),
    ...flag('--trackers', run.trackers),
    ...flag('--tracker-state', run.trackerState),
    ...flag('--strategy', run.strategy && choiceArgument(run.strategy)),
    ...flag('--free-riders', run.freeRiders || undefined),
    ...flag('--arrivals', run.arrivals),
    ...flag('--seed-time', run.seedTime),
    ...(run.faults ?? []).flatMap((spec) => ['--fault', spec]),
    ...(run.networkArgs ?? []),
  ]);
}

/** The command line as it was typed (`args` after `sim`), with the seed added when it was left to its default. */
export function replayTyped(args: readonly string[], seed: string): string {
  const seeded = args.includes('--seed') || args.some((arg) => arg.startsWith('--seed='));
  return commandLine(['sim', ...args, ...(seeded ? [] : ['--seed', seed])]);
}
