/**
 * Liveness of the coordinator, seen from a rank. A stopped coordinator (SIGSTOP, a hung
 * host) keeps its connections open, so a rank that waits for the job's end would wait for
 * ever. The coordinator says `alive` every ALIVE_MS; a rank that hears nothing from it for
 * the silence limit the table gives ends, saying so. The limit is the run's stall timeout,
 * which the user sets: a coordinator slower than that is reported, not waited for.
 */
import type { CoordinatorControl } from './control.js';

export const ALIVE_MS = 1000;

/** The coordinator's side: an `alive` to every rank in `ranks()` every ALIVE_MS. Returns its stop. */
export function sendHeartbeats(ranks: () => Iterable<number>, send: (rank: number, message: CoordinatorControl) => void): () => void {
  const timer = setInterval(() => {
    // A lost rank's link is gone: the network drops what is sent to it.
    for (const rank of ranks()) send(rank, { type: 'alive' });
  }, ALIVE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** A rank's side: `heard()` on every frame from the coordinator; `silent` once nothing came for `limitMs`. */
export class CoordinatorSilence {
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(limitMs: number, silent: (seconds: number) => void) {
    this.timer = setInterval(
      () =>
        // After the loop has read its sockets: a rank that was itself paused reads what came meanwhile first.
        setImmediate(() => {
          const quiet = Date.now() - this.last;
          if (quiet > limitMs) {
            this.stop();
            silent(Math.round(quiet / 1000));
          }
        }),
      ALIVE_MS,
    );
    this.timer.unref();
  }

  heard(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
