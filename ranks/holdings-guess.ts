/** Shared by every guess that has heard nothing yet: empty, so never written. */
const NO_RUNS = new Int32Array(0);

/** A member's guessed holdings: `length` segments from `from` on, wrapping past the last. */
export interface GuessedRun {
  from: number;
  length: number;
}

/** Holds every segment: a seed, or a member whose start is not known. */
export const ALL: Readonly<GuessedRun> = Object.freeze({ from: 0, length: Infinity });
/** The one run `heardRun` and `unheardRun` fill: each is read before the next is asked for. */
const RUN: GuessedRun = { from: 0, length: 0 };

/** The same test as `mayHold`, on a run made once for many segments. */
export function runCovers(run: Readonly<GuessedRun>, index: number, segments: number): boolean {
  return run === ALL || (index - run.from + segments) % segments < run.length;
}

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
export class HoldingsGuess {
  /** Member → its slot in `runs`; made at the first report (a client holds two per file it wants, a million clients two million). */
  private slots: Map<number, number> | undefined;
  /** Per slot: from, held, progress when reported. */
  private runs = NO_RUNS;

  constructor(readonly segments: number) {}

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
    return runCovers(this.heardRun(rank, progress) ?? this.unheardRun(progress, start, since), index, this.segments);
  }

  /** What a member heard from holds, by its reported run, for `runCovers`; undefined for one never heard from. */
  heardRun(rank: number, progress: number): Readonly<GuessedRun> | undefined {
    const slot = this.slots?.get(rank);
    if (slot === undefined) return undefined;
    const at = 3 * slot;
    if (this.runs[at + 1] >= this.segments) return ALL;
    RUN.from = this.runs[at];
    RUN.length = this.runs[at + 1] + (progress - this.runs[at + 2]);
    return RUN;
  }

  /** The guess for a member never heard from (see `mayHold`), for `runCovers`. */
  unheardRun(progress: number, start: number, since: number): Readonly<GuessedRun> {
    if (start < 0) return ALL;
    RUN.from = start;
    RUN.length = progress - since;
    return RUN;
  }

  /** Unlike `mayHold`, a member never heard from is not known to hold anything. */
  knownToHold(rank: number, index: number, progress: number): boolean {
    const run = this.heardRun(rank, progress);
    return run !== undefined && runCovers(run, index, this.segments);
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
