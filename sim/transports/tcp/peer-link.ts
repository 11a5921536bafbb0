import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import { encodeInto, type InternedLists } from '../../comm/wire-layout.js';
import type { FlushQueue, Flushable } from '../batched-link.js';
import { encodeFrame, FrameKind } from './frames.js';
import { UNREAD_LIMIT, type FramedSocket } from './framed-socket.js';

/** A batch is written once it holds this many flat values, without waiting for the flush turn. */
const BATCH_VALUES = 16_384;

/**
 * Turns of the event loop a batch waits, gathering what they add, before it is written.
 * On loopback a write wakes the process at the other end, which costs the writer ~90 us:
 * a busy rank group wrote each client's batch to rank 0 every turn, ~3,700 writes of ~0.8
 * KB a second, a third of its CPU. An idle loop turns in microseconds, so the wait costs
 * time only while the process is busy, when a later write carries more. On the 32-rank
 * bench case (one group process) a run went from 1.38 s to 1.21 s (medians of five; 2
 * turns 1.18 s, 5 turns 1.16 s); with one process per rank, and on small jobs, no change.
 */
const HOLD_TURNS = 3;

/**
 * What this rank sends to one peer: protocol messages batched per event-loop turn, and
 * control frames in order behind them, over one connection at a time: the first to the
 * peer, or the one that resumed it after it broke. Every frame is numbered by its place in
 * this stream and held until the peer acknowledges it (FrameKind.ACK): a resumed connection
 * carries the stream on from the first frame the peer did not take (link-resumption.ts), so
 * nothing is lost or taken twice. The counts only grow: a peer that says otherwise is out
 * of step, and refused.
 */
export class PeerLink implements Flushable {
  socket: FramedSocket | undefined;
  private batch: unknown[] = [];
  /** Flush turns the batch has waited (HOLD_TURNS). */
  private turnsWaited = 0;
  /** Frames the peer has not acknowledged, oldest first: the first is frame `acked + 1`. */
  private unacked: Buffer[] = [];
  private unackedBytes = 0;
  private acked = 0;
  /** The peer was lost: what is sent to it goes nowhere, until a new process of its rank connects. */
  private gone = false;

  constructor(
    private readonly flusher: FlushQueue,
    /** Lists the peer holds by number (job-lists.ts); changed only while no batch is queued: a new process of the peer. */
    public interned?: InternedLists,
  ) {}

  push(tag: number, payload: unknown): void {
    if (this.gone) return;
    if (this.batch.length === 0 && this.live) this.flusher.mark(this);
    encodeInto(this.batch, SWARM_LAYOUT, tag, payload, this.interned);
    // Held as a frame while no connection is up, too: one batch must stay under the frame limit.
    if (this.batch.length >= BATCH_VALUES) this.flushNow();
  }

  control(message: object): void {
    if (this.gone) return;
    this.flushNow();
    this.send(encodeFrame(FrameKind.CONTROL, JSON.stringify(message)));
  }

  /**
   * A connection to the peer. One that resumes this stream (the peer took `peerHas` frames
   * of it) carries it on from there, unless this link's connection still lives ('kept').
   * Otherwise it is this link's first connection, or, once that one closed, one this rank
   * `dialed` (a dial that crossed the peer's and came late: the same process, whose stream
   * waits for its resumption, so 'kept'), or one the peer dialed from a new process of its
   * rank (a restarted tracker), whose stream starts anew: frames meant for the old one are
   * dropped. 'refused' if the peer's count is out of step with this stream.
   */
  take(socket: FramedSocket, dialed: boolean, peerHas?: number): 'first' | 'resumed' | 'kept' | 'new process' | 'refused' {
    if (peerHas !== undefined) {
      if (!this.live) return this.attach(socket, peerHas) ? 'resumed' : 'refused';
      return this.acknowledge(peerHas) ? 'kept' : 'refused';
    }
    if (!this.socket) return (this.attach(socket), 'first');
    if (!this.socket.closed || dialed) return 'kept';
    // What was held for the old process is dropped with it; the new one is sent to from here on.
    this.lose();
    this.gone = false;
    this.attach(socket);
    return 'new process';
  }

  /** The peer is lost: nothing held for it or sent to it from now on goes anywhere. */
  lose(): void {
    this.gone = true;
    this.acked = 0;
    this.unacked = [];
    this.unackedBytes = 0;
    this.batch = [];
  }

  /** Sends on `socket` from now on, every frame after the `peerHas`-th; false if the peer claims frames never sent. */
  private attach(socket: FramedSocket, peerHas = this.acked): boolean {
    if (!this.acknowledge(peerHas)) return false;
    this.socket = socket;
    for (const frame of this.unacked) socket.writeEncoded(frame);
    this.flushNow();
    return true;
  }

  /** The peer took every frame up to the `count`-th; false if it claims more than were sent, or fewer than it said before. */
  acknowledge(count: number): boolean {
    if (count > this.acked + this.unacked.length || count < this.acked) return false;
    for (const frame of this.unacked.splice(0, count - this.acked)) this.unackedBytes -= frame.length;
    this.acked = count;
    return true;
  }

  /** The flush turn's call (FlushQueue): the batch goes once it has waited HOLD_TURNS more turns, if a connection is up. */
  flush(): void {
    if (this.batch.length === 0 || !this.live) return;
    if (++this.turnsWaited <= HOLD_TURNS) {
      this.flusher.mark(this);
      return;
    }
    this.flushNow();
  }

  /** Writes the batch now; also while no connection is up (it waits in order, for the next). */
  flushNow(): void {
    if (this.batch.length === 0) return;
    this.turnsWaited = 0;
    this.send(encodeFrame(FrameKind.BATCH, JSON.stringify(this.batch)));
    this.batch = [];
  }

  private get live(): boolean {
    return this.socket !== undefined && !this.socket.closed;
  }

  private send(frame: Buffer): void {
    this.unacked.push(frame);
    this.unackedBytes += frame.length;
    if (!this.live) return;
    const socket = this.socket as FramedSocket;
    // An honest peer acknowledges every 4 MiB (link-resumption.ts): one that reads but never
    // does would have this rank hold all it was ever sent. Its connection is closed, for good.
    if (this.unackedBytes > UNREAD_LIMIT) {
      socket.destroy(
        `was closed: it left ${Math.round(this.unackedBytes / 2 ** 20)} MiB unacknowledged (it does not acknowledge what it is sent)`,
      );
    } else socket.writeEncoded(frame);
  }
}
