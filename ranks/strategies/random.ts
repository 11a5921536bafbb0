import seedrandom from 'seedrandom';
import type { SourceStrategy } from './strategy.js';

/**
 * Ask a holder drawn at random from the rank's own seeded stream: the baseline any rule of
 * choice should beat. `order` may be called several times before one request goes out and
 * must not draw, so the draw for the next request is made when one is sent: the members
 * are rotated to start at the drawn share of the list.
 */
export function random(rank: number, seed: string): SourceStrategy {
  const stream = seedrandom(`${seed}/random/${rank}`);
  let draw = stream();
  return {
    rotation: (_file, members) => Math.floor(draw * members.length),
    order(_file, members, out) {
      const count = members.length;
      const start = Math.floor(draw * count);
      for (let i = 0; i < count; i++) out[i] = members[(start + i) % count];
      if (out.length !== count) out.length = count;
      return out;
    },
    sent() {
      draw = stream();
    },
    answered() {},
    abandoned() {},
  };
}
