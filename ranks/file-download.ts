import { HoldingsGuess } from './holdings-guess.js';

/** Marks a segment not in flight in `FileDownload.askedOf`. */
export const NOBODY = -1;

/** The k-th point of the base-2 van der Corput sequence, in [0, 1). */
export function vanDerCorput(k: number): number {
  let point = 0;
  for (let bit = 0.5; k > 0; k >>>= 1, bit /= 2) if (k & 1) point += bit;
  return point;
}

/** One wanted file being downloaded: what is missing, asked, refused, and of whom. */
export class FileDownload {
  hashes: readonly string[] = [];
  members: number[] = [];
  missing = 0;
  obtainedSinceUpdate = 0;
  inFlight = 0;
  refreshing = false;
  /** Who each in-flight segment was asked of, NOBODY when none. */
  askedOf = new Int32Array(0);
  /** Per in-flight segment: the loss epoch it was asked in (see DownloadActivity.lossEpoch). */
  askedEpoch = new Int32Array(0);
  /** Per in-flight segment: the alarm tick it was asked at, when requests time out. */
  askedTick = new Int32Array(0);
  /** The loss epoch the oldest pending swarm request was sent in, and that of the members known now. */
  swarmEpoch = 0;
  membersEpoch = -1;
  /** After a holder is lost the holdings guess is no proof of anything: every member is asked. */
  trustGuess = true;
  gaveUp = false;
  /**
   * Segments are first requested in rotated order from `offset`; every segment before
   * order position `issued` has been requested. `requested` marks segments asked at least
   * once (a NACKed one goes to `retry`, never back to fresh).
   */
  offset = 0;
  issued = 0;
  requested = new Uint8Array(0);
  /** NACKed segments waiting for another holder. */
  retry: number[] = [];
  /** Segments that every known member refused; asked again after a swarm refresh. */
  parked: number[] = [];
  /** Per segment, the members that answered NACK for it. */
  refusedBy = new Map<number, Set<number>>();
  /** Segments obtained so far: the clock of `guess`. */
  obtained = 0;
  guess = new HoldingsGuess(0);

  constructor(readonly name: string) {}

  /** Every member has refused `segment` since the guess stopped being trusted. */
  refusedByAll(segment: number): boolean {
    const refusers = this.refusedBy.get(segment);
    return this.members.every((member) => refusers?.has(member) === true);
  }

  get started(): boolean {
    return this.hashes.length > 0;
  }

  /** Fills `out` with up to `limit` segments never requested, in order. */
  fresh(out: number[], limit: number): number[] {
    out.length = 0;
    const count = this.hashes.length;
    while (this.issued < count && this.requested[(this.offset + this.issued) % count] === 1) this.issued++;
    for (let at = this.issued; at < count && out.length < limit; at++) {
      const segment = (this.offset + at) % count;
      if (this.requested[segment] === 0) out.push(segment);
    }
    return out;
  }

  /** The member may hold the segment and has not refused it. */
  askable(member: number, segment: number): boolean {
    return !this.refusedBy.get(segment)?.has(member) && (!this.trustGuess || this.guess.mayHold(member, segment, this.obtained));
  }
}
