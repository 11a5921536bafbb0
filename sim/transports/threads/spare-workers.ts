/**
 * Worker threads booted before a run asks for them. A worker takes ~35 ms to boot (a V8
 * isolate and Node's bootstrap) however little it loads, and a small run waited for it:
 * started while the CLI is still loading, the boot overlaps that instead. A spare learns
 * its run from its first message (`SetupMessage`), so it can start before the run is known.
 * Spares are unref'd: one never taken does not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
// Sets the temp-file token in the environment before any worker inherits it.
import '../../job/temp-token.js';
import { RunFailure } from '../../run/failures.js';

/** The worker and all it imports, as one file (see sim/build/bundle.ts). */
const WORKER_ENTRY = new URL('./worker.bundle.js', import.meta.url);

export interface StartedWorker {
  worker: Worker;
  /** It has come online already (a spare): its 'online' event has passed. */
  online: boolean;
  /** An error it raised before it was taken, to be reported by whoever takes it. */
  early?: Error;
}

const spares: StartedWorker[] = [];

/** A worker the system would not create: what ran out, and what to do. */
function refusedThread(error: unknown): Error {
  // Node reports it as ERR_WORKER_INIT_FAILED with the system's code as the message.
  const code = /\b(EAGAIN|ENOMEM)\b/.exec(`${(error as NodeJS.ErrnoException).code} ${(error as Error).message}`)?.[1];
  if (code === undefined) return error as Error;
  return new RunFailure(
    `cannot start another worker thread: the system refused it (${code}: the limit on threads and processes, ulimit -u or ` +
      `/proc/sys/kernel/threads-max, or memory, ran out); pass --workers with fewer threads`,
    1,
  );
}

function boot(): StartedWorker {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_ENTRY);
  } catch (error) {
    throw refusedThread(error);
  }
  const started: StartedWorker = { worker, online: false };
  started.worker.once('online', () => (started.online = true));
  // Until taken nobody listens: an error must not go unhandled, and is kept for the taker.
  started.worker.once('error', (error) => (started.early = error));
  return started;
}

/** Starts booting workers until `count` spares wait. */
export function warmWorkers(count: number): void {
  while (spares.length < count) {
    const spare = boot();
    spare.worker.unref();
    spares.push(spare);
  }
}

/**
 * Spares online and waiting: their address space is taken already (address-space.ts). One
 * still booting reserves its heap on its own thread, maybe not yet: it does not count.
 */
export function spareCount(): number {
  return spares.filter((spare) => spare.online).length;
}

/** A spare if one waits, else a worker booted now. */
export function takeWorker(): StartedWorker {
  const spare = spares.shift();
  if (!spare) return boot();
  spare.worker.ref();
  return spare;
}
