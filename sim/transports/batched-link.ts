import type { MessagePort } from 'node:worker_threads';
import type { Mailbox } from '../mailbox.js';
import { decodeBatch, encodeInto, type AnyWireLayout } from '../wire-layout.js';

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
  ) {}

  attach(port: MessagePort): void {
    this.port = port;
    if (this.batch.length > 0) this.flusher.mark(this);
  }

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0 && this.port) this.flusher.mark(this);
    encodeInto(this.batch, this.layout, tag, payload);
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

/** Delivers every batch that arrives on `port` from rank `source` into `mailbox`. */
export function receiveBatches(port: MessagePort, source: number, mailbox: Mailbox, layout: AnyWireLayout, handlers: BatchHandlers): void {
  const deliver = (tag: number, payload: unknown): void => void mailbox.deliver({ source, tag, payload });
  port.on('message', (data: string) => {
    const before = mailbox.delivered;
    let decoded: boolean;
    try {
      decoded = decodeBatch(JSON.parse(data) as unknown[], layout, deliver);
    } catch {
      decoded = false;
    }
    if (!decoded) handlers.onBadBatch(`rank ${source} sent a batch that does not decode`);
    else handlers.onBatch?.(mailbox.delivered - before);
  });
}
