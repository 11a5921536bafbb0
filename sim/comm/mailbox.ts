import { ALARM, ANY_SOURCE, ANY_TAG, RANK_LOST, type RecvFilter } from './comm.js';

/** What a mailbox stores: the transport-level view of a message. */
export interface Letter {
  source: number;
  tag: number;
  payload: unknown;
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
 * path (start-up handshakes). Blocked receivers live in three parallel arrays rather than
 * an object each: a rank blocks once per message it waits for, and in virtual time that
 * garbage was a sixth of what a message cost.
 */
export class Mailbox {
  private queue: Letter[] = [];
  private head = 0;
  /** Blocked receivers, oldest first: what each waits for, and how to wake it. */
  private readonly waitSources: number[] = [];
  private readonly waitTags: number[] = [];
  private readonly waitResolves: ((letter: Letter) => void)[] = [];
  /** The filter of the receive being registered, read by `register` (one bound function, not a closure per receive). */
  private blockingSource = ANY_SOURCE;
  private blockingTag = ANY_TAG;
  /** Letters ever delivered, matched or not. */
  delivered = 0;

  /** Queues a letter, or hands it to a blocked receiver; true when it woke one. */
  deliver(letter: Letter): boolean {
    this.delivered++;
    const sources = this.waitSources;
    for (let i = 0; i < sources.length; i++) {
      if (!matches(letter, sources[i], this.waitTags[i])) continue;
      const resolve = this.waitResolves[i];
      this.unblock(i);
      resolve(letter);
      return true;
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
    this.waitSources.push(this.blockingSource);
    this.waitTags.push(this.blockingTag);
    this.waitResolves.push(resolve);
  };

  /** Takes waiter `i` off the lists; the last one (the usual case: one receive at a time) without a splice. */
  private unblock(i: number): void {
    const last = this.waitSources.length - 1;
    if (i === last) {
      this.waitSources.pop();
      this.waitTags.pop();
      this.waitResolves.pop();
      return;
    }
    this.waitSources.splice(i, 1);
    this.waitTags.splice(i, 1);
    this.waitResolves.splice(i, 1);
  }

  /** The filters of receives now blocked, oldest first. */
  waiting(): WaitState[] {
    return this.waitSources.map((source, i) => ({ source, tag: this.waitTags[i] }));
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
