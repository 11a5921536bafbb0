/**
 * The message-passing interface every rank is written against, modelled on mpi4py:
 * a rank knows its number and the job size, sends tagged payloads and receives them
 * with optional source and tag filters. Every transport implements it; rank code never
 * learns which one carries it. A payload must not be changed after it is sent, nor once
 * received: transports may hold it until their next flush, and may hand the receiver the
 * very object sent (virtual time, and ranks sharing a worker thread).
 */

/** Matches a message from any rank. */
export const ANY_SOURCE = -1;
/** Matches a message with any tag. */
export const ANY_TAG = -1;

/**
 * The tag of a loss notice: the transport learned that rank `source` is gone (its thread
 * or process died, its connection broke, a fault killed it). A notice matches every
 * receive whose source filter admits the lost rank, whatever tag it asks for, so a rank
 * blocked on a dead one wakes up. Sends to a lost rank are dropped without error. A rank
 * started again after it was lost never receives what was sent to its earlier life.
 */
export const RANK_LOST = 0;
/** The tag of an alarm a rank set itself with `Comm.alarm`; its source is the rank itself. */
export const ALARM = 255;

export interface LostNotice {
  reason: string;
}

/** What the transport itself may hand a rank besides the protocol's messages. */
export type TransportEnvelope =
  { source: number; tag: typeof RANK_LOST; payload: LostNotice } | { source: number; tag: typeof ALARM; payload: null };

/**
 * Tag → payload type. A protocol declares one such map and the compiler checks every
 * `send` and every narrowed `recv` against it.
 */
export type PayloadMap = { [tag: number]: unknown };

export type TagOf<M extends PayloadMap> = keyof M & number;

/** One received message: a discriminated union over the map's tags. */
export type Envelope<M extends PayloadMap, T extends TagOf<M> = TagOf<M>> = {
  [K in T]: { source: number; tag: K; payload: M[K] };
}[T];

export interface RecvFilter<T extends number = number> {
  /** A rank, or ANY_SOURCE (the default). */
  source?: number;
  /** A tag, or ANY_TAG (the default). */
  tag?: T | typeof ANY_TAG;
}

export interface Comm<M extends PayloadMap> {
  readonly rank: number;
  readonly size: number;
  /**
   * Queues a message; never blocks. Messages from one rank to another with one tag are
   * received in the order sent (MPI's non-overtaking rule); nothing else is ordered.
   */
  send<T extends TagOf<M>>(dest: number, tag: T, payload: M[T]): void;
  /**
   * Resolves with the earliest queued message that matches, waiting if there is none. A
   * loss notice (RANK_LOST) or an alarm can come instead of the message asked for.
   */
  recv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Promise<Envelope<M, T> | TransportEnvelope>;
  recv(filter?: RecvFilter<TagOf<M>>): Promise<Envelope<M> | TransportEnvelope>;
  /** The synchronous path: the earliest matching queued message, or undefined. */
  tryRecv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Envelope<M, T> | TransportEnvelope | undefined;
  tryRecv(filter?: RecvFilter<TagOf<M>>): Envelope<M> | TransportEnvelope | undefined;
  /**
   * After `ms` milliseconds of the transport's clock (simulated time on the virtual
   * transport), delivers an ALARM message to this rank: the way to time out a wait.
   */
  alarm(ms: number): void;
  /**
   * Milliseconds on the transport's clock (simulated time on the virtual transport, so a
   * run that reads it still replays); only differences between two readings mean anything.
   */
  now(): number;
  /** Whether the transport has reported `rank` lost (and not started again since). */
  isLost(rank: number): boolean;
}
