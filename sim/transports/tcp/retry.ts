/**
 * Connection set-up that waits out a busy machine. On 2 cores a job of 128 processes starts
 * them all at once, and a listener may take seconds to send its challenge: a connection
 * refused, timed out, or closed before the challenge is tried again, with backoff, until
 * the user's `--connect-timeout` has passed. A refusal after the key was proved is not
 * retried: that is a wrong key or a job already ending, and says so at once.
 */
import { HandshakeBusy } from './handshake.js';

const FIRST_DELAY_MS = 50;
const LONGEST_DELAY_MS = 2000;

const RETRIABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAGAIN']);

/** Whether a failed attempt to connect may succeed if tried again. */
export function mayRetry(error: unknown): boolean {
  if (error instanceof HandshakeBusy) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && RETRIABLE_CODES.has(code);
}

/** Runs `attempt` until it succeeds, fails for good, or the next try would start after `deadline` (ms since the epoch). */
export async function retryUntil<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, LONGEST_DELAY_MS)) {
    try {
      return await attempt();
    } catch (error) {
      // Jitter keeps 127 ranks refused together from all knocking again together.
      const wait = delay / 2 + Math.random() * delay;
      if (!mayRetry(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
