import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { compareLines, comparableLines } from './diff.js';
import { writeAtomically } from './files.js';
import { InputError, type Job } from './inputs.js';
import { readRegularFile, readRegularFileSync, ReadRefusal } from './read-file.js';

export function outputName(rank: number, file: string): string {
  return `client${rank}_${file}`;
}

/**
 * Each list's text, kept while the list lives: the clients that download a file hold one
 * list of its hashes between them (InternedLists), and writing or checking each output
 * joined 5,000 hashes anew.
 */
const formatted = new WeakMap<readonly string[], string>();

/** The output format: one hash per line, in segment order. */
export function formatOutput(hashes: readonly string[]): string {
  let text = formatted.get(hashes);
  if (text === undefined) {
    text = hashes.length === 0 ? '' : `${hashes.join('\n')}\n`;
    formatted.set(hashes, text);
  }
  return text;
}

export async function writeOutput(outDir: string, rank: number, file: string, hashes: readonly string[]): Promise<string> {
  const name = outputName(rank, file);
  await writeAtomically(join(outDir, name), formatOutput(hashes));
  return name;
}

/** Old outputs removed at once. */
const REMOVE_CONCURRENCY = 32;

/**
 * Removes the outputs a job would write, left by an earlier run into the same folder: a
 * run that cannot write one (a fault) must not pass on an old one as its own.
 */
export async function clearOutputs(job: Job, outDir: string): Promise<void> {
  const clear = async (path: string): Promise<void> => {
    try {
      // A symlink there is removed, not followed.
      await rm(path, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const folder = code === 'ERR_FS_EISDIR' || code === 'EISDIR';
      throw new InputError(
        `--out ${path}`,
        folder ? 'a folder is where an output of this job goes: move it away' : `cannot remove the old output (${code})`,
      );
    }
  };
  // One look at the folder instead of a removal per output: a fresh folder holds none of a
  // million-output job's names, and trying each one cost more than the run.
  const present = new Set(
    await readdir(outDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw new InputError(`--out ${outDir}`, `cannot list the folder to clear old outputs (${error.code})`);
    }),
  );
  const old = outputNames(job).filter((name) => present.has(name));
  const limit = pLimit(REMOVE_CONCURRENCY);
  await Promise.all(old.map((name) => limit(() => clear(join(outDir, name)))));
}

/** Every output the job implies. */
export function outputNames(job: Job): string[] {
  return job.clients.flatMap((client, i) => client.wanted.map((file) => outputName(i + 1, file)));
}

export interface OutputProblem {
  output: string;
  problem: string;
}

/**
 * The most an output of `segments` segments may be read at: a guard against a huge or
 * endless file, not a check of its form. Outputs compare as `diff -w` does, so a line may
 * carry any white space: four times a hash line each, and a MiB of slack.
 */
export function outputCapBytes(segments: number): number {
  return segments * 4 * 34 + 2 ** 20;
}

/** An output's text, or why there is none: `missing`, or what stopped it being read. */
export async function readOutput(path: string, segments: number): Promise<{ text: string } | { problem: string }> {
  try {
    return { text: await readRegularFile(path, outputCapBytes(segments)) };
  } catch (error) {
    if (!(error instanceof ReadRefusal)) throw error;
    return { problem: error.problem };
  }
}

/** Outputs read back between two turns of the event loop. */
const READ_SLICE = 256;

/**
 * Reads back every output the job implies and compares it with the owners' hashes. An
 * output that is not there is `missing`; one that is there but cannot be read says why,
 * so a correct run is never reported as failed for a reason that is not the output's.
 * Each is read with blocking calls, a slice at a time with a turn of the event loop
 * between slices: a read through the thread pool took four turns apiece (open, stat,
 * read, close), and 20,000 outputs took 1.5 s where these take a quarter of that.
 */
export async function verifyOutputs(job: Job, outDir: string): Promise<OutputProblem[]> {
  const problems: OutputProblem[] = [];
  let read = 0;
  for (let i = 0; i < job.clients.length; i++) {
    for (const file of job.clients[i].wanted) {
      if (++read % READ_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const output = outputName(i + 1, file);
      const hashes = job.files.get(file) as string[];
      const text = readOutputSync(join(outDir, output), hashes.length);
      // An output written as we write them needs no line-by-line look, which was most of the check.
      const exact = 'text' in text && text.text === formatOutput(hashes);
      const difference = exact ? undefined : 'problem' in text ? text.problem : compareLines(hashes, comparableLines(text.text));
      if (difference) problems.push({ output, problem: difference });
    }
  }
  return problems.sort((a, b) => a.output.localeCompare(b.output));
}

function readOutputSync(path: string, segments: number): { text: string } | { problem: string } {
  try {
    return { text: readRegularFileSync(path, outputCapBytes(segments)) };
  } catch (error) {
    if (!(error instanceof ReadRefusal)) throw error;
    return { problem: error.problem };
  }
}
