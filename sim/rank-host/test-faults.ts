/**
 * The test faults of the harness (`--fault crash|exit|stall|refuse:R`), there to exercise
 * its failure paths: the rank throws, exits, stops reading its messages, or answers NACK to
 * every request. Each has one mechanism, the same on every transport: `refuse` and `stall`
 * act on the rank's comm, so the rank code and the transport under it stay as they are;
 * `crash` and `exit` act as the client starts.
 */
import { Tag, type SwarmComm, type SwarmPayloads } from '../../ranks/protocol.js';
import type { Envelope, RecvFilter, TagOf, TransportEnvelope } from '../comm/comm.js';
import type { MailboxComm } from '../comm/local-comm.js';
import { Mailbox } from '../comm/mailbox.js';

export const RANK_FAULTS = ['crash', 'exit', 'stall', 'refuse'] as const;
export type RankFault = (typeof RANK_FAULTS)[number];

/** The code a rank under `exit` ends with, as its process or worker would. */
export const FAULT_EXIT_CODE = 3;

/** The tag a rank under `fault` really sends: a refusing rank turns every ACK into a NACK. */
export function faultyTag(fault: RankFault | null | undefined, tag: number): number {
  return tag === Tag.ACK && fault === 'refuse' ? Tag.NACK : tag;
}

/** What a transport carries out for a client under `exit`: the end of its process or worker, with this code. */
export interface ExitEnd {
  type: 'exit';
  code: number;
}

/** `crash` throws as the client starts; `exit` ends it there, as an exit with code 3 would. */
export function faultAtStart(fault: RankFault | null | undefined): ExitEnd | undefined {
  if (fault === 'crash') throw new Error('injected crash (--fault crash)');
  if (fault === 'exit') return { type: 'exit', code: FAULT_EXIT_CODE };
  return undefined;
}

/** The comm a rank runs on under its fault, and the mailbox its receives wait in (for the stall answer). */
export interface FaultedComm {
  comm: SwarmComm;
  reads: Mailbox;
}

export function withTestFault(comm: MailboxComm<SwarmPayloads>, fault: RankFault | null | undefined): FaultedComm {
  if (fault === 'refuse' || fault === 'stall') {
    const faulty = new FaultyComm(comm, fault);
    return { comm: faulty, reads: faulty.reads };
  }
  return { comm, reads: comm.mailbox };
}

/**
 * A comm that refuses or stalls. Refusing, every ACK it sends goes as a NACK. Stalled, its
 * receives wait in a mailbox nothing reaches, so they never complete, and the stall report
 * shows them as the rank left them; what the transport delivers is taken and dropped, so
 * that the transport sees a rank blocked in a receive (the virtual scheduler moves on only
 * then) and the watchdog, once nothing moves any more, fires.
 */
class FaultyComm implements SwarmComm {
  readonly reads: Mailbox;
  private discarding = false;

  constructor(
    private readonly inner: MailboxComm<SwarmPayloads>,
    private readonly fault: 'refuse' | 'stall',
  ) {
    this.reads = fault === 'stall' ? new Mailbox() : inner.mailbox;
  }

  get rank(): number {
    return this.inner.rank;
  }

  get size(): number {
    return this.inner.size;
  }

  send<T extends TagOf<SwarmPayloads>>(dest: number, tag: T, payload: SwarmPayloads[T]): void {
    // ACK and NACK carry the same payload: only the tag changes.
    this.inner.send(dest, faultyTag(this.fault, tag) as T, payload);
  }

  recv<T extends TagOf<SwarmPayloads>>(filter: RecvFilter<T> & { tag: T }): Promise<Envelope<SwarmPayloads, T> | TransportEnvelope>;
  recv(filter?: RecvFilter<TagOf<SwarmPayloads>>): Promise<Envelope<SwarmPayloads> | TransportEnvelope>;
  recv(filter?: RecvFilter<TagOf<SwarmPayloads>>): Promise<Envelope<SwarmPayloads> | TransportEnvelope> {
    if (this.fault === 'refuse') return this.inner.recv(filter);
    this.discardArrivals();
    return this.reads.wait(filter) as Promise<Envelope<SwarmPayloads>>;
  }

  tryRecv<T extends TagOf<SwarmPayloads>>(filter: RecvFilter<T> & { tag: T }): Envelope<SwarmPayloads, T> | TransportEnvelope | undefined;
  tryRecv(filter?: RecvFilter<TagOf<SwarmPayloads>>): Envelope<SwarmPayloads> | TransportEnvelope | undefined;
  tryRecv(filter?: RecvFilter<TagOf<SwarmPayloads>>): Envelope<SwarmPayloads> | TransportEnvelope | undefined {
    if (this.fault === 'refuse') return this.inner.tryRecv(filter);
    this.discardArrivals();
    return undefined;
  }

  alarm(ms: number): void {
    this.inner.alarm(ms);
  }

  now(): number {
    return this.inner.now();
  }

  isLost(rank: number): boolean {
    return this.inner.isLost(rank);
  }

  /** From the rank's first receive on, everything that arrives is dropped unread. */
  private discardArrivals(): void {
    if (this.discarding) return;
    this.discarding = true;
    const inner = this.inner;
    void (async () => {
      for (;;) {
        while (inner.tryRecv() !== undefined) {
          // dropped: the rank stopped reading
        }
        await inner.recv();
      }
    })();
  }
}
