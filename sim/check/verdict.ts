/**
 * What a checked run came to, for our own implementation and for any command alike: a
 * list of classified failures, compared and reported the same way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../job/inputs.js';
import { compareLines, comparableLines } from '../job/diff.js';
import { outputName } from '../job/outputs.js';

export type FailureKind = 'wrong output' | 'missing output' | 'exit code' | 'signal' | 'timeout' | 'bad input' | 'failed run' | 'golden';

export interface Failure {
  kind: FailureKind;
  /** What exactly: the output and its first differing line, the exit code, ... */
  detail: string;
}

export interface CaseRun {
  seconds: number;
  /** Empty when the run passed. */
  failures: Failure[];
}

export interface CaseResult {
  dir: string;
  name: string;
  runs: CaseRun[];
}

export const runPassed = (run: CaseRun): boolean => run.failures.length === 0;
export const casePassed = (result: CaseResult): boolean => result.runs.every(runPassed);

const FILE_NUMBER = /^file(\d+)$/;

/**
 * Compares every output a client wanted with the case's out<k>.txt, white space ignored as
 * by `diff -w`: a missing output, or the first line that differs.
 */
export async function compareWithExpected(job: Job, caseDir: string, outDir: string): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const [i, client] of job.clients.entries()) {
    for (const file of client.wanted) {
      const output = outputName(i + 1, file);
      const k = FILE_NUMBER.exec(file)?.[1];
      const expected = k === undefined ? undefined : await readFile(join(caseDir, `out${k}.txt`), 'utf8').catch(() => undefined);
      if (expected === undefined) {
        failures.push({ kind: 'bad input', detail: `${output}: no expected out${k ?? '<k>'}.txt in ${caseDir}` });
        continue;
      }
      const got = await readFile(join(outDir, output), 'utf8').catch(() => undefined);
      if (got === undefined) {
        failures.push({ kind: 'missing output', detail: `${output}: missing` });
        continue;
      }
      const difference = compareLines(comparableLines(expected), comparableLines(got));
      if (difference) failures.push({ kind: 'wrong output', detail: `${output}: ${difference}` });
    }
  }
  return failures;
}

export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "timeout x2, wrong output x1": the failure kinds seen over a case's runs. */
export function kindsSeen(result: CaseResult): string {
  const counts = new Map<FailureKind, number>();
  for (const run of result.runs) for (const kind of new Set(run.failures.map((f) => f.kind))) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} x${n}`).join(', ');
}

export function caseStats(result: CaseResult): { passed: number; total: number; median: number; max: number } {
  const seconds = result.runs.map((run) => run.seconds);
  return {
    passed: result.runs.filter(runPassed).length,
    total: result.runs.length,
    median: median(seconds),
    max: seconds.reduce((a, b) => Math.max(a, b), 0),
  };
}

export function formatCaseLine(result: CaseResult): string {
  const { passed, total, median: mid, max } = caseStats(result);
  const timing = `median ${mid.toFixed(3)} s, max ${max.toFixed(3)} s`;
  const ok = casePassed(result);
  const head = `${ok ? 'PASS' : 'FAIL'}  ${result.dir}  ${passed}/${total} runs  (${timing})${ok ? '' : `  ${kindsSeen(result)}`}`;
  const firstFailure = result.runs.findIndex((run) => !runPassed(run));
  if (firstFailure < 0) return head;
  const failures = result.runs[firstFailure].failures;
  const shown = failures.slice(0, 5).map((f) => `      ${f.kind}: ${f.detail}`);
  if (failures.length > 5) shown.push(`      ... and ${failures.length - 5} more`);
  return [head, `    run ${firstFailure + 1} failed:`, ...shown].join('\n');
}

function xml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/** JUnit XML: one test case per (case folder, run). */
export function junitXml(results: readonly CaseResult[], suiteName = 'sim check'): string {
  const cases = results.flatMap((result) =>
    result.runs.map((run, i) => {
      const name = `${result.name} run ${i + 1}`;
      const open = `    <testcase classname="${xml(result.dir)}" name="${xml(name)}" time="${run.seconds.toFixed(3)}"`;
      if (runPassed(run)) return `${open}/>`;
      const first = run.failures[0];
      const body = run.failures.map((f) => `${f.kind}: ${f.detail}`).join('\n');
      return `${open}>\n      <failure type="${xml(first.kind)}" message="${xml(first.detail)}">${xml(body)}</failure>\n    </testcase>`;
    }),
  );
  const tests = cases.length;
  const failures = results.reduce((n, result) => n + result.runs.filter((run) => !runPassed(run)).length, 0);
  const time = results.reduce((t, result) => t + result.runs.reduce((s, run) => s + run.seconds, 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${tests}" failures="${failures}" time="${time.toFixed(3)}">`,
    `  <testsuite name="${xml(suiteName)}" tests="${tests}" failures="${failures}" time="${time.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
