/**
 * Source choice: which swarm member a client asks for a segment. One instance per
 * client, shared by all its downloads; the download activity tells it what it sent and
 * what came back, and asks it to choose.
 */
export interface SourceStrategy {
  /**
   * A member of `members` for which `eligible` holds (it has not refused the segment and
   * probably holds it), to ask for a segment of `file`; undefined when none is eligible.
   */
  choose(file: string, members: readonly number[], eligible: (member: number) => boolean): number | undefined;
  /** A request went to `holder`. */
  sent(holder: number): void;
  /** `holder` answered; `load` is the number of segments it reports having served. */
  answered(holder: number, load: number): void;
}

export type StrategyFactory = (rank: number, size: number) => SourceStrategy;
