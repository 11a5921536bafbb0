import { buildMetrics, type MetricsDocument } from '../../reports/document.js';
import { faultsSection } from '../faults/report.js';
import { EXIT_OK, runExitCode } from './exit-codes.js';
import type { Job } from '../job/inputs.js';
import type { OutputProblem } from '../job/outputs.js';
import type { RunResult } from './result.js';
import type { StrategyChoice } from '../strategies/choice.js';
import type { Churn } from '../job/arrivals.js';
import { fileHolders, servingClients, totalTransfers, wantedSegments } from '../job/servers.js';
import { bestJain } from '../../reports/spread-bound.js';

export interface RunParameters {
  transport: string;
  workers: number;
  /** The ranks each process hosted (`1-15`), where ranks lived in several processes. */
  processes?: readonly string[];
  strategy: StrategyChoice;
  freeRiders?: readonly number[];
  churn?: Churn;
  pipeline: number | 'auto';
  outDir: string;
  startedAt: Date;
  wallSeconds: number;
  seed?: string;
  /** Seconds from the process's start to the first segment request, where the transport can tell. */
  firstRequestSeconds?: number;
  problems: OutputProblem[];
}

/** The run's metrics document, from the job and what the transport gathered. */
export function runMetrics(job: Job, result: RunResult, run: RunParameters): MetricsDocument {
  // With faults, outputs missing for a known reason are reported as such, not as wrong; a
  // client leaving (--seed-time) can leave a file without a holder as a fault can.
  const departures = run.churn?.seedTimeMs !== undefined;
  const section =
    result.faults || departures
      ? faultsSection(job, { ...result, faults: result.faults ?? { fired: [], lost: [] } }, run.problems, departures)
      : { faults: undefined, problems: run.problems };
  // Departures alone that left nothing unsaved make no fault section.
  const { faults, problems } = !result.faults && section.faults?.missing.length === 0 ? { ...section, faults: undefined } : section;
  const standby = result.trackers?.find((tracker) => tracker.rank !== 0)?.rank;
  const holders = fileHolders(job);
  const servers = servingClients(job, run.freeRiders);
  const doc = buildMetrics({
    run: {
      inputDir: job.dir,
      outDir: run.outDir,
      transport: run.transport,
      workers: run.workers,
      ...(run.processes ? { processes: [...run.processes] } : {}),
      strategy: run.strategy.label,
      ...(run.strategy.module === undefined ? {} : { strategyModule: run.strategy.module }),
      ...(run.freeRiders && run.freeRiders.length > 0 ? { freeRiders: [...run.freeRiders] } : {}),
      ...(run.churn ? churnParameters(run.churn) : {}),
      pipeline: run.pipeline,
      ranks: job.ranks,
      startedAt: run.startedAt.toISOString(),
      wallSeconds: run.wallSeconds,
      ...(run.seed === undefined ? {} : { seed: run.seed }),
      ...(run.firstRequestSeconds === undefined ? {} : { firstRequestSeconds: run.firstRequestSeconds }),
    },
    counters: result.ranks.map(({ downloadedFrom: _, gaveUp: __, ...counters }) => counters),
    downloadedFrom: result.ranks.map((counters) => counters.downloadedFrom),
    wantedSegments: wantedSegments(job),
    servers,
    jainBound: spreadComparable(job, result) ? bestJain(holders.values(), servers) : null,
    files: result.swarms.map((swarm) => ({
      name: swarm.file,
      segments: swarm.segments,
      seeds: swarm.seeds.length,
      peers: swarm.peers.length,
      completed: swarm.completed,
      wantedBy: holders.get(swarm.file)?.wanters.length ?? 0,
    })),
    progress: result.progress,
    swarmGrowth: result.swarmGrowth,
    // A killed client's outputs may be on disk without its having reported them: count what is there.
    outputs: { written: faults ? faults.complete.length : result.outputs.length, problems },
    standby,
    lost: result.faults?.lost,
    trackers: result.trackers,
    faults,
    ...(run.churn ? { churn: { arrivalSeconds: run.churn.arrivalMs.map((ms) => ms / 1000), clients: result.swarmSize ?? [] } } : {}),
  });
  // What the exit code says goes first, where a reader of --json looks.
  const exitCode = runExitCode(doc);
  const { schemaVersion, ...rest } = doc;
  return { schemaVersion, ok: exitCode === EXIT_OK, exitCode, ...rest };
}

function churnParameters(churn: Churn): { arrivals: string; seedTimeSeconds?: number } {
  return { arrivals: churn.label, ...(churn.seedTimeMs === undefined ? {} : { seedTimeSeconds: churn.seedTimeMs / 1000 }) };
}

/** The best Jain's index any schedule could reach on the job, over the clients that could serve (free riders left out). */
export function jainBoundOf(job: Job, freeRiders: readonly number[] = []): number | null {
  return bestJain(fileHolders(job).values(), servingClients(job, freeRiders));
}

/**
 * Whether the run's uploads can be held to the best possible spread, whose model sends each
 * wanted segment to each client that wants it once: not after a fault that killed, restarted
 * or dropped, nor when the uploads add up to anything else (a leaver's file lost, a late
 * answer dropped and the segment sent again).
 */
function spreadComparable(job: Job, result: RunResult): boolean {
  const faults = result.faults;
  if (faults && (faults.fired.length > 0 || faults.lost.length > 0 || faults.dropped)) return false;
  return result.ranks.reduce((sum, rank) => sum + rank.uploaded, 0) === totalTransfers(job);
}
