import { setMaxListeners } from 'node:events';
import type { Pipeline } from '../../ranks/download.js';
import type { MetricsDocument } from '../../reports/document.js';
import { ensureOutputFolder } from '../job/output-folders.js';
import { Roles } from '../../ranks/roles.js';
import type { TraceRequest } from '../run/pipeline.js';
import { now, sinceProcessStart } from '../run/timeline.js';
import { openTrace } from '../trace/formats.js';
import { TraceCollector } from '../trace/recorder.js';
import { prepareReportFolders, reportFolder, writeReportOrSay } from '../run/report-writing.js';
import { coordinatorWorld, resolveWorld, type World, type WorldFlags } from '../transports/tcp/launcher-world.js';
import { rankBlocks, rankRanges } from '../transports/rank-groups.js';
import type { Neighbour } from '../transports/tcp/network-events.js';
import { outputNames, verifyOutputs } from '../job/outputs.js';
import { removeLeftoverTemps } from '../job/files.js';
import { runMetrics } from '../run/metrics.js';
import type { RankFault } from '../rank-host/test-faults.js';
import type { StrategyChoice } from '../strategies/choice.js';
import { checkChoice } from '../strategies/load.js';
import { runTcpClient } from '../transports/tcp/client.js';
import { runRankGroup } from '../transports/tcp/rank-group.js';
import { listsOf, wholeJob } from '../transports/tcp/job-lists.js';
import { InputError } from '../run/failures.js';
import { TcpCoordinator } from '../transports/tcp/coordinator.js';
import { coordinatorApart, type CoordinatorOptions } from '../transports/tcp/coordinator-options.js';
import { readJobKey } from '../transports/tcp/job-key.js';
import { readSiteCertificates, type CertificateFiles } from '../transports/tcp/site-certificates.js';

export interface RankCommandOptions extends WorldFlags {
  inputDir: string;
  /** `--coordinate`: this process hosts no rank, it coordinates (with --tracker-state, every rank is a process apart). */
  coordinate?: boolean;
  /** A rank group: the client ranks this process hosts (`--hosted`), in place of `--rank`. */
  hosted?: readonly number[];
  outDir: string;
  bind?: string;
  jobKeyFile?: string;
  /** `--tls-cert`, `--tls-key`, `--tls-ca`: a site's certificates in place of the job key's TLS PSK. */
  tls?: CertificateFiles;
  strategy: StrategyChoice;
  pipeline: Pipeline;
  stallTimeoutMs: number;
  connectTimeoutMs: number;
  report: boolean;
  /** Also draw the report's charts to PNG files. */
  png?: boolean;
  faults?: ReadonlyMap<number, RankFault>;
  /** 2: a standby tracker; every rank, 0 included, is then a process under a separate coordinator. */
  trackers?: 1 | 2;
  /** Rank 0 keeps its state here, and is a process under a coordinator apart: `sim run`'s, or a `--coordinate` process. */
  trackerState?: string;
  /** Rank 0 writes every rank's deliveries here. */
  trace?: TraceRequest;
}

/** A group hosts clients only: a tracker's process must be able to die alone, and rank 0 coordinates. */
function checkHosted(hosted: readonly number[], roles: Roles): void {
  const other = hosted.find((rank) => !roles.isClient(rank));
  if (other !== undefined)
    throw new InputError('--hosted', `rank ${other} is not a client of this ${roles.size}-rank job (clients are 1 to ${roles.clients})`);
}

export type RankOutcome =
  { rank: 0; doc: MetricsDocument; reportDir?: string; reportProblem?: string } | { rank: number; exitCode: number };

/**
 * `sim rank`: one process of a job started by a launcher. Rank 0 coordinates, runs the
 * tracker, and writes, checks and reports every output; other ranks are clients. With
 * `--ranks`, each process hosts a block of ranks (a rank group), process 0 rank 0's.
 */
