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
 * Only members heard from take room (four numbers each, in a table at most half full), so a client's state does not
 * grow with the size of the job.
 */
export class HoldingsGuess {
  /**
   * Members heard from, in an open-addressed table of ENTRY numbers each: rank + 1 (0: a
   * free entry), then from, held, and progress when reported. Made at the first report: a
   * client holds two per file it wants, a million clients two million. It is looked up for
   * every member weighed at every pick, where a Map per guess cost a hash and a chain walk
   * through the heap; here a lookup reads one or two neighbouring entries of one array.
   */
  private table = NO_RUNS;
  private count = 0;

  constructor(readonly segments: number) {}

  /**
   * A member listed as a seed holds everything. Only a member heard from has an entry to
   * correct: the others are guessed from the listing, which says which members are seeds.
   * An entry per seed named in a listing filled most tables with seeds (at 10,000 clients a
   * quarter grew past 128 entries), where a client hears from a few dozen members of a swarm.
   * A tracker never lists a seed as a peer again; only a reply from a lost tracker, arriving
   * after its successor's, could, and then the member is guessed from that listing until asked.
   */
  listedAsSeed(rank: number): void {
    const at = this.slotOf(rank);
    if (at >= 0 && this.table[at] !== 0) this.table[at + 2] = this.segments;
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
    const at = this.entryOf(rank);
    if (at < 0) return undefined;
    const table = this.table;
    if (table[at + 2] >= this.segments) return ALL;
    RUN.from = table[at + 1];
    RUN.length = table[at + 2] + (progress - table[at + 3]);
    return RUN;
  }

  /** The guess for a member never heard from (see `mayHold`), for `runCovers`. */
  unheardRun(progress: number, start: number, since: number): Readonly<GuessedRun> {
    if (start < 0) return ALL;
    RUN.from = start;
    RUN.length = progress - since;
    return RUN;
  }

  private set(rank: number, from: number, held: number, progress: number): void {
    let at = this.slotOf(rank);
    if (at < 0 || this.table[at] === 0) {
      // At most half full, so that a search meets a free entry soon.
      if (2 * (this.count + 1) > this.table.length / ENTRY) {
        this.grow();
        at = this.slotOf(rank);
      }
      this.table[at] = rank + 1;
      this.count++;
    }
    this.table[at + 1] = from;
    this.table[at + 2] = held;
    this.table[at + 3] = progress;
  }

  /** Where `rank`'s entry starts in the table; -1 if it has none. */
  private entryOf(rank: number): number {
    const at = this.slotOf(rank);
    return at >= 0 && this.table[at] !== 0 ? at : -1;
  }

  /** Where `rank`'s entry starts, or where it would go (a free entry); -1 while the table is not made. */
  private slotOf(rank: number): number {
    const table = this.table;
    if (table.length === 0) return -1;
    const mask = table.length / ENTRY - 1;
    for (let i = hashOf(rank) & mask; ; i = (i + 1) & mask) {
      const key = table[i * ENTRY];
      if (key === rank + 1 || key === 0) return i * ENTRY;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(Math.max(FIRST_ENTRIES, (2 * old.length) / ENTRY) * ENTRY);
    for (let at = 0; at < old.length; at += ENTRY) {
      if (old[at] === 0) continue;
      const to = this.slotOf(old[at] - 1);
      for (let k = 0; k < ENTRY; k++) this.table[to + k] = old[at + k];
    }
  }
}

/** Numbers per entry of the table: rank + 1, from, held, progress. */
const ENTRY = 4;
/** Entries of a table when first made (a power of two, as every size after). */
const FIRST_ENTRIES = 8;

/** Spreads ranks over the table: neighbouring ranks are often heard by one client together. */
function hashOf(rank: number): number {
  const h = Math.imul(rank, 0x9e3779b1);
  return (h ^ (h >>> 16)) >>> 0;
}
