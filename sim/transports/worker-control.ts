/**
 * The control plane of a worker, called from the main thread with comlink over a port of
 * its own: progress for the live display and status for stall reports. Each call is a
 * round trip of tens of microseconds, paid a few times a second, never per message.
 */
import { expose, releaseProxy, wrap, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';
import type { WaitState } from '../mailbox.js';

export interface RankStatus {
  waiting: WaitState[];
  queued: number;
  detail: string;
}

export interface WorkerControl {
  /** Segments obtained so far. */
  progress(): number;
  status(): RankStatus;
}

export function serveControl(port: MessagePort, control: WorkerControl): void {
  expose(control, nodeEndpoint(port));
}

export interface ControlClient {
  remote: Remote<WorkerControl>;
  close(): void;
}

export function controlClient(port: MessagePort): ControlClient {
  const remote = wrap<WorkerControl>(nodeEndpoint(port));
  return {
    remote,
    close() {
      // An unreleased proxy keeps its port, and with it the process, alive.
      remote[releaseProxy]();
      port.close();
    },
  };
}
