/**
 * Where results go, made ready before anything runs: a folder that cannot be made is bad
 * usage (exit 2) named after the option that asked for it, not a file system error later.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDir } from './files.js';
import { InputError } from '../run/failures.js';

/** Makes `dir` and its parents; `flag` is the option that named it, or '' for an argument. */
export async function ensureOutputFolder(flag: string, dir: string): Promise<void> {
  const where = flag === '' ? dir : `${flag} ${dir}`;
  try {
    await ensureDir(dir);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(where, error.problem);
    if (error instanceof Error && 'code' in error) throw new InputError(where, `cannot create the folder (${error.message})`);
    throw error;
  }
}

/** Makes the folder a file named by `flag` will be written in. */
export async function ensureFolderOf(flag: string, file: string): Promise<void> {
  try {
    await ensureOutputFolder('', dirname(file));
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${flag} ${file}`, error.problem);
    throw error;
  }
}

/** Makes the folder of a file `flag` names, and refuses a name that is a folder: writing over it would fail only at the end. */
export async function ensureFileTarget(flag: string, file: string): Promise<void> {
  await ensureFolderOf(flag, file);
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) throw new InputError(`${flag} ${file}`, 'is a folder: name a file');
}
