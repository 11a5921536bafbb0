/**
 * The run pipeline, the same for every transport and every verb that runs a job (run,
 * check, faults, sweep): check the fault plan and the strategy against the job, clear the outputs, run the
 * transport chosen from the table, read back and check every output, build the metrics
 * document. A virtual-time run may run twice, to prove it replays event for event.
 */
import { join, resolve } from 'node:path';
import { Roles } from '../../ranks/roles.js';
import type { MetricsDocument } from '../../reports/document.js';
import { checkPlan } from '../faults/plan.js';
import { ensureDir, removeLeftoverTemps } from '../job/files.js';
import { ensureOutputFolder } from '../job/output-folders.js';
import type { Job } from '../job/inputs.js';
import { clearOutputs, outputNames, verifyOutputs } from '../job/outputs.js';
import { checkChoice } from '../strategies/load.js';
import { TRANSPORTS } from '../transports/index.js';
import type { TransportName, TransportOptions, TransportRun } from '../transports/transport.js';
import type { NetworkSettings } from '../transports/virtual/network-model.js';
import { NETWORK_DEFAULTS } from '../transports/virtual/network-defaults.js';
import { openTrace, TeeSink, type TraceFormat } from '../trace/formats.js';
import { TraceComparer, TraceFile, traceLineAt, type TraceSink } from '../trace/trace.js';
import { InputError, RunFailure } from './failures.js';
import { runMetrics } from './metrics.js';
import { sinceProcessStart } from './timeline.js';

/** `--trace FILE --trace-format F`: where every message delivered is written, on any transport. */
export interface TraceRequest {
  path: string;
  format: TraceFormat;
}

export interface RunOptions extends Omit<TransportOptions, 'virtual' | 'trace'> {
  trace?: TraceRequest;
  ranks?: number;
  /** Print the serving tracker's swarm table at the end. */
  dumpTracker?: boolean;
  /** Default threads. */
  transport?: TransportName;
  /** The virtual transport's settings. */
  virtual?: VirtualSettings;
}

export interface VirtualSettings {
  seed: string;
  network: NetworkSettings;
  /** The network flags as given (`--latency 2`, `--network file.json`), for replay commands. */
  networkArgs?: string[];
  /** Run twice and fail, naming the first differing event, if the runs differ. */
  checkDeterminism?: boolean;
}

/** A virtual-time run's metrics must not depend on the clock: it starts at the epoch. */
const EPOCH = new Date(0);

export function defaultNetwork(): NetworkSettings {
  return { ...NETWORK_DEFAULTS, ranks: new Map() };
}

/** Runs a loaded job, then reads back and checks every output it implies. */
export async function runJob(job: Job, options: RunOptions): Promise<MetricsDocument> {
  const name = options.transport ?? 'threads';
  const transport = await TRANSPORTS[name]();
  const roles = Roles.forJob(job.ranks, options.trackers ?? 1);
  // The trace is opened once the run is sure to start; `--trace`'s request is no sink yet.
  const untraced: TransportOptions = { ...options, trace: undefined };
  if (options.trackerState !== undefined) await checkTrackerState(options.trackerState, roles);
  if (options.faults) checkPlan(options.faults, job, roles, name, options.trackerState !== undefined);
  transport.prepare?.(job, untraced);
  await checkChoice(options.strategy, job.ranks, job.clients.length);
  const startedAt = new Date();
  const started = performance.now();
  await ensureDir(options.outDir);
  await clearOutputs(job, options.outDir);
  const settings = name === 'virtual' ? (options.virtual ?? { seed: '1', network: defaultNetwork() }) : undefined;
  const trace = options.trace && !settings ? openTrace(options.trace.path, options.trace.format, roles) : undefined;
  const run = settings
    ? await runVirtualTime(job, options, settings, roles)
    : await transport.run(job, { ...untraced, trace }).catch((error: unknown) => {
        // A transport that failed before it took the trace leaves it open: closed here (a sink closes once), quietly.
        closeQuietly(trace);
        throw error;
      });
  // A client killed, or a process that died, while it wrote an output leaves the write's temp file behind.
  await removeLeftoverTemps(options.outDir, outputNames(job));
  const problems = await verifyOutputs(job, options.outDir);
  const wallSeconds = (performance.now() - started) / 1000;
  const clock = settings ? { startedAt: EPOCH, wallSeconds: run.virtualSeconds ?? 0, seed: settings.seed } : { startedAt, wallSeconds };
  // Measured from the process's start: what a user waits for before the first segment moves.
  const firstRequestSeconds = sinceProcessStart(run.firstRequestAt);
  return runMetrics(job, run.result, {
    ...options,
    transport: name,
    workers: transport.workersFor(job, untraced),
    processes: transport.processesFor?.(job, untraced),
    problems,
    firstRequestSeconds,
    ...clock,
  });
}

/** `--tracker-state DIR`: the only tracker's folder, made before anything starts. */
async function checkTrackerState(dir: string, roles: Roles): Promise<void> {
  const where = `--tracker-state ${dir}`;
  if (roles.trackers === 2) throw new InputError(where, "keeps the only tracker's state: with --trackers 2 the standby keeps it");
  await ensureOutputFolder('--tracker-state', dir);
}

/** Closes a sink after a failed run: the run's failure is the one to tell, not the trace's. */
function closeQuietly(sink: TraceSink | undefined): void {
  try {
    sink?.close();
  } catch {
    // The run's own failure is being reported.
  }
}

/** A virtual-time run, twice under `--check-determinism`: the second must replay the first event for event. */
async function runVirtualTime(job: Job, options: RunOptions, settings: VirtualSettings, roles: Roles): Promise<TransportRun> {
  const transport = await TRANSPORTS.virtual();
  const run = (trace?: TraceSink, again = false): Promise<TransportRun> =>
    // The second run of a determinism check shows no progress of its own: one display per command.
    transport.run(job, {
      ...options,
      onStart: again ? undefined : options.onStart,
      virtual: { seed: settings.seed, network: settings.network },
      trace,
    });
  const request = options.trace;
  if (!settings.checkDeterminism) return run(request && openTrace(request.path, request.format, roles));
  // The check compares JSON Lines and quotes the first run's line: a trace in another format goes beside that file.
  const jsonl = request?.format === 'jsonl' ? request.path : undefined;
  const path = jsonl ?? join(options.outDir, 'trace.jsonl');
  if (request && request.format !== 'jsonl' && resolve(request.path) === resolve(path))
    throw new InputError('--trace', `${path} is where --check-determinism keeps the JSON Lines it compares: name another file`);
  const first = new TraceFile(path, true);
  let other: TraceSink | undefined;
  try {
    other = request && request.format !== 'jsonl' ? openTrace(request.path, request.format, roles) : undefined;
  } catch (error) {
    closeQuietly(first);
    throw error;
  }
  const result = await run(other ? new TeeSink([first, other]) : first);
  const second = new TraceComparer(first.hashes ?? []);
  await run(second, true);
  const expected = first.hashes?.length ?? 0;
  const differs =
    second.firstDifference ?? (second.events !== expected ? { index: Math.min(expected, second.events), line: '(no event)' } : undefined);
  if (differs) {
    throw new RunFailure(
      `the same seed gave two different runs: event ${differs.index + 1} differs\n` +
        `  first run:  ${(await traceLineAt(path, differs.index)) ?? '(no event)'}\n  second run: ${differs.line}`,
      1,
    );
  }
  return result;
}
