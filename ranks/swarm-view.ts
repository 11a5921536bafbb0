import { startOffset } from './fresh-order.js';
import { indexIn } from './sorted.js';

/** A member whose start is not known: the listing did not say (`startAt` also answers it for seeds). */
export const UNKNOWN_START = -1;
/** A member listed as a seed: it holds every segment, and has no start. */
export const SEED = -2;

/** Shared by every view not yet listed: empty, so never written. */
const NO_ARRIVALS = new Int32Array(0);

/**
 * One file's latest swarm listing as a downloader keeps it: the members to ask, sorted by
 * rank (itself and lost clients left out), and where each peer began its download. A peer
 * begins at the point its arrival fixes (fresh-order.ts) and the tracker lists every peer's
 * arrival, so a member never heard from can still be guessed to hold a run from there.
 */
export class SwarmView {
  private list: number[] = [];
  /** Per member, its arrival (SEED for seeds): 4 bytes each, as a client keeps one per member of each file. */
  private arrivals: Int32Array = NO_ARRIVALS;
  private segments = 0;
  /**
   * Per listing that named a later arrival than any before it: that arrival, and this
   * client's progress then. A peer is first listed at the first of these that covers its
   * arrival, and is assumed to have held nothing then.
   */
  private readonly watermarks: number[] = [];

  /** Sorted by rank: the order strategies are handed. */
  get members(): readonly number[] {
    return this.list;
  }

  /** A listing: `members` to ask, sorted by rank, each with its arrival (SEED for seeds, UNKNOWN_START if not said). */
  listed(members: number[], arrivals: Int32Array, progress: number): void {
    let latest = -1;
    for (let i = 0; i < arrivals.length; i++) if (arrivals[i] > latest) latest = arrivals[i];
    const marks = this.watermarks;
    if (latest >= 0 && (marks.length === 0 || latest > marks[marks.length - 2])) marks.push(latest, progress);
    this.list = members;
    this.arrivals = arrivals;
  }

  /** The file's size became known (its download began). */
  sized(segments: number): void {
    this.segments = segments;
  }

  /** The download is over: nothing is asked of the swarm again, so the listing is dropped. */
  forget(): void {
    this.list = [];
    this.arrivals = NO_ARRIVALS;
    this.watermarks.length = 0;
  }

  /** Client `rank` is lost: it leaves the members to ask. */
  remove(rank: number): void {
    const at = this.indexOf(rank);
    if (at < 0) return;
    this.list = this.list.filter((_, i) => i !== at);
    this.arrivals = this.arrivals.filter((_, i) => i !== at);
  }

  /** Where the member at `index` of `members` began its download, or UNKNOWN_START (also for -1: not listed). */
  startAt(index: number): number {
    const arrival = index < 0 ? UNKNOWN_START : this.arrivals[index];
    return arrival < 0 || this.segments === 0 ? UNKNOWN_START : startOffset(arrival, this.segments);
  }

  /** The member at `index` of `members` was listed as a seed (false for -1: not listed). */
  seedAt(index: number): boolean {
    return index >= 0 && this.arrivals[index] === SEED;
  }

  /** This client's progress when the member at `index` was first listed (0 if not known). */
  progressAtListingAt(index: number): number {
    if (index < 0) return 0;
    const arrival = this.arrivals[index];
    const marks = this.watermarks;
    for (let i = 0; i < marks.length; i += 2) if (marks[i] >= arrival) return marks[i + 1];
    return 0;
  }

  /** Where `rank` is in `members`, or -1. */
  indexOf(rank: number): number {
    return indexIn(this.list, rank);
  }
}
