import type { MessagePort } from 'node:worker_threads';
import type { Pipeline } from '../../../ranks/download.js';
import type { ClientFiles } from '../../../ranks/protocol.js';
import type { StrategyChoice } from '../../strategies/choice.js';
import type { DoneReport, FailedReport, FileDoneReport, StrandedReport, TrackerDoneReport } from '../../rank-host/reports.js';
import type { RankFault } from '../../rank-host/test-faults.js';
import type { DeliveryRecord } from '../../trace/recorder.js';

/** A rank hosted by a worker: a client, or the standby tracker. */
export interface HostedRank {
  rank: number;
  role: 'client' | 'standby';
  files: ClientFiles;
  /** The rank's end of its channel to rank 0. */
  trackerPort: MessagePort;
  fault?: RankFault;
  freeRider?: boolean;
  arriveMs?: number;
  seedTimeMs?: number;
}

export interface WorkerSetup {
  size: number;
  hosted: HostedRank[];
  strategy: StrategyChoice;
  pipeline: Pipeline;
  outDir: string;
  /** Int32 pairs per rank: [messages delivered, segments obtained], read by the watchdog and the live display. */
  counters: SharedArrayBuffer;
  /** Float64 per rank: when it sent its first segment request, absolute ms; 0 until then. */
  firstRequests: SharedArrayBuffer;
  /** The run's start, absolute ms, so every thread's timeline shares one clock. */
  epochMs: number;
  /** 2 with a standby tracker (the last rank). */
  trackers: 1 | 2;
  /** The only tracker keeps its state on disk (`--tracker-state`): clients wait for it when it is lost. */
  trackerReturns: boolean;
  /** Tell the main thread of every file finished (a fault waits for one). */
  reportFiles: boolean;
  /** Send the main thread every message delivered (`--trace`). */
  trace: boolean;
  /** The job's segment hash lists, in the order that numbers them on every link (InternedLists). */
  interned: readonly (readonly string[])[];
}

/** Main thread → worker, first of all: the run it is part of (a worker may boot before its run is known). */
export interface SetupMessage {
  type: 'setup';
  setup: WorkerSetup;
}

/**
 * Main thread → worker: the port of a newly wired client-to-client channel, or of the
 * comlink control channel, which is opened only when first needed.
 */
export type ToWorker = { type: 'port'; rank: number; peer: number; port: MessagePort } | { type: 'control'; port: MessagePort };

/** The rank reports a worker passes on (see rank-host/reports.ts); a worker hosts several ranks, so each says whose it is. */
type WorkerReport = (DoneReport | StrandedReport | FailedReport | TrackerDoneReport | FileDoneReport) & { rank: number };

/**
 * Worker → main thread, unprompted: a rank's reports, or a request for a channel to rank
 * `peer`. The stall answer goes over the control channel instead (worker-control.ts).
 */
export type FromWorker =
  { type: 'connect'; rank: number; peer: number } | { type: 'trace'; rank: number; records: DeliveryRecord[] } | WorkerReport;
