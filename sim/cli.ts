#!/usr/bin/env node
/** Argument parsing only: each verb hands off to sim/commands/. */
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Pipeline } from '../ranks/download.js';
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from '../ranks/strategies/index.js';
import type { GenOptions } from './job/generate.js';
import { InputError, RunFailure } from './run/failures.js';
import { addFault, emptyPlan, FAULT_FORMS, type FaultPlan } from './faults/plan.js';
import { MAX_COUNT } from './job/limits.js';
import type { ProgressMode } from './cli/progress.js';
import type { ThreadFault } from './transports/threads/protocol.js';
import { TRANSPORT_NAMES, type TransportName } from './transports/names.js';
import type { VirtualSettings } from './commands/run.js';
import type { NetworkSettings } from './transports/virtual/network-model.js';
import { NETWORK_DEFAULTS } from './transports/virtual/network-defaults.js';

// Each verb loads its modules when it runs: a rank process started by a launcher should
// not pay for the report, check and generator code at every start.
const commands = {
  run: () => import('./commands/run.js'),
  rank: () => import('./commands/rank.js'),
  check: () => import('./commands/check.js'),
  gen: () => import('./commands/gen.js'),
  generate: () => import('./job/generate.js'),
  metrics: () => import('./run/metrics-file.js'),
  summary: () => import('./cli/summary.js'),
  sweep: () => import('./commands/sweep.js'),
  faults: () => import('./commands/faults.js'),
};

/** Exit codes: 0 success, 1 wrong output or a failed run, 2 bad input or usage. */
const EXIT_BAD_INPUT = 2;

function wholeNumber(min: number, max = MAX_COUNT) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
}

function pipeline(text: string): Pipeline {
  return text === 'auto' ? 'auto' : wholeNumber(1, 4096)(text);
}

/** Timers hold at most 2^31 - 1 ms (24.8 days); a longer wait would fire at once. */
const MAX_SECONDS = 2_000_000;

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > MAX_SECONDS) {
    throw new InvalidArgumentError(`expected a number of seconds from 0 to ${MAX_SECONDS}, got "${text}"`);
  }
  return value;
}

function strategyList(text: string): StrategyName[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!isStrategyName(name)) throw new InvalidArgumentError(`unknown strategy "${name}"; choose from ${STRATEGY_NAMES.join(', ')}`);
  }
  return names as StrategyName[];
}

/** Strategies name runs well unless two runs share one; then folder names do. */
function defaultLabels(dirs: string[], strategies: string[]): string[] {
  return new Set(strategies).size === strategies.length ? strategies : dirs.map((dir) => basename(resolve(dir)));
}

function strategyOption(): Option {
  return new Option('--strategy <name>', 'how a client picks the holder to ask').choices(STRATEGY_NAMES).default('round-robin');
}

function range(text: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || min < 1 || max < min || max > MAX_COUNT) {
    throw new InvalidArgumentError(`expected S or MIN-MAX segments (1 to ${MAX_COUNT}), got "${text}"`);
  }
  return { min, max };
}

