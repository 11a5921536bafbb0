/**
 * Which clients share a worker thread. Co-hosted clients hand each other messages inside
 * one event loop, which on few cores beats any port: measured with `sim run --no-report`
 * on 2 cores (test2, and `sim gen` cases of 16 to 128 ranks, 10 files x 100 segments), one
 * worker was the fastest on every case, 2 workers 1.2-1.7x slower, one per client 1.3-9x
 * (README, The threads transport). The main thread runs the tracker, so the default leaves it a core.
 */
import { availableParallelism } from 'node:os';
import type { FaultPlan } from '../../faults/plan.js';
import type { WorkerCount } from '../transport.js';
import { addressSpaceLimit, workersThatFit } from './address-space.js';
import { spareCount } from './spare-workers.js';

/** The default worker count: every core but the main thread's, at least one, and no more than the address space holds. */
export function automaticWorkers(cores = availableParallelism(), fit = workersThatFit(addressSpaceLimit(), spareCount())): number {
  return Math.max(1, Math.min(cores - 1, fit));
}

/** Client ranks 1..clients in `workers` contiguous groups of nearly equal size. */
export function groupClients(clients: number, workers: number): number[][] {
  const count = Math.max(1, Math.min(workers, clients));
  const groups: number[][] = [];
  for (let w = 0; w < count; w++) {
    const from = Math.floor((w * clients) / count) + 1;
    const to = Math.floor(((w + 1) * clients) / count);
    groups.push(Array.from({ length: to - from + 1 }, (_, i) => from + i));
  }
  return groups;
}

/**
 * Clients a fault ends by ending their thread (a kill terminates the worker; `exit` exits
 * it): each needs a worker of its own, or the fault would take its neighbours too.
 */
export function ranksEndedWithTheirThread(plan: FaultPlan): Set<number> {
  const ranks = new Set<number>();
  for (const fault of plan.timed) if (fault.rank !== 0) ranks.add(fault.rank);
  for (const [rank, fault] of plan.simple) if (rank !== 0 && (fault === 'exit' || fault === 'crash')) ranks.add(rank);
  return ranks;
}

/**
 * The clients' worker groups: each rank in `alone` in a worker of its own, the others in
 * `workers` contiguous groups (default automatic), or one each with 'all'.
 */
export function placeClients(clients: number, workers: WorkerCount | undefined, alone: ReadonlySet<number>): number[][] {
  const packed = Array.from({ length: clients }, (_, i) => i + 1).filter((rank) => !alone.has(rank));
  const count = workers === 'all' ? packed.length : (workers ?? automaticWorkers());
  const groups = packed.length === 0 ? [] : groupClients(packed.length, count).map((group) => group.map((i) => packed[i - 1]));
  return [
    ...groups,
    ...[...alone]
      .filter((rank) => rank >= 1 && rank <= clients)
      .sort((a, b) => a - b)
      .map((rank) => [rank]),
  ];
}
