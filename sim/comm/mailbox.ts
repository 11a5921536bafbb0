import { ALARM, ANY_SOURCE, ANY_TAG, RANK_LOST, type RecvFilter } from './comm.js';

/** What a mailbox stores: the transport-level view of a message. */
export interface Letter {
  source: number;
  tag: number;
  payload: unknown;
}

interface Waiter {
  source: number;
  tag: number;
  resolve: (letter: Letter) => void;
}

/** What a rank is blocked on, for stall reports. */
export interface WaitState {
  source: number;
  tag: number;
}

/** Loss notices and alarms answer any tag: a rank waiting on a dead rank must wake. */
function matches(letter: Letter, source: number, tag: number): boolean {
  const tagged = tag === ANY_TAG || letter.tag === tag || letter.tag === RANK_LOST || letter.tag === ALARM;
  return tagged && (source === ANY_SOURCE || letter.source === source || letter.tag === ALARM);
}

/**
 * MPI matching for one rank. Invariants:
 * - a letter is handed to at most one receiver;
 * - a receiver always gets the earliest queued letter that matches it, so letters from
 *   one source with one tag are received in arrival order (non-overtaking);
 * - a letter arriving while a receiver waits for it goes to that receiver directly,
 *   without being queued.
 * Queued letters live in an array consumed from `head`; taking from the middle (a
 * filtered receive skipping earlier letters) splices, which only happens off the hot
 * path (start-up handshakes).
 */
export class Mailbox {
  private queue: Letter[] = [];
  private head = 0;
  private waiters: Waiter[] = [];
  /** Letters ever delivered, matched or not. */
  delivered = 0;

  /** Queues a letter, or hands it to a blocked receiver; true when it woke one. */
  deliver(letter: Letter): boolean {
    this.delivered++;
    const waiters = this.waiters;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      if (matches(letter, w.source, w.tag)) {
        waiters.splice(i, 1);
        w.resolve(letter);
        return true;
      }
    }
    this.queue.push(letter);
    return false;
  }

  take(filter?: RecvFilter): Letter | undefined {
    const source = filter?.source ?? ANY_SOURCE;
    const tag = filter?.tag ?? ANY_TAG;
    const queue = this.queue;
    for (let i = this.head; i < queue.length; i++) {
      const letter = queue[i];
      if (!matches(letter, source, tag)) continue;
      if (i === this.head) {
        this.head++;
        this.compact();
      } else {
        queue.splice(i, 1);
      }
      return letter;
    }
    return undefined;
  }

  wait(filter?: RecvFilter): Promise<Letter> {
    const now = this.take(filter);
    return now ? Promise.resolve(now) : this.block(filter);
  }

  /** Registers a receiver for the next matching letter; the caller has found none queued. */
  block(filter?: RecvFilter): Promise<Letter> {
    const source = filter?.source ?? ANY_SOURCE;
    const tag = filter?.tag ?? ANY_TAG;
    return new Promise((resolve) => this.waiters.push({ source, tag, resolve }));
  }

  /** The filters of receives now blocked, oldest first. */
  waiting(): WaitState[] {
    return this.waiters.map(({ source, tag }) => ({ source, tag }));
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
