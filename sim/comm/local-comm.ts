import {
  ALARM,
  RANK_LOST,
  type Comm,
  type Envelope,
  type PayloadMap,
  type RecvFilter,
  type TagOf,
  type TransportEnvelope,
} from './comm.js';
import { Mailbox } from './mailbox.js';

/** Hands a message to the transport; the transport decides how it travels. */
export type Post = (dest: number, tag: number, payload: unknown) => void;

/**
 * The Comm every transport gives its ranks: matching is done by a local Mailbox, sending
 * by the transport's `post`. The casts below are the one place where a letter's payload
 * is trusted to fit its tag, which holds while every sender is rank code checked by the
 * compiler; a transport taking bytes from outside the process must validate first.
 */
export class MailboxComm<M extends PayloadMap> implements Comm<M> {
  readonly mailbox = new Mailbox();
  messagesOut = 0;
  /** Ranks the transport reported lost: messages to them go nowhere. Made at the first loss (most ranks see none). */
  private lostRanks: Set<number> | undefined;

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly post: Post,
  ) {}

  send<T extends TagOf<M>>(dest: number, tag: T, payload: M[T]): void {
    if (!Number.isInteger(dest) || dest < 0 || dest >= this.size || dest === this.rank) {
      throw new RangeError(`rank ${this.rank}: cannot send to rank ${dest} (job has ${this.size} ranks)`);
    }
    if (this.lostRanks?.has(dest)) return;
    this.messagesOut++;
    this.post(dest, tag, payload);
  }

  recv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Promise<Envelope<M, T> | TransportEnvelope>;
  recv(filter?: RecvFilter): Promise<Envelope<M> | TransportEnvelope>;
  recv(filter?: RecvFilter): Promise<Envelope<M> | TransportEnvelope> {
    return this.mailbox.wait(filter) as Promise<Envelope<M>>;
  }

  tryRecv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Envelope<M, T> | TransportEnvelope | undefined;
  tryRecv(filter?: RecvFilter): Envelope<M> | TransportEnvelope | undefined;
  tryRecv(filter?: RecvFilter): Envelope<M> | TransportEnvelope | undefined {
    return this.mailbox.take(filter) as Envelope<M> | undefined;
  }

  now(): number {
    return performance.now();
  }

  alarm(ms: number): void {
    setTimeout(() => this.mailbox.deliver({ source: this.rank, tag: ALARM, payload: null }), ms).unref();
  }

  /** The transport learned `rank` is gone: tell this rank, once, and drop what it sends there. */
  rankLost(rank: number, reason: string): boolean {
    if (rank === this.rank || this.lostRanks?.has(rank)) return false;
    (this.lostRanks ??= new Set()).add(rank);
    return this.mailbox.deliver({ source: rank, tag: RANK_LOST, payload: { reason } });
  }

  isLost(rank: number): boolean {
    return this.lostRanks?.has(rank) === true;
  }

  /** A lost rank was started again: messages to it go through once more. */
  rankBack(rank: number): void {
    this.lostRanks?.delete(rank);
  }

  get messagesIn(): number {
    return this.mailbox.delivered;
  }

  /** This rank as a transport's link sees it: its mailbox, and the notices of lost ranks. */
  inbox(): {
    deliver: Mailbox['deliver'];
    readonly delivered: number;
    rankLost(rank: number, reason: string): boolean;
    rankBack(rank: number): void;
  } {
    const mailbox = this.mailbox;
    return {
      deliver: (letter) => mailbox.deliver(letter),
      get delivered() {
        return mailbox.delivered;
      },
      rankLost: (rank, reason) => this.rankLost(rank, reason),
      rankBack: (rank) => this.rankBack(rank),
    };
  }
}
