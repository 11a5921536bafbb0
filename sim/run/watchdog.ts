/**
 * The stall and livelock watch of a run on a wall clock (virtual time detects both in its
 * scheduler, in simulated time). One silence timer on messages moved; one on progress,
 * because messages that keep moving while nobody obtains a segment are a livelock.
 */
import type { TimedFault } from '../faults/plan.js';
import type { FaultSchedule } from '../faults/schedule.js';
import { StallFailure } from './failures.js';

/** How long a rank has to say what it waits for before the stall report says it did not answer. */
export const STATUS_WAIT_MS = 1000;
/** How many stall timeouts messages may move without any segment obtained. */
export const LIVELOCK_FACTOR = 6;

export interface StallWatch {
  stallTimeoutMs: number;
  /** A count of messages delivered anywhere in the job; anything that moves it is activity. */
  moved: () => number;
  /** Segments obtained, ranks settled: anything that moves it is progress. */
  progressed: () => number;
  /** One line per rank: what it waits for. */
  describe: () => Promise<string[]>;
  fail: (failure: StallFailure) => void;
}

/** Starts both watches; returns the function that stops them. */
export function watchForStalls(watch: StallWatch): () => void {
  const stalled = (timeoutMs: number, what?: string) => (): void => {
    watch.describe().then(
      (lines) => watch.fail(new StallFailure(timeoutMs, lines, what)),
      () => watch.fail(new StallFailure(timeoutMs, ['(the ranks could not be asked)'], what)),
    );
  };
  const stopSilence = startWatchdog(watch.stallTimeoutMs, watch.moved, stalled(watch.stallTimeoutMs));
  const livelockMs = LIVELOCK_FACTOR * watch.stallTimeoutMs;
  const stopLivelock = startWatchdog(livelockMs, watch.progressed, stalled(livelockMs, 'messages moved but no segment was obtained'));
  return () => {
    stopSilence();
    stopLivelock();
  };
}

/**
 * Calls `onStall` once when `moved()` has not changed for `timeoutMs`. Polls, so it costs
 * nothing on the data plane.
 */
export function startWatchdog(timeoutMs: number, moved: () => number, onStall: () => void): () => void {
  let last = moved();
  let lastChange = Date.now();
  const timer = setInterval(
    () => {
      const now = moved();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= timeoutMs) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(10, Math.min(1000, timeoutMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** `time=` faults on a wall clock, a timer each; returns the function that cancels them. */
export function armTimeFaults(faults: FaultSchedule, plan: readonly TimedFault[], clock: () => number): () => void {
  const timers = plan.flatMap((fault) =>
    fault.at.kind === 'time' ? [setTimeout(() => faults.time(clock()), fault.at.seconds * 1000)] : [],
  );
  return () => timers.forEach(clearTimeout);
}
