import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { InputError } from './failures.js';

/**
 * Creates a folder and its missing parents. Node's own recursive mkdir spins forever on
 * some pseudo file systems (/proc), so this walks up at most once per path component.
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(dir)).isDirectory()) return;
      throw new InputError(dir, 'exists and is not a folder');
    }
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await ensureDir(dirname(dir));
    await mkdir(dir);
  }
}

let written = 0;

/** Writes a temp file beside the target and renames it over, so a reader never sees half a file. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  // Unique per process, thread and write; node:crypto would cost every worker its start-up.
  const temp = `${path}.${process.pid}-${threadId}-${++written}.tmp`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
