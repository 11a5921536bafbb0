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

/** Requests in flight, by requester and holder, oldest first. */
export class RequestBook {
  private readonly open = new Map<string, OpenRequest[]>();

  add(request: OpenRequest): void {
    const key = pairKey(request.requester, request.holder);
    const list = this.open.get(key);
    if (list) list.push(request);
    else this.open.set(key, [request]);
  }

  /**
   * Takes out the request an answer answers: the one for that segment, or, for an answer
   * that names none (PEER_LEFT), the oldest asked of that holder.
   */
  answer(requester: number, holder: number, segment?: { file: string; index: number }): OpenRequest | undefined {
    const key = pairKey(requester, holder);
    const list = this.open.get(key);
    if (!list) return undefined;
    const at = segment ? list.findIndex((r) => r.file === segment.file && r.index === segment.index) : 0;
    if (at === -1) return undefined;
    const [request] = list.splice(at, 1);
    if (list.length === 0) this.open.delete(key);
    return request;
  }

  /** Takes out every request between two ranks, either way: one of them is lost, so none will be answered. */
  between(a: number, b: number): OpenRequest[] {
    return [...this.takeAll(pairKey(a, b)), ...this.takeAll(pairKey(b, a))];
  }

  /** Takes out every request still open. */
  drain(): OpenRequest[] {
    const all = [...this.open.values()].flat();
    this.open.clear();
    return all;
  }

  private takeAll(key: string): OpenRequest[] {
    const list = this.open.get(key) ?? [];
    this.open.delete(key);
    return list;
  }
}
