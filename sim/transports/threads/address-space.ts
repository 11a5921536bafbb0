/**
 * Worker threads that the process's address-space limit (`ulimit -v`) leaves room for.
 * Node 20 reserves about 0.7 GiB of virtual memory per worker (its heap and code range;
 * measured on this kind of machine: VmSize grew 620-715 MiB per worker), and a reservation
 * that fails is V8's "Fatal process OOM", an abort that no handler sees. So the count is
 * checked, and the automatic one lowered, before any worker starts.
 */
import { readFileSync } from 'node:fs';

const PER_WORKER_BYTES = 720 * 2 ** 20;
/** Kept for the main thread's own growth: the tracker, the outputs read back. */
const HEADROOM_BYTES = 256 * 2 ** 20;

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Not Linux, or no /proc: no limit that can be read.
    return '';
  }
}

/** The soft limit on the address space in bytes, or undefined for none (or none known). */
export function addressSpaceLimit(limits = readProc('/proc/self/limits')): number | undefined {
  const soft = /^Max address space\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}

/** How many workers fit under the limit, counting `booted` ones whose space is taken already; Infinity with no limit. */
export function workersThatFit(limit = addressSpaceLimit(), booted = 0, status = readProc('/proc/self/status')): number {
  if (limit === undefined) return Infinity;
  const used = Number(/^VmSize:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  return booted + Math.max(0, Math.floor((limit - used - HEADROOM_BYTES) / PER_WORKER_BYTES));
}

export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** What a refused worker count says: what ran out, and what to pass instead. */
export function tooManyWorkers(count: number, fit: number, limit: number): string {
  const need = `${count} worker threads need about ${gib(count * PER_WORKER_BYTES)} of address space`;
  const room = `the limit (ulimit -v) of ${gib(limit)} leaves room for ${fit}`;
  const instead = fit > 0 ? `pass --workers ${fit} or fewer, or raise the limit` : 'raise the limit, or use --transport virtual';
  return `${need}, but ${room}: ${instead}`;
}
