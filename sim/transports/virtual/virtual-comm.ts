import type { Envelope, PayloadMap, RecvFilter, TransportEnvelope } from '../../comm/comm.js';
import { MailboxComm } from '../../comm/local-comm.js';

/** What a rank's comm needs of the scheduler; the world implements it. */
export interface Scheduler {
  send(source: number, dest: number, tag: number, payload: unknown): void;
  /** The rank waits in a receive: the scheduler may move on. */
  blocked(rank: number): void;
  alarm(rank: number, ms: number): void;
  /** Virtual nanoseconds. */
  readonly now: number;
}

/**
 * A rank's Comm in virtual time: a receive that would wait tells the scheduler the rank is
 * blocked. A killed rank's comm goes dead: what it sends is lost, and it never blocks again.
 */
export class VirtualComm<M extends PayloadMap> extends MailboxComm<M> {
  alive = true;

  constructor(
    rank: number,
    size: number,
    private readonly world: Scheduler,
  ) {
    super(rank, size, (dest, tag, payload) => {
      if (this.alive) world.send(rank, dest, tag, payload);
    });
  }

  override recv(filter?: RecvFilter): Promise<Envelope<M> | TransportEnvelope> {
    const letter = this.mailbox.take(filter);
    if (letter) return Promise.resolve(letter as Envelope<M>);
    // The waiter is registered before the scheduler hears this rank block, so a message it
    // delivers next is handed over, and counted as waking this rank.
    const waiting = this.mailbox.block(filter) as Promise<Envelope<M>>;
    if (this.alive) this.world.blocked(this.rank);
    return waiting;
  }

  override now(): number {
    return this.world.now / 1e6;
  }

  override alarm(ms: number): void {
    if (this.alive) this.world.alarm(this.rank, ms);
  }
}