function fault(text: string, previous: Map<number, ThreadFault> = new Map()): Map<number, ThreadFault> {
  const match = /^(crash|exit|stall|refuse):(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError(`expected crash:RANK, exit:RANK, stall:RANK or refuse:RANK, got "${text}"`);
  return previous.set(Number(match[2]), match[1] as ThreadFault);
}

function faultSpec(text: string, previous: FaultPlan = emptyPlan()): FaultPlan {
  return addFault(previous, text);
}

function transportOption(): Option {
  return new Option(
    '--transport <name>',
    'threads: clients in worker threads; tcp: one process per rank over loopback TCP; virtual: every rank in one thread, in simulated time, reproducible by --seed',
  )
    .choices(TRANSPORT_NAMES)
    .default('threads');
}

/** Flags that only the virtual transport reads are refused elsewhere rather than ignored. */
function checkVirtualFlags(transport: TransportName, flags: VirtualFlags): void {
  if (transport === 'virtual') return;
  const given = [
    ['--seed', flags.seed],
    ['--trace', flags.trace],
    ['--check-determinism', flags.checkDeterminism],
    ...networkArgs(flags)
      .filter((_, i) => i % 2 === 0)
      .map((flag) => [flag, true]),
  ].filter(([, value]) => value !== undefined);
  if (given.length > 0) throw new InputError(String(given[0][0]), 'applies to --transport virtual only');
}

/** Packing clients into workers means nothing when each rank is a process. */
function checkWorkersFlag(transport: TransportName, workers: number | undefined): void {
  if (workers !== undefined && transport !== 'threads') throw new InputError('--workers', `applies to the threads transport only`);
}

interface NetworkFlags {
  latency?: number;
  upload?: number;
  download?: number;
  segmentSize?: number;
  network?: string;
}

interface VirtualFlags extends NetworkFlags {
  seed?: string;
  trace?: string;
  checkDeterminism?: boolean;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a positive number, got "${text}"`);
  return value;
}

/** The virtual transport's flags: seed, network model, trace. */
function withVirtualOptions(command: Command): Command {
  return withNetworkOptions(command)
    .option('--seed <x>', 'virtual transport: the run seed; same seed, same run (default 1)')
    .option('--trace <file>', 'virtual transport: write every message to this JSON Lines file')
    .option('--check-determinism', 'virtual transport: run twice and fail, naming the first differing event, if the runs differ');
}

/** The network model's flags. */
function withNetworkOptions(command: Command): Command {
  return command
    .option('--latency <ms>', `virtual transport: link latency in ms (default ${NETWORK_DEFAULTS.latencyMs})`, positiveNumber)
    .option('--upload <mbps>', `virtual transport: each client's upload in Mbit/s (default ${NETWORK_DEFAULTS.uploadMbps})`, positiveNumber)
    .option(
      '--download <mbps>',
      `virtual transport: each client's download in Mbit/s (default ${NETWORK_DEFAULTS.downloadMbps})`,
      positiveNumber,
    )
    .option('--segment-size <kib>', `virtual transport: segment size in KiB (default ${NETWORK_DEFAULTS.segmentKiB})`, positiveNumber)
    .option('--network <file>', 'virtual transport: a JSON network scenario (global values and per-rank links)');
}

/** Defaults, then the scenario file, then flags; the file's per-rank links on top. */
async function networkSettings(flags: NetworkFlags): Promise<NetworkSettings> {
  const { readScenario } = await import('./transports/virtual/network-model.js');
  const file = flags.network ? readScenario(flags.network) : {};
  const pick = <T>(flag: T | undefined, fromFile: T | undefined, fallback: T): T => flag ?? fromFile ?? fallback;
  return {
    latencyMs: pick(flags.latency, file.latencyMs, NETWORK_DEFAULTS.latencyMs),
    uploadMbps: pick(flags.upload, file.uploadMbps, NETWORK_DEFAULTS.uploadMbps),
    downloadMbps: pick(flags.download, file.downloadMbps, NETWORK_DEFAULTS.downloadMbps),
    segmentKiB: pick(flags.segmentSize, file.segmentKiB, NETWORK_DEFAULTS.segmentKiB),
    ranks: file.ranks ?? new Map(),
  };
}

/** The network flags as given, for a replay command. */
function networkArgs(flags: NetworkFlags): string[] {
  const given: [string, string | number | undefined][] = [
    ['--latency', flags.latency],
    ['--upload', flags.upload],
    ['--download', flags.download],
    ['--segment-size', flags.segmentSize],
    ['--network', flags.network],
  ];
  return given.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
}

async function virtualSettings(flags: VirtualFlags): Promise<VirtualSettings> {
  return {
    seed: flags.seed ?? '1',
    tracePath: flags.trace,
    checkDeterminism: flags.checkDeterminism,
    network: await networkSettings(flags),
    networkArgs: networkArgs(flags),
  };
}

/** Seeds as `1..20`, `3,5,8` or a mix of both. */
function seedList(text: string): string[] {
  const seeds: string[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part.trim());
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from > 100_000) throw new InvalidArgumentError(`expected FROM..TO with FROM <= TO, got "${part}"`);
      for (let seed = from; seed <= to; seed++) seeds.push(String(seed));
    } else if (part.trim() !== '') {
      seeds.push(part.trim());
    }
  }
  if (seeds.length === 0) throw new InvalidArgumentError(`expected seeds such as 1..20 or 3,5,8, got "${text}"`);
  return seeds;
}

