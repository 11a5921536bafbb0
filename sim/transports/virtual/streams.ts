import seedrandom from 'seedrandom';

/**
 * Each rank's seeded stream: Alea, as seedrandom computes it, with the state of all ranks in
 * one array, four numbers a rank (c, s0, s1, s2), rather than an object and closures each:
 * a million ranks' streams took 300 MB, and drawing from them missed the cache at every
 * activation. Draws are the very numbers `seedrandom.alea(seed).next` gives.
 */
export class RankStreams {
  private readonly state: Float64Array;

  constructor(seed: string, size: number) {
    this.state = new Float64Array(4 * size);
    for (let rank = 0; rank < size; rank++) {
      const { c, s0, s1, s2 } = seedrandom.alea(`${seed}/rank ${rank}`, { state: true }).state();
      this.state.set([c, s0, s1, s2], 4 * rank);
    }
  }

  /** The next number of `rank`'s stream, in [0, 1). */
  draw(rank: number): number {
    const state = this.state;
    const at = 4 * rank;
    const t = 2091639 * state[at + 1] + state[at] * 2.3283064365386963e-10; // 2^-32
    state[at + 1] = state[at + 2];
    state[at + 2] = state[at + 3];
    const carry = t | 0;
    state[at] = carry;
    return (state[at + 3] = t - carry);
  }
}
