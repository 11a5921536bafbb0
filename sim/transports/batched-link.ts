import type { MessagePort } from 'node:worker_threads';
import { RANK_LOST } from '../comm/comm.js';
import type { Letter } from '../comm/mailbox.js';
import { decodeBatch, encodeInto, type AnyWireLayout, type InternedLists } from '../comm/wire-layout.js';

/**
 * Where a link's messages go: a rank's mailbox, plus the transport's notices that a rank
 * was lost or came back. Notices travel on rank 0's links, in order with its messages and
 * with each other, so that a rank never hears of a loss before an earlier return.
 */
export interface LinkInbox {
  deliver(letter: Letter): boolean;
  readonly delivered: number;
  rankLost(rank: number, reason: string): boolean;
  /** Rank `rank` runs again, in its `life`-th life (the first restart starts life 1). */
  rankBack(rank: number, life: number): void;
  /** Rank `rank` at the other end has heard of this one's `life`: what follows is meant for that life. */
  backHeard?(rank: number, life: number): void;
}

/** The tag of the notice that a lost rank runs again (threads transport only: it never reaches rank code). */
export const RANK_BACK = 254;
/** The tag of the answer to RANK_BACK, sent back on the same link ahead of anything newer. */
export const BACK_HEARD = 253;

/** A notice on a link: which rank was lost, and why. */
export interface LinkNotice {
  rank: number;
  reason: string;
}

/**
 * A notice that a rank is back, or its answer. The life tells restarts apart: the answer to
 * an earlier restart, arriving after a later one, must not vouch for the later life.
 */
export interface LifeNotice {
  rank: number;
  life: number;
}

/** A protocol's layout plus the notices a link may carry. */
export function withNotices(layout: AnyWireLayout): AnyWireLayout {
  const notice = [
    ['rank', 'int'],
    ['reason', 'string'],
  ] as const;
  const life = [
    ['rank', 'int'],
    ['life', 'int'],
  ] as const;
  return { ...layout, [RANK_LOST]: notice, [RANK_BACK]: life, [BACK_HEARD]: life };
}

/**
 * One direction of a rank-to-rank channel over a MessagePort. Messages queued in one turn
 * of the event loop travel as one JSON string of flat values (tag, then the payload's
 * fields in layout order), the cheapest thing a port carries; the batch goes out on
 * `setImmediate` because microtasks run after every port message, which would flush
 * batches of one. A link may be created before its port exists (the
 * port is wired lazily); it then holds its messages until `attach`.
 */
export class BatchedLink implements Flushable {
  private port: MessagePort | undefined;
  /** Flat messages: tag, then payload fields. */
  private batch: unknown[] = [];

  constructor(
    private readonly flusher: FlushQueue,
    private readonly layout: AnyWireLayout,
    private readonly interned?: InternedLists,
  ) {}

  attach(port: MessagePort): void {
    this.port = port;
    if (this.batch.length > 0) this.flusher.mark(this);
  }

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0 && this.port) this.flusher.mark(this);
    encodeInto(this.batch, this.layout, tag, payload, this.interned);
  }

  flush(): void {
    if (!this.port || this.batch.length === 0) return;
    this.port.postMessage(JSON.stringify(this.batch));
    this.batch = [];
  }

  close(): void {
    this.port?.close();
  }
}

export interface Flushable {
  flush(): void;
}

/**
 * Messages to a rank hosted in the same event loop (a packed worker, a TCP rank group),
 * delivered on the same turn as a port's or a socket's batch would be flushed: handing
 * them over inside `send` would let two co-hosted ranks trade requests and replies as one
 * long chain of microtasks, starving everything else. The payload objects themselves are
 * handed over, as virtual time does (Comm's contract: nobody changes a payload once sent):
 * copying them through the wire layout, as a port must, was a third of a packed worker's time.
 */
export class LocalLink implements Flushable {
  private batch: Letter[] = [];

  constructor(
    private readonly flusher: FlushQueue,
    private readonly source: number,
    private readonly receive: (batch: readonly Letter[]) => void,
  ) {}

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0) this.flusher.mark(this);
    this.batch.push({ source: this.source, tag, payload });
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.receive(batch);
  }
}

/** Flushes every link that has something to send, once per event-loop turn. */
export class FlushQueue {
  private dirty: Flushable[] = [];
  private scheduled = false;

  mark(link: Flushable): void {
    this.dirty.push(link);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  readonly flushAll = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const link of dirty) link.flush();
  };
}

export interface BatchHandlers {
  /** Sees each batch's message count, for progress accounting without per-message work. */
  onBatch?: (count: number) => void;
  /** Both ends are our own threads, so a batch that does not decode is a bug: end the run. */
  onBadBatch: (problem: string) => void;
}

/**
 * Delivers every batch that arrives on `port` from rank `source` into `inbox`. Notices that
 * a rank was lost or is back are taken only before any letter in a turn of the event loop:
 * the rank code handles the letters that came before them (in microtasks) first, so what it
 * sends in answer to a restarted rank's earlier life goes out ahead of the answer to the
 * notice, and what it does on hearing of a loss it does knowing of a return that followed.
 * What follows a notice on this port waits with it.
 */
export function receiveBatches(
  port: MessagePort,
  source: number,
  inbox: LinkInbox,
  layout: AnyWireLayout,
  handlers: BatchHandlers,
  interned?: InternedLists,
): void {
  /** Messages waiting for the next turn, from a notice on; undefined when none wait. */
  let waiting: { tag: number; payload: unknown }[] | undefined;
  let lettersThisTurn = false;
  const take = (tag: number, payload: unknown): void => {
    if (waiting) waiting.push({ tag, payload });
    else if (tag !== RANK_LOST && tag !== RANK_BACK && tag !== BACK_HEARD) {
      lettersThisTurn = true;
      inbox.deliver({ source, tag, payload });
    } else if (tag === BACK_HEARD) inbox.backHeard?.((payload as LifeNotice).rank, (payload as LifeNotice).life);
    else if (lettersThisTurn) {
      waiting = [{ tag, payload }];
      setImmediate(release);
    } else if (tag === RANK_LOST) inbox.rankLost((payload as LinkNotice).rank, (payload as LinkNotice).reason);
    else inbox.rankBack((payload as LifeNotice).rank, (payload as LifeNotice).life);
  };
  const release = (): void => {
    const before = inbox.delivered;
    const queue = waiting ?? [];
    waiting = undefined;
    lettersThisTurn = false;
    for (const { tag, payload } of queue) take(tag, payload);
    handlers.onBatch?.(inbox.delivered - before);
  };
  port.on('message', (data: string) => {
    const before = inbox.delivered;
    lettersThisTurn = false;
    let decoded: boolean;
    try {
      decoded = decodeBatch(JSON.parse(data) as unknown[], layout, take, interned);
    } catch {
      decoded = false;
    }
    if (!decoded) handlers.onBadBatch(`rank ${source} sent a batch that does not decode`);
    else handlers.onBatch?.(inbox.delivered - before);
  });
}
