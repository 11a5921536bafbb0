/**
 * How many workers the clients share by default. Co-hosted clients hand each other
 * messages inside one event loop, which on few cores beats any port: measured with `sim
 * run --no-report` on 2 cores (test2, and `sim gen` cases of 16 to 128 ranks, 10 files x
 * 100 segments), one worker was the fastest on every case, 2 workers 1.2-1.7x slower, one
 * per client 1.3-9x (README, The threads transport). The main thread runs the tracker, so
 * the default leaves it a core. Which clients go together is ../rank-groups.ts's.
 */
import { availableParallelism } from 'node:os';
import type { FaultPlan } from '../../faults/plan.js';
import { placeClients, ranksEndedWithTheirHost } from '../rank-groups.js';
import type { WorkerCount } from '../transport.js';
import { addressSpaceLimit, workersThatFit } from './address-space.js';
import { spareCount } from './spare-workers.js';

/** The default worker count: every core but the main thread's, at least one, and no more than the address space holds. */
export function automaticWorkers(cores = availableParallelism(), fit = workersThatFit(addressSpaceLimit(), spareCount())): number {
  return Math.max(1, Math.min(cores - 1, fit));
}

/** The clients' worker groups: `workers` of them (default automatic), and one of its own for each client a fault ends. */
export function placeWorkers(clients: number, workers: WorkerCount | undefined, plan: FaultPlan): number[][] {
  return placeClients(clients, workers ?? automaticWorkers(), ranksEndedWithTheirHost(plan));
}
