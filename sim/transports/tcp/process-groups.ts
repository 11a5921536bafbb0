/**
 * Which ranks each process of `sim run --transport tcp` hosts. A tracker whose process
 * must be able to die alone (coordinator-options.ts) has one of its own; otherwise rank 0
 * is `sim run`'s own process. Clients share processes as the threads transport's clients
 * share workers (../rank-groups.ts): `--processes` of them, and one of its own for each
 * client a fault ends.
 */
import { availableParallelism } from 'node:os';
import type { Roles } from '../../../ranks/roles.js';
import { emptyPlan } from '../../faults/plan.js';
import { placeClients, ranksEndedWithTheirHost } from '../rank-groups.js';
import type { TransportOptions } from '../transport.js';
import { coordinatorApart } from './coordinator-options.js';

/**
 * The default count of client processes: every core but the coordinator's, as for the
 * threads transport's workers; measured on 2 cores (README, Over TCP), every client in
 * one process was the fastest, against 2, 3, and a process per client.
 */
export function automaticProcesses(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

type Placing = Pick<TransportOptions, 'processes' | 'faults'>;

/** The clients' processes: `--processes` groups, and one of its own for each client a fault ends. */
export function clientProcesses(roles: Roles, options: Placing): number[][] {
  return placeClients(roles.clients, options.processes ?? automaticProcesses(), ranksEndedWithTheirHost(options.faults ?? emptyPlan()));
}

/** The ranks of each process, rank 0's first (`sim run`'s own when it is not apart), then a standby's: trackers are alone. */
export function rankProcesses(roles: Roles, options: Placing): number[][] {
  const trackers = roles.standby === undefined ? [[0]] : [[0], [roles.standby]];
  return [...trackers, ...clientProcesses(roles, options)];
}

/** The processes `sim run` starts: all but its own, which hosts rank 0 unless the coordinator is apart. */
export function startedProcesses(roles: Roles, all: readonly number[][], trackerState: string | undefined): number[][] {
  return coordinatorApart(roles.trackers, trackerState) ? [...all] : all.slice(1);
}
