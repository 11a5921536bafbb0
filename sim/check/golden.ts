/**
 * Golden load figures for `sim check --transport virtual --golden`: a virtual-time run is
 * the same every time for one seed, so its load figures can be committed beside a case
 * and any change to them (in the protocol, a strategy or the scheduler) shows up as a diff.
 */
import { readRegularFile } from '../job/read-file.js';
import { join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { writeAtomically } from '../job/files.js';
import type { Failure } from './verdict.js';

export type GoldenMode = 'compare' | 'update';

interface Golden {
  strategy: string;
  seed: string;
  load: Record<string, unknown>;
  /** Segments uploaded by each client, by rank. */
  uploaded: Record<string, number>;
  simulatedSeconds: number;
}

export function goldenName(strategy: string, seed: string): string {
  return `golden-${strategy}-seed${seed}.json`;
}

/** Rounded so that the file reads well; runs are deterministic, so rounding only trims digits. */
const round = (value: number): number => Math.round(value * 1e9) / 1e9;

function goldenOf(doc: MetricsDocument): Golden {
  const load = Object.fromEntries(Object.entries(doc.load).map(([key, value]) => [key, typeof value === 'number' ? round(value) : value]));
  const uploaded = Object.fromEntries(doc.ranks.filter((rank) => rank.role === 'client').map((rank) => [String(rank.rank), rank.uploaded]));
  return { strategy: doc.run.strategy, seed: doc.run.seed ?? '', load, uploaded, simulatedSeconds: round(doc.run.wallSeconds) };
}

/** The first figure that differs, as `path: expected X, got Y`. */
function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    for (const key of keys) {
      const found = firstDifference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${path.slice(1)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** Compares the run's load figures with the case's golden file, or rewrites the file. */
export async function checkGolden(caseDir: string, doc: MetricsDocument, mode: GoldenMode): Promise<Failure[]> {
  const file = join(caseDir, goldenName(doc.run.strategy, doc.run.seed ?? ''));
  const actual = goldenOf(doc);
  if (mode === 'update') {
    await writeAtomically(file, `${JSON.stringify(actual, null, 2)}\n`);
    return [];
  }
  let expected: unknown;
  try {
    expected = JSON.parse(await readRegularFile(file, 64 * 2 ** 20));
  } catch (error) {
    const { code, problem } = error as { code?: string; problem?: string };
    const reason = code === 'ENOENT' ? 'missing (write it with --update)' : (problem ?? (error as Error).message);
    return [{ kind: 'golden', detail: `${file}: ${reason}` }];
  }
  const difference = firstDifference(expected, actual, '');
  return difference ? [{ kind: 'golden', detail: `${file}: ${difference}` }] : [];
}
