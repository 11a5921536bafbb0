/**
 * Source choice: which swarm member a client asks for a segment. One instance per
 * client, shared by all its downloads; the download activity tells it what it sent and
 * what came back, and asks it to choose.
 */
export interface SourceStrategy {
  /**
   * A member of `members` (sorted by rank) for which `eligible` holds (it has not refused
   * the segment and probably holds it), or undefined when none is. Must not change the
   * strategy's state: the download activity may ask about several segments before
   * sending one request.
   */
  choose(file: string, members: readonly number[], eligible: (member: number) => boolean): number | undefined;
  /** A request for a segment of `file` went to `holder`. */
  sent(file: string, holder: number): void;
  /** `holder` answered; `load` is the number of segments it reports having served. */
  answered(holder: number, load: number): void;
  /**
   * What asking `holder` costs, if the strategy ranks holders. When present, the download
   * activity looks a few segments ahead for the segment whose best holder costs least;
   * when absent, segments are taken in order.
   */
  cost?(holder: number): number;
}

export type StrategyFactory = (rank: number, size: number) => SourceStrategy;

/**
 * Where a walk over sorted `members` starts so that it continues after the member used
 * last: the first member of higher rank, or the first one when there is none.
 */
export function startAfter(members: readonly number[], last: number | undefined): number {
  if (last === undefined) return 0;
  for (let i = 0; i < members.length; i++) if (members[i] > last) return i;
  return 0;
}