/** The command line that replays this virtual-time run, seed included. */
function replayCommand(seed: string): string {
  const args = process.argv.slice(2);
  if (!args.includes('--seed') && !args.some((arg) => arg.startsWith('--seed='))) args.push('--seed', seed);
  return ['sim', ...args].map((arg) => (/^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');
}

interface RunFlags extends VirtualFlags {
  ranks?: number;
  transport: TransportName;
  out: string;
  strategy: StrategyName[];
  pipeline: Pipeline;
  stallTimeout: number;
  json?: boolean;
  quiet?: boolean;
  workers?: number;
  progress: ProgressMode | 'auto';
  fault?: FaultPlan;
  trackers: 1 | 2;
  dumpTracker?: boolean;
}

interface GenFlags extends Partial<Pick<GenOptions, 'ranks' | 'files' | 'segments'>> {
  seeders: number;
  wants: number;
  seed: string;
  assignmentLimits?: boolean;
  suite?: boolean;
  count: number;
}

interface CheckFlags extends VirtualFlags {
  transport: TransportName;
  golden?: boolean;
  update?: boolean;
  strategy: StrategyName;
  pipeline: Pipeline;
  stallTimeout: number;
  repeat: number;
  junit?: string;
  exec?: string;
  timeout: number;
  compareBuiltin?: boolean;
  keepFailures?: string;
  workers?: number;
}

const program = new Command('sim')
  .description('swarmsim: run, generate and check BitTorrent-like swarms of MPI-style ranks')
  .option('--verbose', 'print stack traces of failures')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`sim: ${text.replace(/^error: /, '')}`) });

