/**
 * Connection set-up that waits out a busy machine. On 2 cores a job of 128 processes starts
 * them all at once, and a listener may take seconds to send its challenge: a connection
 * that timed out, or closed before the challenge, is tried again with backoff until the
 * user's `--connect-timeout` has passed (and to the coordinator, one refused too: it may
 * not listen yet). A refusal after the key was proved is not
 * retried: that is a wrong key or a job already ending, and says so at once.
 */
import { HandshakeBusy } from './handshake.js';

const FIRST_DELAY_MS = 50;
const LONGEST_DELAY_MS = 2000;

/** Errors of a listener that is busy or slow, not gone. */
const BUSY_CODES = new Set(['ETIMEDOUT', 'EAGAIN']);
/** And of one that has not started yet: the coordinator may start after the ranks that reach for it. */
const NOT_YET_CODES = new Set([...BUSY_CODES, 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

function retriable(error: unknown, codes: ReadonlySet<string>): boolean {
  if (error instanceof HandshakeBusy) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && codes.has(code);
}

/** A peer rank listened before it registered, so a refused connection means it is gone: only a busy one is tried again. */
export const peerMayAnswer = (error: unknown): boolean => retriable(error, BUSY_CODES);
/** The coordinator may not listen yet. */
export const coordinatorMayAnswer = (error: unknown): boolean => retriable(error, NOT_YET_CODES);

/**
 * Runs `attempt` until it succeeds, fails for good (`mayAnswer` says no), or the next try
 * would start after `deadline` (ms since the epoch).
 */
export async function retryUntil<T>(deadline: number, mayAnswer: (error: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, LONGEST_DELAY_MS)) {
    try {
      return await attempt();
    } catch (error) {
      // Jitter keeps 127 ranks refused together from all knocking again together.
      const wait = delay / 2 + Math.random() * delay;
      if (!mayAnswer(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
