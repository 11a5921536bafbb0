import { threadId } from 'node:worker_threads';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError, type Job } from './inputs.js';

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

export function outputName(rank: number, file: string): string {
  return `client${rank}_${file}`;
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

/** The output format: one hash per line, in segment order. */
export function formatOutput(hashes: readonly string[]): string {
  return hashes.length === 0 ? '' : `${hashes.join('\n')}\n`;
}

export async function writeOutput(outDir: string, rank: number, file: string, hashes: readonly string[]): Promise<string> {
  const name = outputName(rank, file);
  await writeAtomically(join(outDir, name), formatOutput(hashes));
  return name;
}

export interface OutputProblem {
  output: string;
  problem: string;
}

/** Lines of a text as `diff -w` compares them: white space ignored, a final newline optional. */
export function comparableLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\s+/g, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Compares two texts as `diff -w` would for our purposes; describes the first difference. */
export function compareLines(expected: string[], got: string[]): string | undefined {
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== got[i]) {
      const want = i < expected.length ? JSON.stringify(expected[i]) : 'end of file';
      const have = i < got.length ? JSON.stringify(got[i]) : 'end of file';
      return `line ${i + 1}: expected ${want}, got ${have}`;
    }
  }
  return undefined;
}

/** Reads back every output the job implies and compares it with the owners' hashes. */
export async function verifyOutputs(job: Job, outDir: string): Promise<OutputProblem[]> {
  const problems: OutputProblem[] = [];
  const checks = job.clients.flatMap((client, i) =>
    client.wanted.map(async (file) => {
      const output = outputName(i + 1, file);
      let text: string;
      try {
        text = await readFile(join(outDir, output), 'utf8');
      } catch {
        problems.push({ output, problem: 'missing' });
        return;
      }
      const difference = compareLines(job.files.get(file) as string[], comparableLines(text));
      if (difference) problems.push({ output, problem: difference });
    }),
  );
  await Promise.all(checks);
  return problems.sort((a, b) => a.output.localeCompare(b.output));
}
