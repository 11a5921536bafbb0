import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import pLimit from 'p-limit';
import { InputError } from '../run/failures.js';

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

/** A temp file of `writeAtomically`: the target's name, then process, thread and write. */
const TEMP_FILE = /^(.+)\.\d+-\d+-\d+\.tmp$/;

/** A fresh temp file name beside `path`, unique per process, thread and write. */
export function tempName(path: string): string {
  // node:crypto would cost every worker its start-up.
  return `${path}.${process.pid}-${threadId}-${++written}.tmp`;
}

/**
 * Files this thread writes at once. A worker hosting many clients that finish together
 * (or a virtual-time run of thousands) would otherwise open more files than the process
 * may (EMFILE) and fail a correct run.
 */
const WRITE_CONCURRENCY = 32;
const writing = pLimit(WRITE_CONCURRENCY);

/** Writes a temp file beside the target and renames it over, so a reader never sees half a file. */
export function writeAtomically(path: string, text: string): Promise<void> {
  return writing(async () => {
    const temp = tempName(path);
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  });
}

/** Removes temp files that writers of `names` in `dir` left: one killed between write and rename leaves one. */
export async function removeLeftoverTemps(dir: string, names: readonly string[]): Promise<void> {
  const targets = new Set(names);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const leftovers = entries.filter((entry) => targets.has(TEMP_FILE.exec(entry)?.[1] ?? ''));
  await Promise.all(leftovers.map((entry) => unlink(join(dir, entry)).catch(() => undefined)));
}
