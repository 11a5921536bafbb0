/**
 * What one client guesses each swarm member holds of one file. Every reply carries the
 * holder's gap-free run (`from`, `held`); between replies the run is assumed to grow as
 * fast as this client's own download (`progress`, its segments obtained of the file), so a
 * member is asked again once it has probably caught up, and each NACK corrects the guess.
 * A peer never heard from is assumed to have begun where its arrival puts it and to have
 * kept pace with this client since it began: asking blindly cost a refusal per member and
 * segment, most of a swarm's messages. A member whose start is not known may hold anything.
 * Only members heard from take room (three numbers each), so a client's state does not
 * grow with the size of the job.
 */
/** Shared by every guess that has heard nothing yet: empty, so never written. */
const NO_RUNS = new Int32Array(0);

export class HoldingsGuess {
  /** Member → its slot in `runs`; made at the first report (a client holds two per file it wants, a million clients two million). */
  private slots: Map<number, number> | undefined;
  /** Per slot: from, held, progress when reported. */
  private runs = NO_RUNS;

  constructor(private readonly segments: number) {}

  seed(rank: number): void {
    this.set(rank, 0, this.segments, 0);
  }

  report(rank: number, from: number, held: number, progress: number): void {
    this.set(rank, from, held, progress);
  }

  /**
   * `start`: where the member began its download, or a negative number when that is not
   * known; `since`: this client's progress when the member was first listed.
   */
  mayHold(rank: number, index: number, progress: number, start: number, since = 0): boolean {
    return this.heardHolds(rank, index, progress) ?? this.unheardHolds(index, progress, start, since);
  }

  /** Whether a member heard from holds the segment, by its reported run; undefined for one never heard from. */
  heardHolds(rank: number, index: number, progress: number): boolean | undefined {
    const slot = this.slots?.get(rank);
    return slot === undefined ? undefined : this.covers(slot, index, progress);
  }

  /** The guess for a member never heard from (see `mayHold`). */
  unheardHolds(index: number, progress: number, start: number, since: number): boolean {
    return start < 0 || (index - start + this.segments) % this.segments < progress - since;
  }

  /** Unlike `mayHold`, a member never heard from is not known to hold anything. */
  knownToHold(rank: number, index: number, progress: number): boolean {
    const slot = this.slots?.get(rank);
    return slot !== undefined && this.covers(slot, index, progress);
  }

  private covers(slot: number, index: number, progress: number): boolean {
    const at = 3 * slot;
    const held = this.runs[at + 1];
    if (held >= this.segments) return true;
    const distance = (index - this.runs[at] + this.segments) % this.segments;
    return distance < held + (progress - this.runs[at + 2]);
  }

  private set(rank: number, from: number, held: number, progress: number): void {
    const slots = (this.slots ??= new Map());
    let slot = slots.get(rank);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(rank, slot);
      if (3 * (slot + 1) > this.runs.length) {
        const grown = new Int32Array(Math.max(24, 2 * this.runs.length));
        grown.set(this.runs);
        this.runs = grown;
      }
    }
    this.runs[3 * slot] = from;
    this.runs[3 * slot + 1] = held;
    this.runs[3 * slot + 2] = progress;
  }
}
