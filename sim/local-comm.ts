import type { Comm, Envelope, PayloadMap, RecvFilter, TagOf } from './comm.js';
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

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly post: Post,
  ) {}

  send<T extends TagOf<M>>(dest: number, tag: T, payload: M[T]): void {
    if (!Number.isInteger(dest) || dest < 0 || dest >= this.size || dest === this.rank) {
      throw new RangeError(`rank ${this.rank}: cannot send to rank ${dest} (job has ${this.size} ranks)`);
    }
    this.messagesOut++;
    this.post(dest, tag, payload);
  }

  recv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Promise<Envelope<M, T>>;
  recv(filter?: RecvFilter): Promise<Envelope<M>>;
  recv(filter?: RecvFilter): Promise<Envelope<M>> {
    return this.mailbox.wait(filter) as Promise<Envelope<M>>;
  }

  tryRecv<T extends TagOf<M>>(filter: RecvFilter<T> & { tag: T }): Envelope<M, T> | undefined;
  tryRecv(filter?: RecvFilter): Envelope<M> | undefined;
  tryRecv(filter?: RecvFilter): Envelope<M> | undefined {
    return this.mailbox.take(filter) as Envelope<M> | undefined;
  }

  get messagesIn(): number {
    return this.mailbox.delivered;
  }
}