withVirtualOptions(
  program
    .command('run')
    .description(
      'run a job (tracker in the main thread, clients in worker threads; or one process per rank over TCP; or all in virtual time); writes outputs and a report',
    )
    .argument('<input-dir>', 'folder holding in1.txt .. in<N-1>.txt')
    .option('-n, --ranks <n>', 'ranks in the job, tracker included (-np works too; default: in*.txt + 1)', wholeNumber(3))
    .option('--out <dir>', 'where client<R>_<file> outputs and report/ are written', 'out')
    .addOption(transportOption())
    .option(
      '--strategy <names>',
      `how a client picks the holder to ask: ${STRATEGY_NAMES.join(', ')}; several, comma-separated, run one after another and are compared`,
      strategyList,
      ['round-robin'],
    )
    .option('--pipeline <n>', "segment requests a client keeps in flight ('auto': one per 20 segments wanted, 8 to 256)", pipeline, 'auto')
    .option('--stall-timeout <seconds>', 'end the run when no message moves for this long', seconds, 10)
    .option(
      '--workers <n>',
      'worker threads for the clients (default: one per client; fewer start faster for many ranks)',
      wholeNumber(1, 100000),
    )
    .option('--json', 'print the metrics document (one JSON object; {"runs": [...]} for several strategies)')
    .option('--quiet', 'no live progress (same as --progress off)')
    .addOption(
      new Option(
        '--progress <mode>',
        'live progress on stderr: a bar redrawn in place, a line a second, or none; auto picks bar on a terminal',
      )
        .choices(['auto', 'bar', 'lines', 'off'])
        .default('auto'),
    )
    .addOption(
      new Option('--trackers <n>', 'trackers: 2 adds a standby that takes over when rank 0 is lost')
        .choices(['1', '2'])
        .default(1)
        .argParser((text) => Number(text) as 1 | 2),
    )
    .option(`--fault <spec>`, `inject a fault, repeatable: ${FAULT_FORMS} (see docs/faults.md)`, faultSpec)
    .option('--dump-tracker', "print the tracker's swarm table at the end (per file: seeds, peers, completed downloads)"),
).action(async (inputDir: string, flags: RunFlags) => {
  checkWorkersFlag(flags.transport, flags.workers);
  checkVirtualFlags(flags.transport, flags);
  const { runCommand } = await commands.run();
  const isVirtual = flags.transport === 'virtual';
  const replay = (): void => {
    if (isVirtual) process.stderr.write(`replay: ${replayCommand(flags.seed ?? '1')}\n`);
  };
  const outcome = await runCommand(inputDir, {
    virtual: isVirtual ? await virtualSettings(flags) : undefined,
    ranks: flags.ranks,
    transport: flags.transport,
    outDir: flags.out,
    strategies: flags.strategy,
    pipeline: flags.pipeline,
    stallTimeoutMs: flags.stallTimeout * 1000,
    workers: flags.workers,
    faults: flags.fault,
    trackers: flags.trackers,
    progress: flags.quiet ? 'off' : flags.progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : flags.progress,
  }).catch((error: unknown) => {
    // The replay line goes under the failure, where the eye lands.
    if (isVirtual && error instanceof RunFailure) {
      throw new RunFailure(`${error.message}\nreplay: ${replayCommand(flags.seed ?? '1')}`, error.exitCode, error.detail);
    }
    throw error;
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(outcome.runs.length === 1 ? outcome.runs[0] : { runs: outcome.runs })}\n`);
  } else {
    const { formatSummary, formatSwarmTable } = await commands.summary();
    const summaries = outcome.runs.map((doc) =>
      flags.dumpTracker ? `${formatSummary(doc)}\n\n${formatSwarmTable(doc)}` : formatSummary(doc),
    );
    process.stdout.write(`${summaries.join('\n\n')}\nreport: ${outcome.reports.map((dir) => join(dir, 'index.html')).join(', ')}\n`);
  }
  const { runExitCode, EXIT_INCOMPLETE } = await import('./faults/report.js');
  // A wrong output outweighs an unsaved one.
  const codes = outcome.runs.map(runExitCode);
  if (codes.includes(1)) {
    replay();
    process.exitCode = 1;
  } else if (codes.some((code) => code !== 0)) process.exitCode = EXIT_INCOMPLETE;
});

program
  .command('report')
  .description("redraw a run's report (charts, CSV, index.html) from its metrics.json")
  .argument('<run-dir>', 'a run folder (its --out), its report/ folder, or a metrics.json')
  .action(async (runDir: string) => {
    const { readMetrics } = await commands.metrics();
    const { file, doc } = await readMetrics(runDir);
    const { writeRunReport } = await import('../reports/write.js');
    const dir = dirname(file);
    const written = await writeRunReport(dir, doc);
    process.stdout.write(`wrote ${written.length} files to ${dir}\n`);
  });

program
  .command('compare')
  .description('a side-by-side report of several runs (e.g. one strategy against another on the same inputs)')
  .argument('<run-dir...>', 'run folders, report/ folders or metrics.json files')
  .option('--out <dir>', 'where the comparison is written', 'compare')
  .option('--labels <names>', 'comma-separated labels, one per run (default: strategy, or folder name when strategies repeat)')
  .action(async (runDirs: string[], flags: { out: string; labels?: string }) => {
    if (runDirs.length < 2) throw new InputError('compare', 'needs at least two runs');
    const { readMetrics } = await commands.metrics();
    const runs = await Promise.all(runDirs.map(readMetrics));
    const labels =
      flags.labels?.split(',') ??
      defaultLabels(
        runDirs,
        runs.map(({ doc }) => doc.run.strategy),
      );
    if (labels.length !== runs.length) throw new InputError('--labels', `${labels.length} labels for ${runs.length} runs`);
    const { writeCompareReport } = await import('../reports/write.js');
    await writeCompareReport(
      flags.out,
      runs.map(({ doc }, i) => ({ label: labels[i], doc })),
    );
    process.stdout.write(`comparison of ${runs.length} runs written to ${join(flags.out, 'index.html')}\n`);
  });

program
  .command('gen')
  .description('write a valid random job (in<R>.txt) and its expected outputs (out<k>.txt), or a varied suite of them')
  .argument('<out-dir>', 'folder to write into')
  .option('--ranks <n>', 'ranks in the job, tracker included', wholeNumber(3))
  .option('--files <f>', 'number of files', wholeNumber(1))
  .option('--segments <s>', 'segments per file: S, or MIN-MAX for a count drawn per file', range)
  .option('--seeders <k>', 'owners of each file', wholeNumber(1), 1)
  .option('--wants <w>', 'files each client wants, at most', wholeNumber(0), 2)
  .option('--seed <x>', 'random seed: same arguments and seed, same files', '1')
  .option('--assignment-limits', "refuse sizes beyond the original assignment's (10 files, 100 segments, names of 15 characters)")
  .option(
    '--suite',
    'write --count varied cases (tiny files, every file index to 10, one seed, many seeds, idle clients, maximum sizes), all within the assignment limits',
  )
  .option('--count <n>', 'cases in a --suite', wholeNumber(1, 100000), 12)
  .action(async (outDir: string, flags: GenFlags) => {
    if (flags.suite) {
      const { genSuite } = await commands.gen();
      const names = await genSuite(outDir, flags.count, String(flags.seed));
      process.stdout.write(`wrote ${names.length} cases to ${outDir}\n`);
      return;
    }
    const { ranks, files, segments } = flags;
    if (ranks === undefined || files === undefined || segments === undefined) {
      throw new InputError('gen', '--ranks, --files and --segments are required (or --suite)');
    }
    const options: GenOptions = { ranks, files, segments, seeders: flags.seeders, wants: flags.wants, seed: String(flags.seed) };
    if (options.seeders > ranks - 1) {
      throw new InputError('--seeders', `${options.seeders} owners per file, but there are only ${ranks - 1} clients`);
    }
    const beyond = flags.assignmentLimits ? (await commands.generate()).assignmentLimitProblem(options) : undefined;
    if (beyond) throw new InputError('--assignment-limits', beyond);
    const { genCommand } = await commands.gen();
    const written = await genCommand(outDir, options);
    process.stdout.write(`wrote ${written.inputs} inputs and ${written.files} expected outputs to ${outDir}\n`);
  });

withVirtualOptions(
  program
    .command('check')
    .description(
      'run every case folder (with swarmsim, or any implementation with --exec) and compare outputs with its out<k>.txt (like diff -w)',
    )
    .argument('<suite-dir...>', 'case folders, or folders holding them')
    .option('--repeat <k>', 'runs per case (races show up only sometimes)', wholeNumber(1, 100000), 1)
    .option(
      '--exec <command>',
      "check this command instead, run in a fresh folder holding the case's in*.txt; {ranks}, {dir} and {port} (a free TCP port) are replaced, ./paths are found where sim check started",
    )
    .option('--timeout <seconds>', 'with --exec: kill a run (its whole process group) after this long', seconds, 20)
    .option('--compare-builtin', "with --exec: also run swarmsim's own implementation, and show both side by side")
    .option('--keep-failures <dir>', "keep each failing run's folder here (outputs, and a command's stdout.txt/stderr.txt)")
    .option('--junit <file>', 'also write JUnit XML here')
    .option('--golden', "with --transport virtual: also compare each case's load figures with its golden-<strategy>-seed<seed>.json")
    .option('--update', 'with --golden: rewrite the golden files instead of comparing')
    .addOption(transportOption())
    .addOption(strategyOption())
    .option('--pipeline <n>', 'segment requests a client keeps in flight', pipeline, 'auto')
    .option('--stall-timeout <seconds>', 'fail a run when no message moves for this long', seconds, 10)
    .option('--workers <n>', 'worker threads for the clients (default: one per client)', wholeNumber(1, 100000)),
).action(async (roots: string[], flags: CheckFlags) => {
  if (flags.compareBuiltin && !flags.exec) throw new InputError('--compare-builtin', 'goes with --exec');
  checkWorkersFlag(flags.transport, flags.workers);
  checkVirtualFlags(flags.transport, flags);
  if ((flags.golden || flags.update) && flags.transport !== 'virtual') {
    throw new InputError(flags.update ? '--update' : '--golden', 'goes with --transport virtual: only virtual-time runs repeat exactly');
  }
  if ((flags.golden || flags.update) && flags.exec) throw new InputError('--golden', 'checks swarmsim itself, not an --exec command');
  const { checkCommand } = await commands.check();
  const outcome = await checkCommand({
    roots,
    repeat: flags.repeat,
    builtin: {
      transport: flags.transport,
      virtual: flags.transport === 'virtual' ? await virtualSettings(flags) : undefined,
      golden: flags.update ? 'update' : flags.golden ? 'compare' : undefined,
      strategy: flags.strategy,
      pipeline: flags.pipeline,
      stallTimeoutMs: flags.stallTimeout * 1000,
      workers: flags.workers,
    },
    exec: flags.exec ? { command: flags.exec, timeoutMs: flags.timeout * 1000, origin: process.cwd() } : undefined,
    compareBuiltin: flags.compareBuiltin,
    junit: flags.junit,
    keepFailures: flags.keepFailures,
    write: (text) => process.stdout.write(text),
  });
  if (!outcome.passed) process.exitCode = 1;
});

interface FaultsFlags {
  trackers: 1 | 2;
  strategy: StrategyName;
  seed: string;
  transport: TransportName;
  random?: number;
  quiet?: boolean;
}

program
  .command('faults')
  .description(
    'the fault matrix: kill each rank in turn early, midway, late and at the last transfer of the run (in virtual time unless --transport says otherwise), and check that every run completes with correct outputs or exits 4 naming exactly what could not be saved',
  )
  .argument('<input-dir>', 'folder holding in1.txt .. in<N-1>.txt')
  .addOption(
    new Option('--trackers <n>', 'trackers: 2 adds a standby')
      .choices(['1', '2'])
      .default(1)
      .argParser((text) => Number(text) as 1 | 2),
  )
  .addOption(strategyOption())
  .option('--seed <x>', 'the run seed', '1')
  .addOption(
    new Option('--transport <name>', 'virtual (seeded, reproducible), threads, or tcp (one process per rank)')
      .choices(TRANSPORT_NAMES)
      .default('virtual'),
  )
  .option(
    '--random <n>',
    'instead of the matrix, n plans drawn from --seed: one or two kills or restarts at random points, lossy links and slow ranks, random trackers and strategy',
    wholeNumber(1),
  )
  .option('--quiet', 'no line per finished run')
  .action(async (inputDir: string, flags: FaultsFlags) => {
    const { faultsCommand } = await commands.faults();
    const right = await faultsCommand(inputDir, {
      ...flags,
      write: (text) => process.stdout.write(text),
      progress: flags.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    if (!right) process.exitCode = 1;
  });

interface SweepFlags extends NetworkFlags {
  strategy: StrategyName[];
  seeds: string[];
  out: string;
  threads?: number;
  quiet?: boolean;
}

withNetworkOptions(
  program
    .command('sweep')
    .description(
      'run every (strategy, seed) pair as an independent virtual-time simulation, on every core, and compare the strategies: mean and spread of load and completion, as CSV and charts',
    )
    .argument('<input-dir>', 'folder holding in1.txt .. in<N-1>.txt')
    .option('--strategy <names>', `strategies to compare, comma-separated: ${STRATEGY_NAMES.join(', ')}`, strategyList, [...STRATEGY_NAMES])
    .option('--seeds <list>', 'seeds: 1..20, 3,5,8, or both', seedList, seedList('1..10'))
    .option('--out <dir>', 'where runs.csv, summary.csv, the charts and index.html go', 'sweep')
    .option('--threads <n>', 'worker threads (default: one per core)', wholeNumber(1, 1024))
    .option('--quiet', 'no line per finished run'),
).action(async (inputDir: string, flags: SweepFlags) => {
  const { sweepCommand } = await commands.sweep();
  const { textTable } = await import('./cli/text-table.js');
  const outcome = await sweepCommand({
    inputDir,
    strategies: flags.strategy,
    seeds: flags.seeds,
    network: await networkSettings(flags),
    outDir: flags.out,
    threads: flags.threads,
    onRow: flags.quiet
      ? undefined
      : (row, done, total) =>
          process.stderr.write(
            row.problem !== undefined
              ? `[${done}/${total}] ${row.strategy} seed ${row.seed}: FAILED\n`
              : `[${done}/${total}] ${row.strategy} seed ${row.seed}: Jain ${row.jain.toFixed(3)}, done at ${row.completionSeconds.toFixed(2)} s${row.ok ? '' : ', WRONG OUTPUT'}\n`,
          ),
  });
  for (const row of outcome.rows.filter((r) => r.problem !== undefined)) {
    const replay = ['sim run', inputDir, '--transport virtual', `--seed ${row.seed}`, `--strategy ${row.strategy}`, ...networkArgs(flags)];
    process.stderr.write(`sim: ${row.strategy}, seed ${row.seed}: ${row.problem}\nreplay: ${replay.join(' ')}\n`);
  }
  const pm = (f: { mean: number; stddev: number }, digits: number): string => `${f.mean.toFixed(digits)} ± ${f.stddev.toFixed(digits)}`;
  const rows = outcome.summaries.map((s) => [
    s.strategy,
    `${s.runs - s.failed}/${s.runs}`,
    pm(s.figures.jain, 3),
    pm(s.figures.maxOverMean, 2),
    pm(s.figures.completionSeconds, 2),
  ]);
  process.stdout.write(
    `${textTable(['strategy', 'correct', "Jain's index", 'max/mean', 'last client done (s)'], rows, true)}\nreport: ${join(flags.out, 'index.html')}\n`,
  );
  if (outcome.summaries.some((s) => s.failed > 0)) process.exitCode = 1;
});

interface RankFlags {
  rank?: number;
  size?: number;
  coordinator?: string;
  bind?: string;
  jobKeyFile?: string;
  out: string;
  strategy: StrategyName;
  pipeline: Pipeline;
  stallTimeout: number;
  connectTimeout: number;
  report: boolean;
  json?: boolean;
  fault?: Map<number, ThreadFault>;
  trackers: 1 | 2;
}

program
  .command('rank')
  .description(
    'one rank of a job over TCP, as a launcher starts it (mpirun -np 6 sim rank inputs/ --coordinator host0:7077); ' +
      'rank 0 runs the tracker and writes, checks and reports every output',
  )
  .argument('<input-dir>', "folder holding this rank's in<R>.txt (each host reads its own)")
  .option('--rank <r>', 'this rank (default: from OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK, SLURM_PROCID or RANK)', wholeNumber(0))
  .option('--size <n>', 'ranks in the job (default: from OMPI_COMM_WORLD_SIZE, PMI_SIZE, SLURM_NTASKS or WORLD_SIZE)', wholeNumber(3))
  .option('--coordinator <host:port>', "rank 0's address (default: MASTER_ADDR and MASTER_PORT)")
  .option('--bind <addr>', 'the local address to listen on and be reached at (default: the one that reaches rank 0)')
  .option('--job-key-file <file>', 'file holding the job key (default: the SIM_JOB_KEY variable)')
  .option('--out <dir>', "where outputs are written (rank 0 also writes every client's, and report/)", 'out')
  .addOption(strategyOption())
  .option('--pipeline <n>', 'segment requests a client keeps in flight (rank 0 decides for all)', pipeline, 'auto')
  .option('--stall-timeout <seconds>', 'rank 0 ends the job when no message moves for this long', seconds, 10)
  .option('--connect-timeout <seconds>', 'how long ranks wait for one another to start', seconds, 30)
  .option('--no-report', 'rank 0 skips writing report/')
  .option('--json', 'rank 0 prints the metrics document')
  .addOption(new Option('--fault <kind:rank>', 'make a rank fail (to test failure handling)').argParser(fault).hideHelp())
  // Set by `sim run --transport tcp --trackers 2`, whose own process coordinates: under a launcher rank 0 does.
  .addOption(
    new Option('--trackers <n>')
      .choices(['1', '2'])
      .default(1)
      .argParser((text) => Number(text) as 1 | 2)
      .hideHelp(),
  )
  .action(async (inputDir: string, flags: RankFlags) => {
    const { rankCommand } = await commands.rank();
    const outcome = await rankCommand({
      inputDir,
      outDir: flags.out,
      rank: flags.rank,
      size: flags.size,
      coordinator: flags.coordinator,
      bind: flags.bind,
      jobKeyFile: flags.jobKeyFile,
      strategy: flags.strategy,
      pipeline: flags.pipeline,
      stallTimeoutMs: flags.stallTimeout * 1000,
      connectTimeoutMs: flags.connectTimeout * 1000,
      report: flags.report,
      faults: flags.fault,
      trackers: flags.trackers,
    });
    if (!('doc' in outcome)) {
      process.exitCode = outcome.exitCode;
      return;
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(outcome.doc)}\n`);
    else {
      const report = outcome.reportDir ? `\nreport: ${join(outcome.reportDir, 'index.html')}` : '';
      const { formatSummary } = await commands.summary();
      process.stdout.write(`${formatSummary(outcome.doc)}${report}\n`);
    }
    const { runExitCode } = await import('./faults/report.js');
    process.exitCode = runExitCode(outcome.doc);
  });

/** mpirun users type `-np 6`; commander knows only one-letter short flags. */
function mpirunAliases(argv: string[]): string[] {
  return argv.map((arg) => (arg === '-np' ? '--ranks' : arg.startsWith('-np=') ? `--ranks=${arg.slice(4)}` : arg));
}

async function main(): Promise<void> {
  // A reader that stops early (`sim faults DIR | head`) is not a failure of the run.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  try {
    await program.parseAsync(mpirunAliases(process.argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    } else if (error instanceof InputError) {
      process.stderr.write(`sim: ${error.message}\n`);
      process.exitCode = EXIT_BAD_INPUT;
    } else if (error instanceof RunFailure) {
      process.stderr.write(`sim: ${error.message}\n`);
      if (error.detail && program.opts().verbose) process.stderr.write(`${error.detail}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && 'code' in error && 'syscall' in error) {
      // A file system refusal (permissions, a missing folder): the path is in the message.
      process.stderr.write(`sim: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      const failure = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(`sim: internal error: ${failure.message}\n`);
      if (program.opts().verbose) process.stderr.write(`${failure.stack}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
