/**
 * The scheduler's event queue: messages in flight, ordered by arrival time (integer
 * nanoseconds), then by the sender's key, then by send order. A rank's key only grows (by a
 * seeded random step per activation), so at a tie its messages keep their send order, while
 * messages of different ranks arriving at the same instant are ordered by the seed.
 *
 * Events live in typed arrays, one per field, in slots reused as events leave, and the
 * heap orders slot numbers: an event costs no allocation, and a comparison reads two
 * numbers from one array instead of following pointers to two objects. At 10,000 clients
 * the heap of objects and its garbage were a third of the run.
 */
export interface InFlight {
  /** Arrival, in virtual nanoseconds. */
  time: number;
  key: number;
  source: number;
  dest: number;
  /** Which life of `dest` it was sent to: one sent before a rank was restarted never reaches its next life. */
  life: number;
  tag: number;
  payload: unknown;
}

const INITIAL_SLOTS = 1024;

export class EventQueue {
  private times = new Float64Array(INITIAL_SLOTS);
  private keys = new Float64Array(INITIAL_SLOTS);
  /** Send order, numbered by the queue. */
  private seqs = new Float64Array(INITIAL_SLOTS);
  private sources = new Int32Array(INITIAL_SLOTS);
  private dests = new Int32Array(INITIAL_SLOTS);
  private lives = new Int32Array(INITIAL_SLOTS);
  private tags = new Int32Array(INITIAL_SLOTS);
  private payloads: unknown[] = new Array<unknown>(INITIAL_SLOTS).fill(undefined);
  /** Slot numbers, in heap order. */
  private heap = new Int32Array(INITIAL_SLOTS);
  private count = 0;
  /** Slots free for reuse: a stack; slots never used yet start at `fresh`. */
  private free = new Int32Array(INITIAL_SLOTS);
  private freeCount = 0;
  private fresh = 0;
  private sent = 0;

  get size(): number {
    return this.count;
  }

  /** The earliest event's time, or Infinity when empty. */
  get nextTime(): number {
    return this.count > 0 ? this.times[this.heap[0]] : Infinity;
  }

  push(time: number, key: number, source: number, dest: number, life: number, tag: number, payload: unknown): void {
    const slot = this.freeCount > 0 ? this.free[--this.freeCount] : this.newSlot();
    this.times[slot] = time;
    this.keys[slot] = key;
    this.seqs[slot] = this.sent++;
    this.sources[slot] = source;
    this.dests[slot] = dest;
    this.lives[slot] = life;
    this.tags[slot] = tag;
    this.payloads[slot] = payload;
    this.up(this.count++, slot);
  }

  /** Moves the earliest event into `into`; false when the queue is empty. */
  pop(into: InFlight): boolean {
    if (this.count === 0) return false;
    const heap = this.heap;
    const slot = heap[0];
    into.time = this.times[slot];
    into.key = this.keys[slot];
    into.source = this.sources[slot];
    into.dest = this.dests[slot];
    into.life = this.lives[slot];
    into.tag = this.tags[slot];
    into.payload = this.payloads[slot];
    this.payloads[slot] = undefined;
    this.free[this.freeCount++] = slot;
    const last = heap[--this.count];
    if (this.count > 0) this.down(last);
    return true;
  }

  private before(a: number, b: number): boolean {
    const times = this.times;
    if (times[a] !== times[b]) return times[a] < times[b];
    const keys = this.keys;
    if (keys[a] !== keys[b]) return keys[a] < keys[b];
    return this.seqs[a] < this.seqs[b];
  }

  private up(at: number, slot: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(slot, heap[parent])) break;
      heap[at] = heap[parent];
      at = parent;
    }
    heap[at] = slot;
  }

  /** Puts `slot` in the place the root left, sifting down. */
  private down(slot: number): void {
    const heap = this.heap;
    const count = this.count;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= count) break;
      const right = left + 1;
      const child = right < count && this.before(heap[right], heap[left]) ? right : left;
      if (!this.before(heap[child], slot)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = slot;
  }

  private newSlot(): number {
    if (this.fresh === this.times.length) this.grow();
    return this.fresh++;
  }

  private grow(): void {
    const size = 2 * this.times.length;
    const grown = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const array = make(size);
      array.set(old);
      return array;
    };
    this.times = grown(this.times, (n) => new Float64Array(n));
    this.keys = grown(this.keys, (n) => new Float64Array(n));
    this.seqs = grown(this.seqs, (n) => new Float64Array(n));
    this.sources = grown(this.sources, (n) => new Int32Array(n));
    this.dests = grown(this.dests, (n) => new Int32Array(n));
    this.lives = grown(this.lives, (n) => new Int32Array(n));
    this.tags = grown(this.tags, (n) => new Int32Array(n));
    this.heap = grown(this.heap, (n) => new Int32Array(n));
    this.free = grown(this.free, (n) => new Int32Array(n));
    this.payloads.length = size;
  }
}
