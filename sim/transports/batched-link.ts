import type { MessagePort } from 'node:worker_threads';
import type { Mailbox } from '../mailbox.js';

/**
 * One direction of a rank-to-rank channel over a MessagePort. Messages queued in one turn
 * of the event loop travel as one JSON string, the cheapest thing a port carries; the
 * batch goes out on `setImmediate` because microtasks run after every port message,
 * which would flush batches of one. A link may be created before its port exists (the
 * port is wired lazily); it then holds its messages until `attach`.
 */
export class BatchedLink {
  private port: MessagePort | undefined;
  /** Alternating tag, payload. */
  private batch: unknown[] = [];

  constructor(private readonly flusher: FlushQueue) {}

  attach(port: MessagePort): void {
    this.port = port;
    if (this.batch.length > 0) this.flusher.mark(this);
  }

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0 && this.port) this.flusher.mark(this);
    this.batch.push(tag, payload);
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

/** Flushes every link that has something to send, once per event-loop turn. */
export class FlushQueue {
  private dirty: BatchedLink[] = [];
  private scheduled = false;

  mark(link: BatchedLink): void {
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

/**
 * Delivers every batch that arrives on `port` from rank `source` into `mailbox`.
 * `onBatch` sees the count, for progress accounting without per-message work.
 */
export function receiveBatches(port: MessagePort, source: number, mailbox: Mailbox, onBatch?: (count: number) => void): void {
  port.on('message', (data: string) => {
    const batch = JSON.parse(data) as unknown[];
    for (let i = 0; i < batch.length; i += 2) {
      mailbox.deliver({ source, tag: batch[i] as number, payload: batch[i + 1] });
    }
    onBatch?.(batch.length >> 1);
  });
}
