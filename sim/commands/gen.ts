import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assignmentLimitProblem, suiteCase, writeCase, type GenOptions } from '../job/generate.js';
import { InputError } from '../job/inputs.js';
import { ensureOutputFolder } from '../job/output-folders.js';

export interface GenFlags {
  /** Write into a folder that already holds files, replacing the case there. */
  force?: boolean;
  /** Refuse sizes beyond the original assignment's. */
  assignmentLimits?: boolean;
}

/** The files of a case: what `--force` removes before it writes the new one. */
const CASE_FILE = /^(in|out)\d+\.txt$/;
/** A case folder of a suite. */
const SUITE_CASE = /^case-\d{3}-[a-z-]+$/;

/**
 * Makes the folder ready for a case: a folder that already holds files is refused, since
 * writing over part of a case would leave a mix of two; with `force` the old case's files
 * go first, and whatever else is there stays.
 */
async function caseFolder(dir: string, force: boolean): Promise<void> {
  await ensureOutputFolder('', dir);
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  if (!force) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
    throw new InputError(dir, `already holds files (${shown}); add --force to replace the case there`);
  }
  await Promise.all(entries.filter((name) => CASE_FILE.test(name)).map((name) => unlink(join(dir, name))));
}

/** `sim gen`: writes in<R>.txt and the expected out<k>.txt of every file. */
export async function genCommand(outDir: string, options: GenOptions, flags: GenFlags = {}): Promise<{ inputs: number; files: number }> {
  if (options.seeders > options.ranks - 1) {
    throw new InputError('--seeders', `${options.seeders} owners per file, but there are only ${options.ranks - 1} clients`);
  }
  const beyond = flags.assignmentLimits ? assignmentLimitProblem(options) : undefined;
  if (beyond) throw new InputError('--assignment-limits', beyond);
  await caseFolder(outDir, flags.force ?? false);
  return writeCase(outDir, options);
}

/** The case folders an earlier suite left: with `force` they are emptied of their case files, and removed when nothing else is left. */
async function clearSuite(dir: string): Promise<void> {
  for (const name of (await readdir(dir)).filter((entry) => SUITE_CASE.test(entry))) {
    const folder = join(dir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    await caseFolder(folder, true);
    await rmdir(folder).catch(() => undefined);
  }
}

/** `sim gen --suite`: `count` varied cases, each in its own folder. */
export async function genSuite(dir: string, count: number, seed: string, flags: GenFlags = {}): Promise<string[]> {
  await ensureOutputFolder('', dir);
  if ((await readdir(dir)).length > 0) {
    if (!flags.force) throw new InputError(dir, 'already holds files; add --force to replace the suite there');
    await clearSuite(dir);
  }
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const { name, options } = suiteCase(seed, i);
    await genCommand(join(dir, name), options, { force: flags.force });
    names.push(name);
  }
  return names;
}
