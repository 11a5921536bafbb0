import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { ensureDir, writeAtomically } from './files.js';
import { formatOutput } from './outputs.js';

export interface GenOptions {
  ranks: number;
  files: number;
  /** Segments per file: each file draws its count from [min, max]. */
  segments: { min: number; max: number };
  /** Owners of each file (clients that hold it whole from the start). */
  seeders: number;
  /** Files each client wants, at most (fewer when it owns most of them). */
  wants: number;
  /** The last `idle` clients want nothing (they only serve what they own). */
  idle?: number;
  seed: string;
}

export interface GeneratedScenario {
  /** `in<R>.txt` text, index R - 1. */
  inputs: string[];
  /** Per file k (index k - 1): its segment count; hashes come from `fileHashes`. */
  segmentCounts: number[];
}

type Random = () => number;

/**
 * `count` of the `size` values `at(0)`, `at(1)`, ..., drawn as a partial Fisher-Yates
 * shuffle of them would, sorted. Only the places swapped are kept, so a draw from a million
 * clients costs what a draw from ten does (a copy of the pool per draw made a
 * million-client case take hours).
 */
function pick(random: Random, size: number, at: (i: number) => number, count: number): number[] {
  const swapped = new Map<number, number>();
  const valueAt = (i: number): number => swapped.get(i) ?? at(i);
  const chosen: number[] = [];
  for (let i = 0; i < count && i < size; i++) {
    const j = i + Math.floor(random() * (size - i));
    const [first, second] = [valueAt(i), valueAt(j)];
    swapped.set(i, second);
    swapped.set(j, first);
    chosen.push(second);
  }
  return chosen.sort((a, b) => a - b);
}

/** The i-th of 1, 2, 3, ... that is not in `skipped` (sorted). */
function nthNotIn(skipped: readonly number[], i: number): number {
  let value = i + 1;
  for (const skip of skipped) if (skip <= value) value++;
  return value;
}

/** The hashes of file k, regenerated from the seed whenever needed rather than kept. */
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
  const owned = new Map<number, number[]>();
  for (const k of fileIds) {
    for (const owner of pick(random, clients.length, (i) => i + 1, options.seeders)) {
      const mine = owned.get(owner);
      if (mine) mine.push(k);
      else owned.set(owner, [k]);
    }
  }
  const inputs = clients.map((rank) => {
    // Files are handed out in order, so each client's list is sorted.
    const mine = owned.get(rank) ?? [];
    const idle = rank > clients.length - (options.idle ?? 0);
    const wanted = idle ? [] : pick(random, options.files - mine.length, (i) => nthNotIn(mine, i), options.wants);
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

/** Writes a generated case into `dir`: its in<R>.txt, and the expected out<k>.txt of every file. */
export async function writeCase(dir: string, options: GenOptions): Promise<{ inputs: number; files: number }> {
  const scenario = generate(options);
  await ensureDir(dir);
  // A thousand at a time: one at a time left a million-client case waiting on the disk for each.
  for (let from = 0; from < scenario.inputs.length; from += 1000) {
    const slice = scenario.inputs.slice(from, from + 1000);
    await Promise.all(slice.map((text, i) => writeAtomically(join(dir, `in${from + i + 1}.txt`), text)));
  }
  for (const [i, count] of scenario.segmentCounts.entries()) {
    await writeAtomically(join(dir, `out${i + 1}.txt`), formatOutput(fileHashes(options.seed, i + 1, count)));
  }
  return { inputs: scenario.inputs.length, files: scenario.segmentCounts.length };
}

/** The original assignment's limits, which student implementations often assume. */
export const ASSIGNMENT_LIMITS = { files: 10, segments: 100, nameLength: 15 };

/** Why these options break the assignment's limits, or undefined. */
export function assignmentLimitProblem(options: Pick<GenOptions, 'files' | 'segments'>): string | undefined {
  if (options.files > ASSIGNMENT_LIMITS.files)
    return `--files ${options.files} is over the assignment's limit of ${ASSIGNMENT_LIMITS.files}`;
  if (options.segments.max > ASSIGNMENT_LIMITS.segments)
    return `--segments up to ${options.segments.max} is over the assignment's limit of ${ASSIGNMENT_LIMITS.segments}`;
  return undefined;
}

interface SuiteKind {
  name: string;
  options: (random: () => number, draw: (min: number, max: number) => number) => Omit<GenOptions, 'seed'>;
}

/**
 * The situations a varied suite covers, each within the assignment's limits: tiny files,
 * every file index up to 10, one seed and many leechers, many seeds, clients that want
 * nothing, and the largest sizes.
 */
export const SUITE_KINDS: SuiteKind[] = [
  {
    name: 'tiny',
    options: (_, draw) => ({ ranks: draw(3, 6), files: draw(1, 4), segments: { min: 1, max: 3 }, seeders: 1, wants: draw(1, 3) }),
  },
  {
    name: 'all-indexes',
    options: (_, draw) => ({ ranks: draw(4, 8), files: 10, segments: { min: 5, max: 30 }, seeders: draw(1, 2), wants: draw(2, 5) }),
  },
  { name: 'one-seed', options: (_, draw) => ({ ranks: draw(6, 10), files: 1, segments: { min: 50, max: 100 }, seeders: 1, wants: 1 }) },
  {
    name: 'many-seeds',
    options: (_, draw) => {
      const ranks = draw(5, 9);
      return { ranks, files: draw(2, 4), segments: { min: 20, max: 100 }, seeders: ranks - 2, wants: 2 };
    },
  },
  {
    name: 'idle-clients',
    options: (_, draw) => {
      const ranks = draw(5, 9);
      return { ranks, files: draw(2, 5), segments: { min: 10, max: 50 }, seeders: 1, wants: 2, idle: draw(1, Math.floor((ranks - 1) / 2)) };
    },
  },
  {
    name: 'max-size',
    options: (_, draw) => ({ ranks: draw(6, 10), files: 10, segments: { min: 100, max: 100 }, seeders: draw(1, 3), wants: draw(3, 10) }),
  },
];

/** Case i of a suite: its folder name and generator options, from the suite seed. */
export function suiteCase(seed: string, i: number): { name: string; options: GenOptions } {
  const kind = SUITE_KINDS[i % SUITE_KINDS.length];
  const random = seedrandom.alea(`${seed}/suite/${i}`);
  const draw = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const caseSeed = `${seed}/${i}`;
  return { name: `case-${String(i + 1).padStart(3, '0')}-${kind.name}`, options: { ...kind.options(random, draw), seed: caseSeed } };
}
