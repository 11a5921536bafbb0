import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { startOffset, vanDerCorput } from '../ranks/fresh-order.js';
import { UNKNOWN_START } from '../ranks/swarm-view.js';
import { HoldingsGuess } from '../ranks/holdings-guess.js';
import { bandwidth } from '../ranks/strategies/bandwidth.js';
import { leastLoaded } from '../ranks/strategies/least-loaded.js';
import { random } from '../ranks/strategies/random.js';
import { roundRobin } from '../ranks/strategies/round-robin.js';
import type { MetricsDocument } from '../reports/document.js';
import { sim } from './helpers/cli.js';
import { inputText, outputsOf, tempDir, writeInputs } from './helpers/files.js';
import { choose, rotateAfter } from '../ranks/strategies/strategy.js';
import { Sampler } from '../sim/run/timeline.js';
import { groupClients, placeClients, rankRanges } from '../sim/transports/rank-groups.js';

const everyone = (): boolean => true;

describe('round-robin', () => {
  it('walks the members in turn, skipping the ineligible', () => {
    const strategy = roundRobin();
    const members = [2, 4, 5, 7];
    const picks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const holder = choose(strategy, 'f', members, (m) => m !== 5);
      if (holder === undefined) throw new Error('no holder');
      strategy.sent('f', holder);
      picks.push(holder);
    }
    expect(picks).toEqual([2, 4, 7, 2, 4, 7]);
    expect(choose(strategy, 'f', members, () => false)).toBeUndefined();
  });

  it('keeps one turn per file', () => {
    const strategy = roundRobin();
    strategy.sent('a', 2);
    expect(choose(strategy, 'a', [1, 2, 3], everyone)).toBe(3);
    expect(choose(strategy, 'b', [1, 2, 3], everyone)).toBe(1);
  });
});

describe('random', () => {
  it('draws its first choice from its own seeded stream, only when a request is sent', () => {
    const members = [1, 2, 3, 4, 5, 6, 7, 8];
    const firsts = (seed: string): number[] => {
      const strategy = random(3, seed);
      return Array.from({ length: 12 }, () => {
        const first = strategy.order('f', members, [])[0];
        // Looking again draws nothing: the same order until a request goes out.
        expect(strategy.order('f', members, [])[0]).toBe(first);
        strategy.sent('f', first);
        return first;
      });
    };
    expect(firsts('1')).toEqual(firsts('1'));
    expect(firsts('1')).not.toEqual(firsts('2'));
    expect(new Set(firsts('1')).size).toBeGreaterThan(3);
    expect(random(3, '1').order('f', members, []).sort()).toEqual(members);
  });

  it('in virtual time: another seed, another upload matrix, the same outputs', () => {
    const run = (seed: string): { doc: MetricsDocument; out: string } => {
      const out = tempDir();
      const result = sim(
        'run',
        'test/suite/r16-kseg',
        '--transport',
        'virtual',
        '--strategy',
        'random',
        '--seed',
        seed,
        '--out',
        out,
        '--json',
        '--no-report',
      );
      expect(result.status, result.stderr).toBe(0);
      return { doc: JSON.parse(result.stdout) as MetricsDocument, out };
    };
    const [a, again, b] = [run('1'), run('1'), run('2')];
    const uploads = (doc: MetricsDocument): number[] => doc.ranks.map((rank) => rank.uploaded);
    expect(uploads(again.doc)).toEqual(uploads(a.doc));
    expect(uploads(b.doc)).not.toEqual(uploads(a.doc));
    expect(outputsOf(b.out)).toEqual(outputsOf(a.out));
  });
});

