import type { Pipeline } from '../../ranks/download.js';
import type { MessagePort } from 'node:worker_threads';
import type { PeerReport } from '../../ranks/peer.js';
import type { ClientFiles } from '../../ranks/protocol.js';
import type { StrategyName } from '../../ranks/strategies/index.js';
import type { WaitState } from '../mailbox.js';

/** Test faults a worker can be told to simulate, so the harness's failure paths can be exercised. */
export type ThreadFault = 'crash' | 'exit' | 'stall';

export interface WorkerSetup {
  rank: number;
  size: number;
  files: ClientFiles;
  strategy: StrategyName;
  pipeline: Pipeline;
  outDir: string;
  /** The worker's end of its channel to rank 0. */
  trackerPort: MessagePort;
  /** Int32 per rank: messages delivered so far, read by the watchdog. */
  progress: SharedArrayBuffer;
  fault?: ThreadFault;
}

/** Control plane, main thread → worker. */
export type ToWorker = { type: 'port'; peer: number; port: MessagePort } | { type: 'status' };

/** Control plane, worker → main thread. */
export type FromWorker =
  | { type: 'connect'; peer: number }
  | { type: 'status'; waiting: WaitState[]; queued: number; detail: string }
  | { type: 'done'; report: PeerReport; messagesIn: number; messagesOut: number; outputs: string[] }
  | { type: 'failed'; error: string; stack: string };
