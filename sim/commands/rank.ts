import type { Pipeline } from '../../ranks/download.js';
import type { MetricsDocument } from '../../reports/document.js';
import { ensureOutputFolder } from '../job/output-folders.js';
import { Roles } from '../../ranks/roles.js';
import type { TraceRequest } from '../run/pipeline.js';
import { now } from '../run/timeline.js';
import { openTrace } from '../trace/formats.js';
import { TraceCollector } from '../trace/recorder.js';
import { prepareReportFolders, reportFolder, writeReportOrSay } from '../run/report-writing.js';
import { resolveWorld, type WorldFlags } from '../transports/tcp/launcher-world.js';
import { outputNames, verifyOutputs } from '../job/outputs.js';
import { removeLeftoverTemps } from '../job/files.js';
import { runMetrics } from '../run/metrics.js';
import type { RankFault } from '../rank-host/test-faults.js';
import type { StrategyChoice } from '../strategies/choice.js';
import { checkChoice } from '../strategies/load.js';
import { runTcpClient } from '../transports/tcp/client.js';
import { TcpCoordinator } from '../transports/tcp/coordinator.js';
import { coordinatorApart } from '../transports/tcp/coordinator-options.js';
import { readJobKey } from '../transports/tcp/job-key.js';
import { readSiteCertificates, type CertificateFiles } from '../transports/tcp/site-certificates.js';

export interface RankCommandOptions extends WorldFlags {
  inputDir: string;
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
  /** Set by `sim run`: rank 0 keeps its state here, and is a process under `sim run`'s coordinator too. */
  trackerState?: string;
  /** Rank 0 writes every rank's deliveries here. */
  trace?: TraceRequest;
}

export type RankOutcome =
  { rank: 0; doc: MetricsDocument; reportDir?: string; reportProblem?: string } | { rank: number; exitCode: number };

/**
 * `sim rank`: one process of a job started by a launcher. Rank 0 coordinates, runs the
 * tracker, and writes, checks and reports every output; other ranks are clients.
 */
export async function rankCommand(options: RankCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<RankOutcome> {
  const world = resolveWorld(options, env);
  const key = readJobKey(options.jobKeyFile, env);
  const certificates = readSiteCertificates(options.tls ?? {});
  const log = (line: string): void => void process.stderr.write(`sim: rank ${world.rank}: ${line}\n`);
  if (world.rank !== 0 || coordinatorApart(options.trackers, options.trackerState)) {
    const exitCode = await runTcpClient({
      trackers: options.trackers,
      trackerState: options.trackerState,
      rank: world.rank,
      size: world.size,
      key,
      certificates,
      inputDir: options.inputDir,
      outDir: options.outDir,
      coordinator: world.coordinator,
      bind: options.bind,
      connectTimeoutMs: options.connectTimeoutMs,
      log,
    });
    return { rank: world.rank, exitCode };
  }
  const startedAt = new Date();
  const started = performance.now();
  await checkChoice(options.strategy, world.size);
  await ensureOutputFolder('--out', options.outDir);
  if (options.report) await prepareReportFolders('--out', [reportFolder(options.outDir)]);
  const trace =
    options.trace && new TraceCollector(openTrace(options.trace.path, options.trace.format, Roles.forJob(world.size, 1)), now());
  const coordinator = new TcpCoordinator({
    size: world.size,
    key,
    certificates,
    host: options.bind ?? world.coordinator.host,
    port: world.coordinator.port,
    inputDir: options.inputDir,
    outDir: options.outDir,
    strategy: options.strategy,
    pipeline: options.pipeline,
    stallTimeoutMs: options.stallTimeoutMs,
    registrationTimeoutMs: options.connectTimeoutMs,
    faults: options.faults,
    log,
    traced: trace?.add,
  });
  const { job, result } = await coordinator.run().then(
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
    workers: world.size - 1,
    strategy: options.strategy,
    pipeline: options.pipeline,
    outDir: options.outDir,
    startedAt,
    wallSeconds,
    problems,
  });
  if (!options.report) return { rank: 0, doc };
  const reportDir = reportFolder(options.outDir);
  const reportProblem = await writeReportOrSay(reportDir, doc, options.png);
  return reportProblem ? { rank: 0, doc, reportProblem } : { rank: 0, doc, reportDir };
}
