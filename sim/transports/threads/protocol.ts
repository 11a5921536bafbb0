import type { MessagePort } from 'node:worker_threads';
import type { Pipeline } from '../../../ranks/download.js';
import type { PeerReport } from '../../../ranks/peer.js';
import { Tag, type ClientFiles } from '../../../ranks/protocol.js';
import type { StrategyName } from '../../../ranks/strategies/index.js';
import type { SwarmSummary } from '../../run/result.js';
import type { Samples } from '../../run/timeline.js';

/**
 * Faults a worker can be told to simulate, so the harness's failure paths can be exercised:
 * the rank throws, exits, stops reading its messages, or answers NACK to every request.
 */
export type ThreadFault = 'crash' | 'exit' | 'stall' | 'refuse';

/** The tag a rank under `fault` really sends: a refusing rank turns every ACK into a NACK. */
export function faultyTag(fault: ThreadFault | null | undefined, tag: number): number {
  return tag === Tag.ACK && fault === 'refuse' ? Tag.NACK : tag;
}

/** A rank hosted by a worker: a client, or the standby tracker. */
export interface HostedRank {
  rank: number;
  role: 'client' | 'standby';
  files: ClientFiles;
  /** The rank's end of its channel to rank 0. */
  trackerPort: MessagePort;
  fault?: ThreadFault;
}

export interface WorkerSetup {
  size: number;
  hosted: HostedRank[];
  strategy: StrategyName;
  pipeline: Pipeline;
  outDir: string;
  /** Int32 pairs per rank: [messages delivered, segments obtained], read by the watchdog and the live display. */
  counters: SharedArrayBuffer;
  /** The run's start, absolute ms, so every thread's timeline shares one clock. */
  epochMs: number;
  /** 2 with a standby tracker (the last rank). */
  trackers: 1 | 2;
  /** Tell the main thread of every file finished (a fault waits for one). */
  reportFiles: boolean;
}

/**
 * Main thread → worker: the port of a newly wired client-to-client channel, or of the
 * comlink control channel, which is opened only when first needed.
 */
export type ToWorker = { type: 'port'; rank: number; peer: number; port: MessagePort } | { type: 'control'; port: MessagePort };

/** Worker → main thread, unprompted. */
export type FromWorker =
  | { type: 'connect'; rank: number; peer: number }
  | { type: 'done'; rank: number; report: PeerReport; messagesIn: number; messagesOut: number; outputs: string[]; timeline: Samples }
  | { type: 'failed'; rank: number; error: string; stack: string }
  | { type: 'file-done'; rank: number; file: string }
  /** Every tracker is lost: the client stops where it is, with what it has written. */
  | { type: 'stranded'; rank: number; reason: string; report: PeerReport; outputs: string[]; timeline: Samples }
  | { type: 'tracker-done'; rank: number; served: boolean; swarms: SwarmSummary[]; messagesIn: number; messagesOut: number };
