import { startOffset } from './fresh-order.js';

/** A member whose start is not known: a seed, or a listing that did not say. */
export const UNKNOWN_START = -1;

/**
 * One file's latest swarm listing as a downloader keeps it: the members to ask, sorted by
 * rank (itself and lost clients left out), and where each peer began its download. A peer
 * begins at the point its arrival fixes (fresh-order.ts) and the tracker lists every peer's
 * arrival, so a member never heard from can still be guessed to hold a run from there.
 */
export class SwarmView {
  private list: number[] = [];
  private arrivals: Int32Array = new Int32Array(0);
  /** Per member, where it began (UNKNOWN_START for seeds); filled once the file's size is known. */
  private starts: Int32Array = new Int32Array(0);
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

  /**
   * A listing: `members` sorted by rank, each with its arrival (UNKNOWN_START when it is not
   * a peer or the listing did not say).
   */
  listed(members: number[], arrivals: Int32Array, progress: number): void {
    let latest = -1;
    for (let i = 0; i < arrivals.length; i++) latest = Math.max(latest, arrivals[i]);
    const marks = this.watermarks;
    if (latest >= 0 && (marks.length === 0 || latest > marks[marks.length - 2])) marks.push(latest, progress);
    this.list = members;
    this.arrivals = arrivals;
    this.starts = this.startsOf(arrivals);
  }

  /** The file's size became known (its download began). */
  sized(segments: number): void {
    this.segments = segments;
    this.starts = this.startsOf(this.arrivals);
  }

  /** Client `rank` is lost: it leaves the listing. */
  remove(rank: number): void {
    const at = this.indexOf(rank);
    if (at < 0) return;
    this.list = this.list.filter((member) => member !== rank);
    const keep = (_: number, i: number): boolean => i !== at;
    this.arrivals = this.arrivals.filter(keep);
    this.starts = this.starts.filter(keep);
  }

  /** This client's progress when `member` was first listed (0 if not known). */
  progressAtListing(member: number): number {
    const at = this.indexOf(member);
    if (at < 0) return 0;
    const arrival = this.arrivals[at];
    const marks = this.watermarks;
    for (let i = 0; i < marks.length; i += 2) if (marks[i] >= arrival) return marks[i + 1];
    return 0;
  }

  /** Where `member` began its download, or UNKNOWN_START. */
  startOf(member: number): number {
    const at = this.indexOf(member);
    return at < 0 ? UNKNOWN_START : this.starts[at];
  }

  private startsOf(arrivals: Int32Array): Int32Array {
    const starts = new Int32Array(arrivals.length).fill(UNKNOWN_START);
    if (this.segments === 0) return starts;
    for (let i = 0; i < arrivals.length; i++) if (arrivals[i] >= 0) starts[i] = startOffset(arrivals[i], this.segments);
    return starts;
  }

  private indexOf(rank: number): number {
    const list = this.list;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (list[mid] < rank) low = mid + 1;
      else high = mid;
    }
    return low < list.length && list[low] === rank ? low : -1;
  }
}
