/**
 * The segment requests a Perfetto trace has seen asked and not yet answered, and the lanes
 * they are drawn on: a rank may have several requests (and serves) in flight at once, and
 * slices on one track must nest, so each in-flight request holds a lane of its own on the
 * requester's and on the holder's side until its answer.
 */

export interface OpenRequest {
  readonly requester: number;
  readonly holder: number;
  readonly file: string;
  readonly index: number;
  /** When the request reached the holder. */
  readonly startNs: number;
  readonly requesterLane: number;
  readonly holderLane: number;
}

/** Which lanes of each rank are taken; a new request takes the lowest free one. */
export class Lanes {
  private readonly taken = new Map<number, number[]>();

  take(rank: number): number {
    let lanes = this.taken.get(rank);
    if (!lanes) this.taken.set(rank, (lanes = []));
    const free = lanes.indexOf(0);
    const lane = free === -1 ? lanes.length : free;
    lanes[lane] = 1;
    return lane;
  }

  free(rank: number, lane: number): void {
    const lanes = this.taken.get(rank);
    if (lanes) lanes[lane] = 0;
  }
}

const pairKey = (requester: number, holder: number): string => `${requester}>${holder}`;

/** A request answered (or given up): when, and how. */
export interface Closed {
  readonly request: OpenRequest;
  readonly endNs: number;
  /** The answer's tag name, RANK_LOST, or none when the trace ended first. */
  readonly reply: string;
}

/**
 * Requests in flight, by requester and holder, oldest first. A leaver's PEER_LEFT names no
 * segment, and may overtake an ACK it sent earlier (a segment takes longer on the wire), so
 * it is owed: once a pair has no more requests open than PEER_LEFTs owed, those requests are
 * the ones it answered, oldest first.
 */
export class RequestBook {
  private readonly open = new Map<string, OpenRequest[]>();
  /** When each PEER_LEFT not yet matched to a request arrived, by pair. */
  private readonly owed = new Map<string, number[]>();

  add(request: OpenRequest): void {
    const key = pairKey(request.requester, request.holder);
    const list = this.open.get(key);
    if (list) list.push(request);
    else this.open.set(key, [request]);
  }

  /** An ACK or NACK: it ends the request for its segment. */
  answer(requester: number, holder: number, segment: { file: string; index: number }, endNs: number, reply: string): Closed[] {
    const key = pairKey(requester, holder);
    const list = this.open.get(key);
    const at = list?.findIndex((r) => r.file === segment.file && r.index === segment.index) ?? -1;
    if (!list || at === -1) return [];
    const [request] = list.splice(at, 1);
    return [{ request, endNs, reply }, ...this.settle(key, false, endNs, reply)];
  }

  /** A leaver's PEER_LEFT: it ends one of the pair's requests, known once the others are answered. */
  left(requester: number, holder: number, endNs: number): Closed[] {
    const key = pairKey(requester, holder);
    const owed = this.owed.get(key);
    if (owed) owed.push(endNs);
    else this.owed.set(key, [endNs]);
    return this.settle(key, false, endNs, 'PEER_LEFT');
  }

  /** Ends every request between two ranks, either way: one of them is lost, so none will be answered. */
  between(a: number, b: number, endNs: number): Closed[] {
    return [...this.settle(pairKey(a, b), true, endNs, 'RANK_LOST'), ...this.settle(pairKey(b, a), true, endNs, 'RANK_LOST')];
  }

  /** Ends every request still open: the trace is over. */
  drain(endNs: number): Closed[] {
    return [...this.open.keys()].flatMap((key) => this.settle(key, true, endNs, 'none'));
  }

  /** Ends what PEER_LEFTs owed now answer, or, with `all`, every open request of the pair. */
  private settle(key: string, all: boolean, endNs: number, reply: string): Closed[] {
    const list = this.open.get(key) ?? [];
    const owed = this.owed.get(key) ?? [];
    if (!all && (owed.length === 0 || owed.length < list.length)) return this.tidy(key, list, owed, []);
    const closed = list.map((request) => {
      const leftAt = owed.shift();
      return leftAt === undefined ? { request, endNs, reply } : { request, endNs: leftAt, reply: 'PEER_LEFT' };
    });
    return this.tidy(key, [], owed, closed);
  }

  private tidy(key: string, list: OpenRequest[], owed: number[], closed: Closed[]): Closed[] {
    if (list.length === 0) this.open.delete(key);
    if (list.length === 0 || owed.length === 0) this.owed.delete(key);
    return closed;
  }
}
