import { join } from 'node:path';
import type { StrategyName } from '../../ranks/strategies/index.js';
import type { MetricsDocument } from '../../reports/document.js';
import { Roles } from '../../ranks/roles.js';
import { RunFailure } from '../run/failures.js';
import { checkPlan } from '../faults/plan.js';
import { loadJob, type Job } from '../job/inputs.js';
import { ensureDir, removeLeftoverTemps } from '../job/files.js';
import { clearOutputs, outputNames, verifyOutputs } from '../job/outputs.js';
import { showProgress, type ProgressMode } from '../cli/progress.js';
import { wantedSegments } from '../job/servers.js';
import { runMetrics } from '../run/metrics.js';
import type { TransportName } from '../transports/names.js';
import { runOverTcp, type TcpRunOptions } from '../transports/tcp/transport.js';
import { runVirtual } from '../transports/virtual/transport.js';
import { NETWORK_DEFAULTS, type NetworkSettings } from '../transports/virtual/network-model.js';
import { TraceComparer, TraceFile, traceLineAt, type TraceSink } from '../transports/virtual/trace.js';
import { runOnThreads, type ThreadRunOptions } from '../transports/threads/transport.js';

export interface RunOptions extends ThreadRunOptions, Pick<TcpRunOptions, 'log'> {
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
  /** Write every message here (JSON Lines). */
  tracePath?: string;
  /** Run twice and fail, naming the first differing event, if the traces differ. */
  checkDeterminism?: boolean;
}

const EPOCH = new Date(0);

/** Runs a loaded job, then reads back and checks every output it implies. */
export async function runJob(job: Job, options: RunOptions): Promise<MetricsDocument> {
  const transport = options.transport ?? 'threads';
  const sharedWorkers = options.workers !== undefined && options.workers < job.ranks - 1;
  if (options.faults) checkPlan(options.faults, job, Roles.forJob(job.ranks, options.trackers ?? 1), transport, sharedWorkers);
  if (transport === 'virtual') return runVirtualJob(job, options, options.virtual ?? { seed: '1', network: defaultNetwork() });
  const startedAt = new Date();
  const started = performance.now();
  await ensureDir(options.outDir);
  await clearOutputs(job, options.outDir);
  const result = transport === 'tcp' ? await runOverTcp(job, options) : await runOnThreads(job, options);
  // A client killed while it wrote an output leaves the write's temp file behind.
  if (result.faults?.lost.length) await removeLeftoverTemps(options.outDir, outputNames(job));
  const problems = await verifyOutputs(job, options.outDir);
  const wallSeconds = (performance.now() - started) / 1000;
  // Over TCP every client is a process of its own.
  const workers = transport === 'tcp' ? job.ranks - 1 : Math.min(options.workers ?? job.ranks - 1, job.ranks - 1);
  return runMetrics(job, result, { ...options, transport, workers, startedAt, wallSeconds, problems });
}

export function defaultNetwork(): NetworkSettings {
  return { ...NETWORK_DEFAULTS, ranks: new Map() };
}

/** A virtual-time run: nothing in it, metrics included, may depend on the clock. */
async function runVirtualJob(job: Job, options: RunOptions, settings: VirtualSettings): Promise<MetricsDocument> {
  await ensureDir(options.outDir);
  await clearOutputs(job, options.outDir);
  const run = (trace?: TraceSink, again = false) =>
    // The second run of a determinism check shows no progress of its own: one display per command.
    runVirtual(job, { ...options, onStart: again ? undefined : options.onStart, seed: settings.seed, network: settings.network, trace });
  let result;
  if (settings.checkDeterminism) {
    const path = settings.tracePath ?? join(options.outDir, 'trace.jsonl');
    const first = new TraceFile(path, true);
    result = await run(first);
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
  } else {
    const trace = settings.tracePath ? new TraceFile(settings.tracePath) : undefined;
    result = await run(trace);
  }
  const problems = await verifyOutputs(job, options.outDir);
  return runMetrics(job, result, {
    ...options,
    transport: 'virtual',
    workers: 1,
    startedAt: EPOCH,
    wallSeconds: result.virtualSeconds,
    seed: settings.seed,
    problems,
  });
}

export interface RunCommandOptions extends Omit<RunOptions, 'strategy' | 'onStart'> {
  strategies: StrategyName[];
  progress: ProgressMode;
}

export interface RunOutcome {
  runs: MetricsDocument[];
  /** Report folders written: one per run, then the comparison when there are several runs. */
  reports: string[];
}

/**
 * `sim run`: validates the inputs before any rank starts (InputError), then runs once per
 * strategy, each into its own folder when there are several, and writes every report.
 */
export async function runCommand(inputDir: string, options: RunCommandOptions): Promise<RunOutcome> {
  const job = loadJob(inputDir, options.ranks);
  const wanted = wantedSegments(job);
  const several = options.strategies.length > 1;
  const runs: MetricsDocument[] = [];
  const reports: string[] = [];
  for (const strategy of options.strategies) {
    const outDir = several ? join(options.outDir, strategy) : options.outDir;
    let stopProgress = (): void => undefined;
    let doc: MetricsDocument;
    try {
      doc = await runJob(job, {
        ...options,
        strategy,
        outDir,
        onStart: (live) => (stopProgress = showProgress(live, wanted, options.progress)),
      });
    } finally {
      stopProgress();
    }
    const reportDir = join(outDir, 'report');
    // Rendering pulls in chart.js and the canvas: loaded only now, so it cannot slow a run.
    const { writeRunReport } = await import('../../reports/write.js');
    await writeRunReport(reportDir, doc);
    runs.push(doc);
    reports.push(reportDir);
  }
  if (several) {
    const compareDir = join(options.outDir, 'compare');
    const { writeCompareReport } = await import('../../reports/write.js');
    await writeCompareReport(
      compareDir,
      runs.map((doc) => ({ label: doc.run.strategy, doc })),
    );
    reports.push(compareDir);
  }
  return { runs, reports };
}
