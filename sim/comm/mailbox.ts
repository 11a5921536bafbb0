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
 * path (start-up handshakes). The oldest blocked receiver lives in fields of the mailbox
 * itself, any later ones in a list: a rank blocks once per message it waits for, almost
 * always with one receive at a time, and an object per block was a sixth of what a message
 * cost in virtual time, where a list of them cost a cache miss more per delivery.
 */
export class Mailbox {
  private queue: Letter[] = [];
  private head = 0;
  /** The oldest blocked receiver: what it waits for, and how to wake it (undefined: none). */
  private firstSource = ANY_SOURCE;
  private firstTag = ANY_TAG;
  private firstResolve: ((letter: Letter) => void) | undefined;
  /** Receivers blocked after it, oldest first. */
  private later: Waiter[] | undefined;
  /** The filter of the receive being registered, read by `register` (one bound function, not a closure per receive). */
  private blockingSource = ANY_SOURCE;
  private blockingTag = ANY_TAG;
  /** Letters ever delivered, matched or not. */
  delivered = 0;

  /** Queues a letter, or hands it to a blocked receiver; true when it woke one. */
  deliver(letter: Letter): boolean {
    this.delivered++;
    const resolve = this.firstResolve;
    if (resolve !== undefined && matches(letter, this.firstSource, this.firstTag)) {
      this.promote();
      resolve(letter);
      return true;
    }
    const later = this.later;
    if (later) {
      for (let i = 0; i < later.length; i++) {
        if (!matches(letter, later[i].source, later[i].tag)) continue;
        const [waiter] = later.splice(i, 1);
        waiter.resolve(letter);
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
    this.blockingSource = filter?.source ?? ANY_SOURCE;
    this.blockingTag = filter?.tag ?? ANY_TAG;
    return new Promise(this.register);
  }

  private readonly register = (resolve: (letter: Letter) => void): void => {
    if (this.firstResolve === undefined) {
      this.firstSource = this.blockingSource;
      this.firstTag = this.blockingTag;
      this.firstResolve = resolve;
    } else {
      (this.later ??= []).push({ source: this.blockingSource, tag: this.blockingTag, resolve });
    }
  };

  /** The oldest receiver is woken: the next one, if any, takes its place. */
  private promote(): void {
    const next = this.later?.shift();
    this.firstSource = next?.source ?? ANY_SOURCE;
    this.firstTag = next?.tag ?? ANY_TAG;
    this.firstResolve = next?.resolve;
  }

  /** The filters of receives now blocked, oldest first. */
  waiting(): WaitState[] {
    if (this.firstResolve === undefined) return [];
    return [{ source: this.firstSource, tag: this.firstTag }, ...(this.later ?? []).map(({ source, tag }) => ({ source, tag }))];
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
