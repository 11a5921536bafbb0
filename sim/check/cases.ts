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
    subdirs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const name of subdirs) await walk(join(dir, name));
  };
  for (const root of roots) await walk(root);
  return found;
}
