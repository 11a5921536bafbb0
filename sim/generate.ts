import seedrandom from 'seedrandom';

export interface GenOptions {
  ranks: number;
  files: number;
  /** Segments per file: each file draws its count from [min, max]. */
  segments: { min: number; max: number };
  /** Owners of each file (clients that hold it whole from the start). */
  seeders: number;
  /** Files each client wants, at most (fewer when it owns most of them). */
  wants: number;
  seed: string;
}

export interface GeneratedScenario {
  /** `in<R>.txt` text, index R - 1. */
  inputs: string[];
  /** Per file k (index k - 1): its segment count; hashes come from `fileHashes`. */
  segmentCounts: number[];
}

type Random = () => number;

function pick(random: Random, from: number[], count: number): number[] {
  const pool = from.slice();
  for (let i = 0; i < count && i < pool.length; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, Math.min(count, pool.length)).sort((a, b) => a - b);
}

/** The hashes of file k, regenerated from the seed on demand so huge files need no memory. */
export function fileHashes(seed: string, k: number, count: number): string[] {
  const random = seedrandom.alea(`${seed}/file${k}`);
  const hashes = new Array<string>(count);
  for (let s = 0; s < count; s++) {
    let hash = '';
    for (let word = 0; word < 4; word++) hash += (random.int32() >>> 0).toString(16).padStart(8, '0');
    hashes[s] = hash;
  }
  return hashes;
}

/**
 * A valid job: every file has `seeders` owners, every client wants only files it does
 * not own, and every wanted file is owned. Same options, same output, byte for byte.
 */
export function generate(options: GenOptions): GeneratedScenario {
  const random = seedrandom.alea(options.seed);
  const clients = Array.from({ length: options.ranks - 1 }, (_, i) => i + 1);
  const fileIds = Array.from({ length: options.files }, (_, i) => i + 1);
  const { min, max } = options.segments;
  const segmentCounts = fileIds.map(() => min + Math.floor(random() * (max - min + 1)));
  const owned = new Map<number, number[]>(clients.map((rank) => [rank, []]));
  for (const k of fileIds) for (const owner of pick(random, clients, options.seeders)) owned.get(owner)?.push(k);
  const inputs = clients.map((rank) => {
    const mine = owned.get(rank) ?? [];
    const ownSet = new Set(mine);
    const wanted = pick(random, fileIds.filter((k) => !ownSet.has(k)), options.wants);
    const lines: string[] = [String(mine.length)];
    for (const k of mine) {
      lines.push(`file${k} ${segmentCounts[k - 1]}`);
      for (const hash of fileHashes(options.seed, k, segmentCounts[k - 1])) lines.push(hash);
    }
    lines.push(String(wanted.length));
    for (const k of wanted) lines.push(`file${k}`);
    return `${lines.join('\n')}\n`;
  });
  return { inputs, segmentCounts };
}