export async function rankCommand(options: RankCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<RankOutcome> {
  if (options.trackerState !== undefined && options.trackers === 2)
    throw new InputError('--tracker-state', "keeps the only tracker's state: with --trackers 2 the standby keeps it");
  if (options.coordinate) return await coordinateApart(options, env);
  if (options.hosted && (options.rank !== undefined || options.ranks !== undefined))
    throw new InputError('--hosted', 'names the ranks of this process: give it, or --rank or --ranks, not both');
  const world = resolveWorld(options.hosted ? { ...options, rank: options.hosted[0], rankFrom: '--hosted' } : options, env);
  const apart = coordinatorApart(options.trackers, options.trackerState);
  if (options.hosted) checkHosted(options.hosted, new Roles(world.size, options.trackers ?? 1));
  if (world.group && (apart || options.faults))
    throw new InputError('--ranks', 'shares ranks out among processes: not with --trackers 2, --tracker-state or --fault');
  const key = readJobKey(options.jobKeyFile, env);
  const certificates = readSiteCertificates(options.tls ?? {});
  const logAs = (rank: number, line: string): void => void process.stderr.write(`sim: rank ${rank}: ${line}\n`);
  const log = (line: string): void => logAs(world.rank, line);
  const client = {
    trackers: options.trackers,
    trackerState: options.trackerState,
    size: world.size,
    key,
    certificates,
    inputDir: options.inputDir,
    outDir: options.outDir,
    coordinator: world.coordinator,
    bind: options.bind,
    connectTimeoutMs: options.connectTimeoutMs,
  };
  const hosted = options.hosted ?? world.group?.ranks;
  // Several ranks in one process share the job's lists, sent by number between processes that hold them (job-lists.ts).
  const job =
    hosted && hosted.length > 1 ? wholeJob(options.inputDir, new Roles(world.size, options.trackers ?? 1).clients + 1) : undefined;
  const lists = job && listsOf(job);
  if (hosted && hosted[0] !== 0)
    return { rank: world.rank, exitCode: await runRankGroup({ ...client, ranks: hosted, log: logAs, job, lists }) };
  if (!hosted && (world.rank !== 0 || apart))
    return { rank: world.rank, exitCode: await runTcpClient({ ...client, rank: world.rank, log }) };
  // Rank 0 coordinates; under --ranks its process hosts the first clients beside it, handed messages without a socket.
  const neighbours = new Map<number, Neighbour>();
  const stop = new AbortController();
  // One listener per client beside rank 0: no leak, however many.
  setMaxListeners(0, stop.signal);
  const beside =
    hosted && hosted.length > 1
      ? runRankGroup({ ...client, ranks: hosted.slice(1), log: logAs, neighbours, signal: stop.signal, job, lists })
      : 0;
  try {
    return await coordinate(options, world, { key, certificates, log, neighbours, lists });
  } catch (error) {
    stop.abort();
    throw error;
  } finally {
    await beside;
  }
}

/**
 * `--coordinate`: the coordinator apart from every rank, for `--tracker-state`, where rank 0
 * is a process of its own: killed, it can be started again by hand with its command line,
 * and reloads its state (the coordinator waits for it as its clients do).
 */
async function coordinateApart(options: RankCommandOptions, env: NodeJS.ProcessEnv): Promise<RankOutcome> {
  const hosting = [
    ['--rank', options.rank],
    ['--ranks', options.ranks],
    ['--hosted', options.hosted],
  ].find(([, value]) => value !== undefined);
  if (hosting) throw new InputError('--coordinate', `hosts no rank: not with ${String(hosting[0])}`);
  if (!coordinatorApart(options.trackers, options.trackerState))
    throw new InputError('--coordinate', 'is for --tracker-state, where rank 0 is a process of its own (without it, rank 0 coordinates)');
  const world = coordinatorWorld(options, env);
  const log = (line: string): void => void process.stderr.write(`sim: coordinator: ${line}\n`);
  return await coordinate(options, world, {
    key: readJobKey(options.jobKeyFile, env),
    certificates: readSiteCertificates(options.tls ?? {}),
    log,
  });
}

/** Rank 0 under a launcher, or the coordinator apart (`--coordinate`): then every output checked and the report written. */
async function coordinate(
  options: RankCommandOptions,
  world: World,
  own: Pick<CoordinatorOptions, 'key' | 'certificates' | 'log' | 'neighbours' | 'lists'>,
): Promise<RankOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  await checkChoice(options.strategy, world.size);
  await ensureOutputFolder('--out', options.outDir);
  if (options.report) await prepareReportFolders('--out', [reportFolder(options.outDir)]);
  const trace =
    options.trace && new TraceCollector(openTrace(options.trace.path, options.trace.format, Roles.forJob(world.size, 1)), now());
  const blocks = world.group && rankBlocks(world.size, world.group.processes);
  if (blocks) own.log(`${world.size} ranks in ${blocks.length} processes: ${blocks.map(rankRanges).join(' | ')}`);
  const coordinator = new TcpCoordinator({
    ...own,
    size: world.size,
    host: options.bind ?? world.coordinator.host,
    port: world.coordinator.port,
    inputDir: options.inputDir,
    outDir: options.outDir,
    strategy: options.strategy,
    pipeline: options.pipeline,
    stallTimeoutMs: options.stallTimeoutMs,
    registrationTimeoutMs: options.connectTimeoutMs,
    faults: options.faults,
    trackers: options.trackers,
    trackerState: options.trackerState,
    traced: trace?.add,
  });
  const { job, result, firstRequestAt } = await coordinator.run().then(
    (run) => (trace?.finish(), run),
    (error: unknown) => {
      trace?.finish(true);
      throw error;
    },
  );
  // A rank killed between writing an output and renaming it leaves the temp file.
  await removeLeftoverTemps(options.outDir, outputNames(job));
  const problems = await verifyOutputs(job, options.outDir);
  const wallSeconds = (performance.now() - started) / 1000;
  const doc = runMetrics(job, result, {
    transport: 'tcp',
    workers: blocks ? blocks.filter((block) => block.some((rank) => rank > 0)).length : world.size - 1,
    processes: blocks?.map(rankRanges),
    strategy: options.strategy,
    pipeline: options.pipeline,
    outDir: options.outDir,
    startedAt,
    wallSeconds,
    problems,
    firstRequestSeconds: sinceProcessStart(firstRequestAt),
  });
  if (!options.report) return { rank: 0, doc };
  const reportDir = reportFolder(options.outDir);
  const reportProblem = await writeReportOrSay(reportDir, doc, options.png);
  return reportProblem ? { rank: 0, doc, reportProblem } : { rank: 0, doc, reportDir };
}
