const UNKNOWN = -1;

/**
 * What one client guesses each swarm member holds of one file. Every reply carries the
 * holder's gap-free run (`from`, `held`); between replies the run is assumed to grow as
 * fast as this client's own download (`progress`, its segments obtained of the file), so a
 * member is asked again once it has probably caught up, and each NACK corrects the guess.
 * Members never heard from are assumed to hold anything: asking them is how we learn.
 */
export class HoldingsGuess {
  private readonly from: Int32Array;
  private readonly held: Int32Array;
  private readonly progressAt: Int32Array;

  constructor(
    size: number,
    private readonly segments: number,
  ) {
    this.from = new Int32Array(size);
    this.held = new Int32Array(size).fill(UNKNOWN);
    this.progressAt = new Int32Array(size);
  }

  seed(rank: number): void {
    this.from[rank] = 0;
    this.held[rank] = this.segments;
  }

  report(rank: number, from: number, held: number, progress: number): void {
    this.from[rank] = from;
    this.held[rank] = held;
    this.progressAt[rank] = progress;
  }

  mayHold(rank: number, index: number, progress: number): boolean {
    const held = this.held[rank];
    if (held === UNKNOWN || held >= this.segments) return true;
    const distance = (index - this.from[rank] + this.segments) % this.segments;
    return distance < held + (progress - this.progressAt[rank]);
  }
}
