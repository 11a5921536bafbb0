import { lowerBound } from '../sorted.js';

/**
 * Source choice: which swarm member a client asks for a segment. One instance per
 * client, shared by all its downloads; the download activity tells it what it sent and
 * what came back, and asks it for its order of preference.
 */
export interface SourceStrategy {
  /**
   * The members (given sorted by rank) in the order this strategy would ask them; the
   * download activity asks the first that has not refused the segment and probably holds
   * it. Writes into `out`, which the caller reuses (every client of the thread shares it:
   * keep nothing of it past the call), and must not change the strategy's state: the
   * activity may look at several segments before sending one request.
   */
  order(file: string, members: readonly number[], out: number[]): number[];
  /** A request for a segment of `file` went to `holder`. */
  sent(file: string, holder: number): void;
  /** `holder` answered; `load` is the number of segments it reports having served. */
  answered(holder: number, load: number): void;
  /** A request to `holder` will not be answered (it timed out, or the holder is gone). */
  abandoned(holder: number): void;
  /**
   * A swarm reply said what `member` announced as its upload rate when it registered, in
   * kbit/s (0: it did not say). Called before `order` sees the reply's members.
   */
  heard?(member: number, uploadKbps: number): void;
  /**
   * Ask first for the segments the fewest members are known to hold (seeds, and members
   * whose replies reported runs that cover them), among the next few never asked for; by
   * default segments go in order. The tracker knows nothing of segments: this is what the
   * replies said.
   */
  readonly rarestFirst?: boolean;
  /**
   * The upload side, when present: the client chokes. Its upload slots (ranks/choke.ts)
   * go to the requesters of highest priority, given out again every second of the
   * transport's clock while requests wait; a choked requester's requests wait for a slot.
   * `receivedFrom` is how many segments this client has downloaded from `requester`;
   * `nowMs` is the transport's clock (simulated time in virtual time). Without it, every
   * request is answered at once.
   */
  uploadPriority?(requester: number, receivedFrom: number, nowMs: number): number;
  /**
   * When present, the order is `members` rotated to start at the index this returns, and
   * it must agree with `order`: the client then walks its own list from there instead of
   * having it copied for every request it sends (the copy of a 200-member swarm was a
   * third of what a request cost at 100,000 clients). Like `order`, it must not change the
   * strategy's state.
   */
  rotation?(file: string, members: readonly number[]): number;
  /**
   * What asking `holder` costs, if the strategy ranks holders. When present, the download
   * activity looks a few segments ahead for the segment whose best holder costs least;
   * when absent, segments are taken in order. With a cost, `order` must list members
   * cheapest first (ties in any order): the search stops at the first member dearer than
   * the best found. A holder that costs Infinity is never asked.
   */
  cost?(holder: number): number;
  /**
   * With `cost`, when `order` is the members sorted by cost with ties in a rotation of them:
   * the index in `members` that rotation starts at (as `rotation` says it). The download
   * activity then finds the cheapest holder in one pass over the members instead of asking
   * for their order: sorting a swarm of ~200 for every request made least-loaded three
   * times as slow as round-robin. Like `order`, it must not change the strategy's state;
   * with it, no cost is below 0, so a holder of cost 0 need not be compared with the rest.
   */
  costTiesFrom?(file: string, members: readonly number[]): number;
}

/** One strategy per client; `seed` is the run's, for strategies that draw (each rank draws its own stream). */
export type StrategyFactory = (rank: number, size: number, seed: string) => SourceStrategy;

/** The member the strategy would ask first among those `eligible` allows, if any. */
export function choose(
  strategy: SourceStrategy,
  file: string,
  members: readonly number[],
  eligible: (member: number) => boolean,
): number | undefined {
  return strategy.order(file, members, []).find(eligible);
}

/** Where `rotateAfter` starts: the index of the first member of higher rank than `last`, or 0. */
export function startAfter(members: readonly number[], last: number | undefined): number {
  if (last === undefined) return 0;
  // Ranks are whole numbers: the first of higher rank is the first not below last + 1.
  const start = lowerBound(members, last + 1);
  return start === members.length ? 0 : start;
}

/**
 * `members` (sorted by rank) rotated to start after the member used last: the first
 * member of higher rank, or the first one when there is none.
 */
export function rotateAfter(members: readonly number[], last: number | undefined, out: number[]): number[] {
  const start = startAfter(members, last);
  // Written in place: emptying `out` first would let V8 drop its backing store, and a
  // strategy that orders by more than rotation calls this once per request.
  const count = members.length;
  let at = 0;
  for (let i = start; i < count; i++) out[at++] = members[i];
  for (let i = 0; i < start; i++) out[at++] = members[i];
  if (out.length !== count) out.length = count;
  return out;
}
