import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import { encodeInto } from '../../comm/wire-layout.js';
import type { FlushQueue, Flushable } from '../batched-link.js';
import { FrameKind } from './frames.js';
import type { FramedSocket } from './framed-socket.js';

/** A batch is written once it holds this many flat values, without waiting for the flush turn. */
const BATCH_VALUES = 16_384;

/**
 * What this rank sends to one peer: protocol messages batched per event-loop turn, and
 * control frames in order behind them, over whichever connection to the peer came first.
 */
export class PeerLink implements Flushable {
  socket: FramedSocket | undefined;
  private batch: unknown[] = [];
  /** Frames held, in order, until the connection exists. */
  private readonly waiting: [FrameKind, string][] = [];

  constructor(private readonly flusher: FlushQueue) {}

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0 && this.socket) this.flusher.mark(this);
    encodeInto(this.batch, SWARM_LAYOUT, tag, payload);
    if (this.batch.length >= BATCH_VALUES) this.flush();
  }

  control(message: object): void {
    const text = JSON.stringify(message);
    if (this.socket) {
      this.flush();
      this.socket.write(FrameKind.CONTROL, text);
      return;
    }
    // Held behind the protocol messages queued before it, as it would have been sent.
    if (this.batch.length > 0) this.waiting.push([FrameKind.BATCH, JSON.stringify(this.batch)]);
    this.batch = [];
    this.waiting.push([FrameKind.CONTROL, text]);
  }

  attach(socket: FramedSocket): void {
    this.socket = socket;
    for (const [kind, text] of this.waiting.splice(0)) socket.write(kind, text);
    this.flush();
  }

  flush(): void {
    if (!this.socket || this.batch.length === 0) return;
    this.socket.write(FrameKind.BATCH, JSON.stringify(this.batch));
    this.batch = [];
  }
}
