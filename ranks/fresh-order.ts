/** The k-th point of the base-2 van der Corput sequence, in [0, 1). */
export function vanDerCorput(k: number): number {
  let point = 0;
  for (let bit = 0.5; k > 0; k >>>= 1, bit /= 2) if (k & 1) point += bit;
  return point;
}

/**
 * Where the download of a client that arrived `arrival`-th (counted from 0 among the file's
 * downloaders) starts in a file of `segments`. Downloaders start at different points so that
 * early on they hold different segments and can serve each other instead of all asking the
 * seeds for the same ones: the k-th starts at the k-th point of the van der Corput sequence
 * (0, 1/2, 1/4, 3/4, ...), in the widest gap left. The tracker lists every peer's arrival,
 * so every member can work this out for every other.
 */
export function startOffset(arrival: number, segments: number): number {
  // vanDerCorput(arrival) as a fraction reversed / scale, in integers: this runs each time
  // a client wonders what a member never heard from holds.
  let reversed = 0;
  let scale = 1;
  for (let k = Math.max(0, arrival); k > 0; k >>>= 1) {
    reversed = 2 * reversed + (k & 1);
    scale *= 2;
  }
  return Math.floor((reversed * segments) / scale);
}

/** Shared by every order of an empty file (a download not begun): empty, so never written. */
const NOTHING_REQUESTED = new Uint8Array(0);

/**
 * The order in which one download asks for segments it never asked for: every segment
 * once, rotated to start at `offset`. A segment asked once never comes back here (a
 * refused one is retried through the file's retry queue instead).
 */
export class FreshOrder {
  /** Where the rotation starts; the segment store's run of held segments starts there too. */
  readonly offset: number;
  /** Every segment before this position of the order has been requested. */
  private issued = 0;
  /** 1 where the segment has been requested at least once. */
  private readonly requested: Uint8Array;

  /** `arrival`: how many downloaders joined the swarm before this one. */
  constructor(segments: number, arrival: number) {
    this.requested = segments === 0 ? NOTHING_REQUESTED : new Uint8Array(segments);
    this.offset = startOffset(arrival, segments);
  }

  markRequested(segment: number): void {
    this.requested[segment] = 1;
  }

  /** Fills `out` with up to `limit` segments never requested, in order. */
  next(out: number[], limit: number): number[] {
    const count = this.requested.length;
    while (this.issued < count && this.requested[(this.offset + this.issued) % count] === 1) this.issued++;
    // Written in place, the length set last: emptying `out` first lets V8 drop its backing
    // store, and this runs once per run of requests.
    let taken = 0;
    for (let at = this.issued; at < count && taken < limit; at++) {
      const segment = (this.offset + at) % count;
      if (this.requested[segment] === 0) out[taken++] = segment;
    }
    if (out.length !== taken) out.length = taken;
    return out;
  }
}