describe('bandwidth', () => {
  it('asks each holder in proportion to the rate it announced, spread out in time', () => {
    const strategy = bandwidth();
    strategy.heard?.(2, 3000);
    strategy.heard?.(5, 1000);
    const picks: number[] = [];
    for (let i = 0; i < 8; i++) {
      const holder = choose(strategy, 'f', [2, 5], everyone);
      if (holder === undefined) throw new Error('no holder');
      strategy.sent('f', holder);
      picks.push(holder);
    }
    // Smooth weighted round-robin: 3 to 1, the slow holder's turns between the fast one's.
    expect(picks).toEqual([2, 2, 5, 2, 2, 2, 5, 2]);
    // Looking changes nothing: the same order until a request goes out.
    expect(strategy.order('f', [2, 5], [])).toEqual(strategy.order('f', [2, 5], []));
  });

  it('counts a member that announced nothing as the mean, and is round-robin when none did', () => {
    const blind = bandwidth();
    const picks = Array.from({ length: 6 }, () => {
      const holder = blind.order('f', [1, 2, 3], [])[0];
      blind.sent('f', holder);
      return holder;
    });
    expect(picks).toEqual([1, 2, 3, 1, 2, 3]);
    const mixed = bandwidth();
    mixed.heard?.(1, 4000);
    mixed.heard?.(2, 0);
    mixed.heard?.(3, 2000);
    const counts = new Map<number, number>();
    for (let i = 0; i < 90; i++) {
      const holder = mixed.order('f', [1, 2, 3], [])[0];
      mixed.sent('f', holder);
      counts.set(holder, (counts.get(holder) ?? 0) + 1);
    }
    expect(counts).toEqual(
      new Map([
        [1, 40],
        [2, 30],
        [3, 20],
      ]),
    );
  });

  it('in virtual time: the fastest seed serves most, and the swarm finishes sooner than round-robin', () => {
    const dir = tempDir();
    const seed = inputText([['file1', Array.from({ length: 60 }, (_, i) => i)]], []);
    writeInputs([seed, seed, ...Array.from({ length: 6 }, () => inputText([], ['file1']))], dir);
    const network = join(dir, 'fast-seed.json');
    writeFileSync(network, JSON.stringify({ ranks: [{ ranks: '1', uploadMbps: 400 }] }));
    const run = (strategy: string): MetricsDocument => {
      const result = sim(
        'run',
        dir,
        '--transport',
        'virtual',
        '--strategy',
        strategy,
        '--network',
        network,
        '--out',
        tempDir(),
        '--json',
        '--no-report',
      );
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as MetricsDocument;
    };
    const [weighed, plain] = [run('bandwidth'), run('round-robin')];
    const uploads = (doc: MetricsDocument): number[] => doc.ranks.map((rank) => rank.uploaded);
    const last = (doc: MetricsDocument): number => Math.max(...doc.ranks.map((rank) => rank.completedSeconds ?? 0));
    // Rank 1 uploads 20 times as fast as everyone else.
    expect(uploads(weighed)[1]).toBeGreaterThan(0.75 * weighed.run.segmentsTransferred);
    expect(uploads(weighed)[1]).toBeGreaterThan(2 * uploads(plain)[1]);
    expect(last(weighed)).toBeLessThan(last(plain) / 2);
  });
});

describe('rotateAfter', () => {
  it('starts after the member used last, wrapping round', () => {
    expect(rotateAfter([2, 4, 7, 9], undefined, [])).toEqual([2, 4, 7, 9]);
    expect(rotateAfter([2, 4, 7, 9], 4, [])).toEqual([7, 9, 2, 4]);
    expect(rotateAfter([2, 4, 7, 9], 5, [])).toEqual([7, 9, 2, 4]);
    expect(rotateAfter([2, 4, 7, 9], 9, [])).toEqual([2, 4, 7, 9]);
  });
});

describe('least-loaded', () => {
  it('asks the holder with the lowest reported load plus its unanswered requests', () => {
    const strategy = leastLoaded();
    strategy.sent('f', 1);
    strategy.answered(1, 10);
    strategy.sent('f', 2);
    strategy.answered(2, 3);
    strategy.sent('f', 3);
    strategy.answered(3, 5);
    expect(choose(strategy, 'f', [1, 2, 3], everyone)).toBe(2);
    for (let i = 0; i < 3; i++) strategy.sent('f', 2);
    expect(strategy.cost?.(2)).toBe(6);
    expect(choose(strategy, 'f', [1, 2, 3], everyone)).toBe(3);
    expect(choose(strategy, 'f', [1, 2, 3], (m) => m === 1)).toBe(1);
  });

  it('shares the work between equally idle holders', () => {
    const strategy = leastLoaded();
    const picks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const holder = choose(strategy, 'f', [1, 2, 3], everyone) as number;
      strategy.sent('f', holder);
      strategy.answered(holder, 0);
      picks.push(holder);
    }
    expect(picks).toEqual([1, 2, 3]);
  });
});

