import type { TraceSink } from '../../trace/trace.js';

/** Lossy links and slow ranks, on top of the network model. */
export interface LinkFaults {
  /** Extra nanoseconds on every message to or from a rank. */
  delayNs: Map<number, number>;
  /** Per link (`from * size + to`), the share of messages dropped. */
  dropRates: Map<number, number>;
}

export interface WorldHooks {
  /** The tag of a delivered segment: the scheduler's measure of progress. */
  progressTag: number;
  /** Simulated nanoseconds without any segment delivered after which the run is a livelock. */
  livelockNs: number;
  /** Wall milliseconds the scheduler keeps the thread before the event loop turns; default 50. */
  turnMs?: number;
  /** Messages keep moving but no segment has been delivered for `livelockNs`. */
  livelocked: (unfinished: number[]) => void;
  /** The scheduler itself failed (a trace write, a hook). */
  broke: (error: unknown) => void;
  /** Every message as it is delivered, with its virtual arrival time. */
  trace?: TraceSink;
  /** Called after each delivery to a rank (for timelines and fault points). */
  delivered?: (dest: number, tag: number) => void;
  /** Every rank is blocked and no message is in flight, but some rank has not finished. */
  deadlocked: (unfinished: number[]) => void;
  /** Every rank has finished. */
  finished: () => void;
}
