/**
 * Which clients share an event loop: a worker thread of the threads transport, or a
 * process of the TCP transport (a rank group). Co-hosted clients hand each other messages
 * inside one event loop (`LocalLink`), which on few cores beats any port or socket.
 */
import type { FaultPlan } from '../faults/plan.js';
import { InputError } from '../run/failures.js';
import type { TransportName } from './names.js';
import type { WorkerCount } from './transport.js';

/** More threads or processes than this is never what anyone meant. */
export const MAX_HOSTS = 100_000;

/** What is wrong with a worker or process count, in words (the option table's and the library's); undefined if nothing. */
export function hostCountProblem(value: unknown, shown = JSON.stringify(value)): string | undefined {
  if (value === 'all' || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_HOSTS)) return undefined;
  return `expected 'all' or a whole number from 1 to ${MAX_HOSTS}, got ${shown}`;
}

/**
 * Clients pack into workers on threads, into processes over TCP; in virtual time all share
 * one thread. `named` says how the caller calls each setting (`--workers`, `workers`).
 */
export function checkPacking(
  transport: TransportName,
  settings: { workers?: unknown; processes?: unknown },
  named: (setting: 'workers' | 'processes') => string,
): void {
  for (const [setting, only] of [
    ['workers', 'threads'],
    ['processes', 'tcp'],
  ] as const) {
    const value = settings[setting];
    if (value === undefined) continue;
    const problem = hostCountProblem(value);
    if (problem) throw new InputError(named(setting), problem);
    if (transport !== only) throw new InputError(named(setting), `applies to the ${only} transport only`);
  }
}

/** Client ranks 1..clients in `count` contiguous groups of nearly equal size (no more groups than clients). */
export function groupClients(clients: number, count: number): number[][] {
  return rankBlocks(clients, Math.max(1, Math.min(count, clients))).map((block) => block.map((i) => i + 1));
}

/**
 * Clients a fault ends by ending what hosts them (a kill terminates the worker or the
 * process; `exit` and `crash` exit it): each needs a host of its own, or the fault would
 * take its neighbours too.
 */
export function ranksEndedWithTheirHost(plan: FaultPlan): Set<number> {
  const ranks = new Set<number>();
  for (const fault of plan.timed) if (fault.rank !== 0) ranks.add(fault.rank);
  for (const [rank, fault] of plan.simple) if (rank !== 0 && (fault === 'exit' || fault === 'crash')) ranks.add(rank);
  return ranks;
}

/**
 * The clients' groups: each rank in `alone` in a group of its own, the others in `count`
 * contiguous groups, or one each with 'all'.
 */
export function placeClients(clients: number, count: WorkerCount, alone: ReadonlySet<number>): number[][] {
  const packed = Array.from({ length: clients }, (_, i) => i + 1).filter((rank) => !alone.has(rank));
  const groups = packed.length === 0 ? [] : groupClients(packed.length, count === 'all' ? packed.length : count);
  return [
    ...groups.map((group) => group.map((i) => packed[i - 1])),
    ...[...alone]
      .filter((rank) => rank >= 1 && rank <= clients)
      .sort((a, b) => a - b)
      .map((rank) => [rank]),
  ];
}

/** Ranks 0..ranks-1 in `count` contiguous blocks of nearly equal size, the first holding rank 0. */
export function rankBlocks(ranks: number, count: number): number[][] {
  return Array.from({ length: count }, (_, b) => {
    const from = Math.floor((b * ranks) / count);
    return Array.from({ length: Math.floor(((b + 1) * ranks) / count) - from }, (_, i) => from + i);
  });
}

/** How messages name the ranks of one process: `rank 3`, or `ranks 1-15 (one process)`. */
export function ranksNamed(ranks: readonly number[]): string {
  return ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${rankRanges(ranks)} (one process)`;
}

/** Ranks as a short list: `1-15,17,20-22`. */
export function rankRanges(ranks: readonly number[]): string {
  const sorted = [...ranks].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}
