/**
 * The control plane of a worker, called from the main thread with comlink over a port of
 * its own: what the rank is waiting for, asked when the run stalls. Figures the main
 * thread reads often (progress, messages delivered) are in shared memory instead.
 */
import { expose, releaseProxy, wrap, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';
import type { StatusReport } from '../../rank-host/reports.js';

/** The stall answer of one rank the worker hosts. */
export type RankStatus = StatusReport & { rank: number };

export interface WorkerControl {
  /** One status per rank the worker hosts. */
  status(): RankStatus[];
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
