/**
 * The scheduler's event queue: a binary min-heap of messages in flight, ordered by arrival
 * time (integer nanoseconds), then by the sender's key, then by send order. A rank's key
 * only grows (by a seeded random step per activation), so at a tie its messages keep their
 * send order, while messages of different ranks arriving at the same instant are ordered by
 * the seed.
 */
export interface InFlight {
  /** Arrival, in virtual nanoseconds. */
  time: number;
  key: number;
  seq: number;
  source: number;
  dest: number;
  /** Which life of `dest` it was sent to: one sent before a rank was restarted never reaches its next life. */
  life: number;
  tag: number;
  payload: unknown;
}

function before(a: InFlight, b: InFlight): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.key !== b.key) return a.key < b.key;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly heap: InFlight[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest event's time, or Infinity when empty. */
  get nextTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Infinity;
  }

  push(event: InFlight): void {
    const heap = this.heap;
    let at = heap.length;
    heap.push(event);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[at] = heap[parent];
      at = parent;
    }
    heap[at] = event;
  }

  pop(): InFlight | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    const count = heap.length;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= count) break;
      const right = left + 1;
      const child = right < count && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = last;
    return top;
  }
}
