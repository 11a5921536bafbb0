import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import pLimit from 'p-limit';
import { InputError, RunFailure } from '../run/failures.js';
import { tempToken } from './temp-token.js';

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

/**
 * A fresh temp file name beside `path`: this invocation's token, then process, thread and
 * write, in base 36 so that the longest output name (MAX_NAME_LENGTH and `client<R>_`)
 * still fits a file system's 255 bytes. Rank processes a local launch starts inherit the
 * token; under mpirun each has its own.
 */
export function tempName(path: string): string {
  return `${path}.${tempToken}.${process.pid.toString(36)}-${threadId.toString(36)}-${(++written).toString(36)}.tmp`;
}

/** What went wrong with a file, in words, for errors that name the file themselves. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'a folder is in the way';
    case 'ENOENT':
      return 'its folder is gone';
    default:
      return code ?? (error as Error).message;
  }
}

/** A file this program could not write: the message names it and what stopped it; the run fails (exit 1). */
export class WriteError extends RunFailure {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}: ${fileProblem(cause)}`, 1);
  }
}

/**
 * Files this thread writes at once. A worker hosting many clients that finish together
 * (or a virtual-time run of thousands) would otherwise open more files than the process
 * may (EMFILE) and fail a correct run.
 */
const WRITE_CONCURRENCY = 32;
const writing = pLimit(WRITE_CONCURRENCY);

/**
 * Writes a temp file beside the target and renames it over, so a reader never sees half a
 * file. The temp file is created exclusively ('wx'), so a planted file or symlink of that
 * name is never written through, and the rename replaces a symlink at the target rather
 * than following it: nothing outside the folder is touched. A failed write leaves no temp.
 */
export function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  return writing(async () => {
    const temp = tempName(path);
    try {
      await writeFile(temp, data, { flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new WriteError(path, error);
    }
  });
}

/**
 * `writeAtomically` for a thread that does nothing else (the output thread): the same
 * exclusive temp file and rename, without a trip through the thread pool for each step.
 */
export function writeAtomicallySync(path: string, data: string | Uint8Array, durable = false): void {
  const temp = tempName(path);
  try {
    const fd = openSync(temp, 'wx');
    try {
      writeFileSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or gone already.
    }
    throw new WriteError(path, error);
  }
  // `durable`: the rename survives a crash only once the folder holding it is flushed too.
  if (durable) syncFolder(dirname(path));
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a path the user named is a device or FIFO (`/dev/null`, `/dev/stdout`, a pipe):
 * it is written into where it is, since a rename over it would replace the device. Only
 * for paths the user named (`--junit`, `--trace`): a file swarmsim names itself is never
 * written through whatever is planted there.
 */
export function isSpecialFile(path: string): boolean {
  try {
    const target = statSync(path);
    return target.isCharacterDevice() || target.isFIFO() || target.isSocket();
  } catch {
    return false;
  }
}

const STANDARD_STREAMS = new Map<string, NodeJS.WriteStream>([
  ['/dev/stdout', process.stdout],
  ['/dev/fd/1', process.stdout],
  ['/proc/self/fd/1', process.stdout],
  ['/dev/stderr', process.stderr],
  ['/dev/fd/2', process.stderr],
  ['/proc/self/fd/2', process.stderr],
]);

/**
 * This process's own stdout or stderr, when the user named it so: written through the
 * stream itself, since it may be a socket that cannot be opened by its /proc name (ENXIO).
 */
export function standardStream(path: string): NodeJS.WriteStream | undefined {
  return STANDARD_STREAMS.get(path);
}

/** A file the user named: written into in place if it is a device or FIFO, else atomically. */
export async function writeUserFile(path: string, data: string | Uint8Array): Promise<void> {
  const stream = standardStream(path);
  if (stream) {
    stream.write(data);
    return;
  }
  if (!isSpecialFile(path)) return writeAtomically(path, data);
  try {
    await writeFile(path, data);
  } catch (error) {
    throw new WriteError(path, error);
  }
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes temp files this invocation's writers of `names` left in `dir` (one killed
 * between its write and its rename leaves one). Only names carrying this invocation's
 * token go: a file that merely looks like a temp file is someone else's.
 */
export async function removeLeftoverTemps(dir: string, names: readonly string[]): Promise<void> {
  const ours = new RegExp(`^(.+)\\.${escaped(tempToken)}\\.[0-9a-z]+-[0-9a-z]+-[0-9a-z]+\\.tmp$`);
  const targets = new Set(names);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const leftovers = entries.filter((entry) => targets.has(ours.exec(entry)?.[1] ?? ''));
  await Promise.all(leftovers.map((entry) => unlink(join(dir, entry)).catch(() => undefined)));
}
