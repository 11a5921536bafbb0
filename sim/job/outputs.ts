import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { compareLines, comparableLines } from './diff.js';
import { removeLeftoverTemps, writeAtomically } from './files.js';
import type { Job } from './inputs.js';

export function outputName(rank: number, file: string): string {
  return `client${rank}_${file}`;
}

/** The output format: one hash per line, in segment order. */
export function formatOutput(hashes: readonly string[]): string {
  return hashes.length === 0 ? '' : `${hashes.join('\n')}\n`;
}

export async function writeOutput(outDir: string, rank: number, file: string, hashes: readonly string[]): Promise<string> {
  const name = outputName(rank, file);
  await writeAtomically(join(outDir, name), formatOutput(hashes));
  return name;
}

/**
 * Removes the outputs a job would write, left by an earlier run into the same folder: a
 * run that cannot write one (a fault) must not pass on an old one as its own.
 */
export async function clearOutputs(job: Job, outDir: string): Promise<void> {
  const names = outputNames(job);
  await Promise.all(names.map((name) => rm(join(outDir, name), { force: true })));
  await removeLeftoverTemps(outDir, names);
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
 * Files read back at once. A 20,000-output job opened all at once ran past the limit of
 * open files (EMFILE), and the outputs that could not be opened were reported missing.
 */
export const READ_CONCURRENCY = 32;

/**
 * Reads back every output the job implies and compares it with the owners' hashes. An
 * output that is not there is `missing`; one that is there but cannot be read says why,
 * so a correct run is never reported as failed for a reason that is not the output's.
 */
export async function verifyOutputs(job: Job, outDir: string): Promise<OutputProblem[]> {
  const problems: OutputProblem[] = [];
  const limit = pLimit(READ_CONCURRENCY);
  const checks = job.clients.flatMap((client, i) =>
    client.wanted.map((file) =>
      limit(async () => {
        const output = outputName(i + 1, file);
        let text: string;
        try {
          text = await readFile(join(outDir, output), 'utf8');
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          problems.push({ output, problem: code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? (error as Error).message})` });
          return;
        }
        const difference = compareLines(job.files.get(file) as string[], comparableLines(text));
        if (difference) problems.push({ output, problem: difference });
      }),
    ),
  );
  await Promise.all(checks);
  return problems.sort((a, b) => a.output.localeCompare(b.output));
}
