import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { RunFailure } from '../failures.js';
import { InputError, inputRanks, loadJob, type Job } from '../inputs.js';
import { compareLines, comparableLines, outputName, type OutputProblem } from '../outputs.js';
import type { RunOptions } from './run.js';
import { runJob } from './run.js';

export type CheckOptions = Omit<RunOptions, 'ranks' | 'outDir'> & { repeat: number };

export interface CaseRun {
  seconds: number;
  /** Empty when the run passed. */
  problems: string[];
}

export interface CaseResult {
  dir: string;
  name: string;
  runs: CaseRun[];
}

export const casePassed = (result: CaseResult): boolean => result.runs.every((run) => run.problems.length === 0);

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

const FILE_NUMBER = /^file(\d+)$/;

/** Compares every wanted output with the case's out<k>.txt, whitespace ignored as by `diff -w`. */
async function compareWithExpected(job: Job, caseDir: string, outDir: string): Promise<OutputProblem[]> {
  const problems: OutputProblem[] = [];
  for (const [i, client] of job.clients.entries()) {
    for (const file of client.wanted) {
      const output = outputName(i + 1, file);
      const k = FILE_NUMBER.exec(file)?.[1];
      const expectedText = k === undefined ? undefined : await readFile(join(caseDir, `out${k}.txt`), 'utf8').catch(() => undefined);
      if (expectedText === undefined) {
        problems.push({ output, problem: `no expected out${k ?? '<k>'}.txt in ${caseDir}` });
        continue;
      }
      const got = await readFile(join(outDir, output), 'utf8').catch(() => undefined);
      if (got === undefined) {
        problems.push({ output, problem: 'missing' });
        continue;
      }
      const difference = compareLines(comparableLines(expectedText), comparableLines(got));
      if (difference) problems.push({ output, problem: difference });
    }
  }
  return problems;
}

async function runCaseOnce(caseDir: string, options: CheckOptions): Promise<CaseRun> {
  const started = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-check-'));
  const elapsed = (): number => (performance.now() - started) / 1000;
  try {
    const job = loadJob(caseDir);
    const metrics = await runJob(job, { ...options, outDir });
    const problems = [
      ...metrics.outputs.problems.map((p) => `${p.output}: ${p.problem} (against the owners' hashes)`),
      ...(await compareWithExpected(job, caseDir, outDir)).map((p) => `${p.output}: ${p.problem}`),
    ];
    return { seconds: elapsed(), problems };
  } catch (error) {
    if (error instanceof InputError || error instanceof RunFailure) return { seconds: elapsed(), problems: [error.message] };
    throw error;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

export async function checkCase(caseDir: string, options: CheckOptions, onRun?: (run: CaseRun, index: number) => void): Promise<CaseResult> {
  const runs: CaseRun[] = [];
  for (let i = 0; i < options.repeat; i++) {
    const run = await runCaseOnce(caseDir, options);
    runs.push(run);
    onRun?.(run, i);
  }
  return { dir: caseDir, name: basename(caseDir), runs };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatCaseLine(result: CaseResult): string {
  const seconds = result.runs.map((run) => run.seconds);
  const passed = result.runs.filter((run) => run.problems.length === 0).length;
  const timing = `median ${median(seconds).toFixed(3)} s, max ${Math.max(...seconds).toFixed(3)} s`;
  const head = `${casePassed(result) ? 'PASS' : 'FAIL'}  ${result.dir}  ${passed}/${result.runs.length} runs  (${timing})`;
  const firstFailure = result.runs.findIndex((run) => run.problems.length > 0);
  if (firstFailure < 0) return head;
  const problems = result.runs[firstFailure].problems;
  const shownProblems = problems.slice(0, 5).map((problem) => `      ${problem}`);
  if (problems.length > 5) shownProblems.push(`      ... and ${problems.length - 5} more`);
  return [head, `    run ${firstFailure + 1} failed:`, ...shownProblems].join('\n');
}

function xml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/** JUnit XML: one test case per (case folder, run). */
export function junitXml(results: readonly CaseResult[]): string {
  const cases = results.flatMap((result) =>
    result.runs.map((run, i) => {
      const name = `${result.name} run ${i + 1}`;
      const open = `    <testcase classname="${xml(result.dir)}" name="${xml(name)}" time="${run.seconds.toFixed(3)}"`;
      if (run.problems.length === 0) return `${open}/>`;
      const message = xml(run.problems[0]);
      return `${open}>\n      <failure message="${message}">${xml(run.problems.join('\n'))}</failure>\n    </testcase>`;
    }),
  );
  const tests = cases.length;
  const failures = results.reduce((n, result) => n + result.runs.filter((run) => run.problems.length > 0).length, 0);
  const time = results.reduce((t, result) => t + result.runs.reduce((s, run) => s + run.seconds, 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${tests}" failures="${failures}" time="${time.toFixed(3)}">`,
    `  <testsuite name="sim check" tests="${tests}" failures="${failures}" time="${time.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
