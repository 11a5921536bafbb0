import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestJain, type FileHolders } from '../reports/spread-bound.js';
import { jainIndex } from '../reports/metrics.js';
import { waterFill } from '../reports/water-fill.js';
import { runSwarm } from '../sim/api.js';
import { tempDir } from './helpers/files.js';

const jain = (uploads: number[]): number => jainIndex(uploads);

/**
 * The exhaustive answer for a tiny job: every way of splitting each file's copies among
 * the clients allowed to send them (owners at least one copy of each segment, each wanter
 * and the wanters together at most segments x (wanters - 1)), the lowest sum of squares.
 */
function bruteForce(files: FileHolders[], servers: number[]): number {
  const index = new Map(servers.map((rank, i) => [rank, i]));
  let bestSquares = Infinity;
  let total = 0;
  const uploads = new Array<number>(servers.length).fill(0);
  const splits = (amount: number, slots: number): number[][] =>
    slots === 0
      ? amount === 0
        ? [[]]
        : []
      : Array.from({ length: amount + 1 }, (_, first) => splits(amount - first, slots - 1).map((rest) => [first, ...rest])).flat();
  const walk = (k: number): void => {
    if (k === files.length) {
      bestSquares = Math.min(
        bestSquares,
        uploads.reduce((a, x) => a + x * x, 0),
      );
      return;
    }
    const { segments, owners, wanters } = files[k];
    const demand = segments * wanters.length;
    const senders = [...owners, ...wanters].filter((rank) => index.has(rank));
    for (const split of splits(demand, senders.length)) {
      const fromOwners = split.slice(0, owners.filter((rank) => index.has(rank)).length).reduce((a, b) => a + b, 0);
      const fromWanters = demand - fromOwners;
      const wanterCap = segments * (wanters.length - 1);
      if (fromOwners < segments || fromWanters > wanterCap) continue;
      if (split.slice(split.length - (senders.length - owners.filter((r) => index.has(r)).length)).some((y) => y > wanterCap)) continue;
      senders.forEach((rank, i) => (uploads[index.get(rank) ?? 0] += split[i]));
      walk(k + 1);
      senders.forEach((rank, i) => (uploads[index.get(rank) ?? 0] -= split[i]));
    }
  };
  for (const { segments, wanters } of files) total += segments * wanters.length;
  walk(0);
  return bestSquares === 0 ? 1 : (total * total) / (servers.length * bestSquares);
}

describe("the best possible Jain's index", () => {
  it('is 0.999 on test3: the downloaders of each file can pass most of it on to each other', () => {
    // test3: client 1 owns file1 (80 segments) and wants file2 (75); client 2 the other way
    // round; client 3 wants file1, client 4 wants file2. Each owner must send every segment
    // of its file once (80 and 75). The other 80 copies of file1 can come from clients 2
    // and 3, whichever got a segment first: 2 from client 2 and 78 from client 3 evens
    // clients 2 and 3 out best against the owners' floors; client 4 passes on all 75 of
    // file2. Uploads 80, 77, 78, 75.
    const files = [
      { segments: 80, owners: [1], wanters: [2, 3] },
      { segments: 75, owners: [2], wanters: [1, 4] },
    ];
    expect(bestJain(files, [1, 2, 3, 4])).toBeCloseTo(310 ** 2 / (4 * (80 ** 2 + 77 ** 2 + 78 ** 2 + 75 ** 2)), 12);
    expect(bestJain(files, [1, 2, 3, 4])?.toFixed(3)).toBe('0.999');
  });

  it('holds a single seed to one copy of each segment, the wanters sharing the rest', () => {
    // 10 segments, 5 wanters: the seed sends 10, each wanter 8 of the other 40.
    const files = [{ segments: 10, owners: [1], wanters: [2, 3, 4, 5, 6] }];
    expect(bestJain(files, [1, 2, 3, 4, 5, 6])).toBeCloseTo(jain([10, 8, 8, 8, 8, 8]), 12);
    // A lone downloader can only be served by the seed, the only client that could serve.
    expect(bestJain([{ segments: 10, owners: [1], wanters: [2] }], [1])).toBe(1);
  });

  it('is 1 where every client can serve equally', () => {
    // Four clients, each owning one file of 6 segments and wanting the other three.
    const files = [1, 2, 3, 4].map((owner) => ({ segments: 6, owners: [owner], wanters: [1, 2, 3, 4].filter((r) => r !== owner) }));
    expect(bestJain(files, [1, 2, 3, 4])).toBe(1);
  });

  it('leaves free riders out, and is unknown when only free riders own a wanted file', () => {
    const files = [{ segments: 4, owners: [1], wanters: [2, 3, 4] }];
    // Client 4 rides free: the seed sends 4, clients 2 and 3 share the other 8.
    expect(bestJain(files, [1, 2, 3])).toBeCloseTo(jain([4, 4, 4]), 12);
    expect(bestJain(files, [2, 3])).toBeNull();
  });

  it('agrees with an exhaustive search on small random jobs', () => {
    let state = 12345;
    const random = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    for (let trial = 0; trial < 60; trial++) {
      const clients = 3 + random(3);
      const files: FileHolders[] = [];
      for (let f = 0; f < 1 + random(3); f++) {
        const owner = 1 + random(clients);
        const second = random(3) === 0 ? 1 + random(clients) : owner;
        const owners = second === owner ? [owner] : [owner, second];
        const wanters = Array.from({ length: clients }, (_, i) => i + 1).filter((rank) => !owners.includes(rank) && random(2) === 0);
        files.push({ segments: 1 + random(2), owners, wanters });
      }
      const servers = new Set<number>();
      for (const { owners, wanters } of files) {
        if (wanters.length === 0) continue;
        owners.forEach((rank) => servers.add(rank));
        if (wanters.length > 1) wanters.forEach((rank) => servers.add(rank));
      }
      const ranks = [...servers].sort((a, b) => a - b);
      if (ranks.length === 0) continue;
      expect(bestJain(files, ranks), JSON.stringify(files)).toBeCloseTo(bruteForce(files, ranks), 12);
    }
  });
});

describe('water-filling in whole units', () => {
  it('fills the least loaded first, to a common level, within each cap', () => {
    expect(waterFill([0, 5, 10], [100, 100, 100], 9)).toEqual([7, 2, 0]);
    expect(waterFill([0, 0, 0], [1, 100, 100], 9)).toEqual([1, 4, 4]);
    expect(waterFill([3, 3], [10, 10], 5).reduce((a, b) => a + b, 0)).toBe(5);
    expect(() => waterFill([0, 0], [1, 1], 3)).toThrow('3 units to share among caps of 2');
  });
});

describe("the best possible Jain's index beside runs of the suite", () => {
  const suite = join('test', 'suite');
  const cases = readdirSync(suite);

  it.each(cases)(
    'is never below what a run reaches (%s, every built-in strategy)',
    async (name) => {
      for (const strategy of ['round-robin', 'least-loaded', 'random', 'bandwidth', 'rarest-first', 'tit-for-tat'] as const) {
        const doc = await runSwarm(join(suite, name), { transport: 'virtual', strategy, out: tempDir() });
        expect(doc.load.jainBound, strategy).toBeDefined();
        expect(doc.load.jain, strategy).toBeLessThanOrEqual((doc.load.jainBound ?? 0) + 1e-12);
      }
    },
    120_000,
  );
});
