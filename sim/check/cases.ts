import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inputRanks } from '../job/inputs.js';

/** Case folders: each given folder that holds in*.txt, else every such folder below it. */
export async function findCases(roots: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    if (inputRanks(dir).length > 0) {
      found.push(dir);
      return;
    }
    const entries = await readdir(dir, { withFileTypes: true });
    const subdirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    subdirs.sort(naturalOrder);
    for (const name of subdirs) await walk(join(dir, name));
  };
  for (const root of roots) await walk(root);
  return found;
}

/**
 * test2 before test10: names compared in runs of digits (by value) and of other characters.
 * Not `localeCompare(..., { numeric: true })`: its collator takes ~15 ms to load.
 */
export function naturalOrder(a: string, b: string): number {
  const runs = (name: string): string[] => name.match(/\d+|\D+/g) ?? [];
  const x = runs(a);
  const y = runs(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const numeric = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    if (numeric && Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}