describe('HoldingsGuess', () => {
  it('trusts a reported run, grows it with our own progress, and assumes the unknown may hold anything', () => {
    const guess = new HoldingsGuess(10);
    expect(guess.mayHold(1, 9, 0, UNKNOWN_START)).toBe(true);
    guess.report(1, 8, 3, 0);
    // Once heard from, where it began no longer matters: its reported run does.
    expect([8, 9, 0].map((i) => guess.mayHold(1, i, 0, 4))).toEqual([true, true, true]);
    expect(guess.mayHold(1, 1, 0, UNKNOWN_START)).toBe(false);
    expect(guess.mayHold(1, 1, 1, UNKNOWN_START)).toBe(true);
    // Listed as a seed, a member heard from holds everything from then on.
    guess.listedAsSeed(1);
    expect(guess.mayHold(1, 1, 0, 4)).toBe(true);
  });

  it('takes no entry for a seed never heard from: the listing says it holds everything', () => {
    const guess = new HoldingsGuess(10);
    guess.listedAsSeed(2);
    expect(guess.heardRun(2, 0)).toBeUndefined();
    guess.report(2, 3, 1, 0);
    guess.listedAsSeed(2);
    expect(guess.heardRun(2, 0)).toEqual({ from: 0, length: Infinity });
  });

  it('guesses a peer never heard from holds a run from where it began, as long as our progress since it was listed', () => {
    const guess = new HoldingsGuess(10);
    // Began at 8, listed when we had 2 segments: at 2 it holds nothing yet; at 5, three segments 8, 9, 0.
    expect([8, 9].map((i) => guess.mayHold(3, i, 2, 8, 2))).toEqual([false, false]);
    expect([7, 8, 9, 0, 1].map((i) => guess.mayHold(3, i, 5, 8, 2))).toEqual([false, true, true, true, false]);
  });
});

describe("HoldingsGuess's table of members heard from", () => {
  it('keeps the latest run of each of thousands of members, as a map would, through every growth', () => {
    const segments = 50;
    const guess = new HoldingsGuess(segments);
    const model = new Map<number, [number, number, number]>();
    const draw = seedrandom.alea('holdings-table');
    // Ranks spread wide and packed close, so that some collide in the table and clusters form.
    const rankOf = (): number => (draw() < 0.5 ? Math.floor(draw() * 3000) : 1_000_000 + 64 * Math.floor(draw() * 200));
    for (let step = 0; step < 20_000; step++) {
      const rank = rankOf();
      const run: [number, number, number] = [Math.floor(draw() * segments), Math.floor(draw() * (segments - 1)), step];
      guess.report(rank, ...run);
      model.set(rank, run);
      if (step % 997 !== 0) continue;
      for (let probe = 0; probe < 200; probe++) {
        const asked = rankOf();
        const known = model.get(asked);
        const heard = guess.heardRun(asked, 20_000);
        expect(heard && { ...heard }, `rank ${asked} at step ${step}`).toEqual(
          known && { from: known[0], length: known[1] + 20_000 - known[2] },
        );
      }
    }
    expect(model.size).toBeGreaterThan(2500);
    for (const [rank, [from, held, progress]] of model) {
      expect({ ...guess.heardRun(rank, progress) }).toEqual({ from, length: held });
    }
  });
});

describe('vanDerCorput', () => {
  it('puts each newcomer in the widest gap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(vanDerCorput)).toEqual([0, 0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875]);
    expect([0, 1, 2, 3].map((arrival) => startOffset(arrival, 80))).toEqual([0, 40, 20, 60]);
  });
});

describe('groupClients', () => {
  it('splits client ranks into contiguous groups of nearly equal size', () => {
    expect(groupClients(5, 2)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(groupClients(3, 3)).toEqual([[1], [2], [3]]);
    expect(groupClients(2, 8)).toEqual([[1], [2]]);
  });
});

describe('placeClients', () => {
  it('packs the clients into the workers asked for, each one a fault ends in a worker of its own', () => {
    expect(placeClients(6, 2, new Set([3]))).toEqual([[1, 2], [4, 5, 6], [3]]);
    expect(placeClients(3, 'all', new Set())).toEqual([[1], [2], [3]]);
    expect(placeClients(2, 1, new Set([1, 2]))).toEqual([[1], [2]]);
    expect(rankRanges([5, 1, 2, 3, 7, 9, 10])).toBe('1-3,5,7,9-10');
  });
});

describe('Sampler', () => {
  it('keeps forced rows, the first and the last, and at most `keep` rows', () => {
    const sampler = new Sampler(0, 10);
    for (let i = 0; i < 1000; i++) sampler.record(i, [i], i === 500);
    const rows = sampler.samples();
    expect(rows.length).toBeLessThanOrEqual(10);
    expect(rows[0]).toEqual([0, 0]);
    expect(rows[rows.length - 1]).toEqual([999, 999]);
    expect(rows).toContainEqual([500, 500]);
    expect(rows.map((row) => row[0])).toEqual([...rows.map((row) => row[0])].sort((a, b) => a - b));
  });

  it('records at most one unforced row per gap', () => {
    const sampler = new Sampler(1, 100);
    for (let i = 0; i < 50; i++) sampler.record(i / 10, [i]);
    expect(sampler.samples().map((row) => row[0])).toEqual([0, 1, 2, 3, 4]);
  });
});
