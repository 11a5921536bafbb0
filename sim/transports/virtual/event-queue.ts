/**
 * The scheduler's event queue: messages in flight, ordered by arrival time (integer
 * nanoseconds), then by the sender's key, then by send order. A rank's key only grows (by a
 * seeded random step per activation), so at a tie its messages keep their send order, while
 * messages of different ranks arriving at the same instant are ordered by the seed.
 *
 * A four-way heap whose entries carry their own ordering (time, key, send order) in typed
 * arrays in heap order, so that a level of the heap compares four neighbours in one or two
 * cache lines; the rest of an event (source, destination, life, tag, payload) waits in a
 * slot, reused as events leave, read once when the event is taken. An event costs no
 * allocation. With 800,000 events in flight (100,000 clients), a binary heap of slot
 * numbers that looked each time up in its slot missed the cache at every level.
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

const INITIAL = 1024;

export class EventQueue {
  /** In heap order: each entry's time, key, send order and slot. */
  private times = new Float64Array(INITIAL);
  private keys = new Float64Array(INITIAL);
  private seqs = new Float64Array(INITIAL);
  private slots = new Int32Array(INITIAL);
  private count = 0;
  /** By slot: the rest of each event. */
  private sources = new Int32Array(INITIAL);
  private dests = new Int32Array(INITIAL);
  private lives = new Int32Array(INITIAL);
  private tags = new Int32Array(INITIAL);
  private payloads: unknown[] = new Array<unknown>(INITIAL).fill(undefined);
  /** Slots free for reuse: a stack; slots never used yet start at `fresh`. */
  private free = new Int32Array(INITIAL);
  private freeCount = 0;
  private fresh = 0;
  private sent = 0;

  get size(): number {
    return this.count;
  }

  /** The earliest event's time, or Infinity when empty. */
  get nextTime(): number {
    return this.count > 0 ? this.times[0] : Infinity;
  }

  push(time: number, key: number, source: number, dest: number, life: number, tag: number, payload: unknown): void {
    if (this.count === this.times.length) this.grow();
    const slot = this.freeCount > 0 ? this.free[--this.freeCount] : this.fresh++;
    this.sources[slot] = source;
    this.dests[slot] = dest;
    this.lives[slot] = life;
    this.tags[slot] = tag;
    this.payloads[slot] = payload;
    this.up(this.count++, time, key, this.sent++, slot);
  }

  /** Moves the earliest event into `into`; false when the queue is empty. */
  pop(into: InFlight): boolean {
    if (this.count === 0) return false;
    const slot = this.slots[0];
    into.time = this.times[0];
    into.key = this.keys[0];
    into.source = this.sources[slot];
    into.dest = this.dests[slot];
    into.life = this.lives[slot];
    into.tag = this.tags[slot];
    into.payload = this.payloads[slot];
    this.payloads[slot] = undefined;
    this.free[this.freeCount++] = slot;
    const last = --this.count;
    if (last > 0) this.down(this.times[last], this.keys[last], this.seqs[last], this.slots[last]);
    return true;
  }

  /** Entry `at` comes before the event (time, key, seq). */
  private before(at: number, time: number, key: number, seq: number): boolean {
    const t = this.times[at];
    if (t !== time) return t < time;
    const k = this.keys[at];
    if (k !== key) return k < key;
    return this.seqs[at] < seq;
  }

  private place(at: number, time: number, key: number, seq: number, slot: number): void {
    this.times[at] = time;
    this.keys[at] = key;
    this.seqs[at] = seq;
    this.slots[at] = slot;
  }

  private move(from: number, to: number): void {
    this.place(to, this.times[from], this.keys[from], this.seqs[from], this.slots[from]);
  }

  private up(at: number, time: number, key: number, seq: number, slot: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 2;
      // Send orders differ, so the event comes before its parent exactly when the parent does not come before it.
      if (this.before(parent, time, key, seq)) break;
      this.move(parent, at);
      at = parent;
    }
    this.place(at, time, key, seq, slot);
  }

  /** Puts the event (time, key, seq, slot) in the place the root left, sifting down. */
  private down(time: number, key: number, seq: number, slot: number): void {
    const count = this.count;
    let at = 0;
    for (;;) {
      const first = 4 * at + 1;
      if (first >= count) break;
      let best = first;
      const end = Math.min(first + 4, count);
      for (let child = first + 1; child < end; child++) {
        if (this.before(child, this.times[best], this.keys[best], this.seqs[best])) best = child;
      }
      if (!this.before(best, time, key, seq)) break;
      this.move(best, at);
      at = best;
    }
    this.place(at, time, key, seq, slot);
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
    this.slots = grown(this.slots, (n) => new Int32Array(n));
    this.sources = grown(this.sources, (n) => new Int32Array(n));
    this.dests = grown(this.dests, (n) => new Int32Array(n));
    this.lives = grown(this.lives, (n) => new Int32Array(n));
    this.tags = grown(this.tags, (n) => new Int32Array(n));
    this.free = grown(this.free, (n) => new Int32Array(n));
    this.payloads.length = size;
  }
}
