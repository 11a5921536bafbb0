/**
 * What a checked run came to, for our own implementation and for any command alike: a
 * list of classified failures, compared and reported the same way.
 */
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { create } from 'xmlbuilder2';
import { median } from '../../reports/numbers.js';
import type { Job } from '../job/inputs.js';
import { compareLines, comparableLines } from '../job/diff.js';
import { outputName, readOutput } from '../job/outputs.js';

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
  /** The strategy of swarmsim's runs, named when a check runs several. */
  strategy?: string;
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
      const segments = job.files.get(file)?.length ?? 0;
      const expected = k === undefined ? undefined : await readOutput(join(caseDir, `out${k}.txt`), segments);
      if (expected === undefined || 'problem' in expected) {
        const detail =
          expected === undefined || expected.problem === 'missing'
            ? `no expected out${k ?? '<k>'}.txt in ${caseDir}`
            : `${join(caseDir, `out${k}.txt`)} ${expected.problem}`;
        failures.push({ kind: 'bad input', detail: `${output}: ${detail}` });
        continue;
      }
      const got = await readOutput(join(outDir, output), segments);
      if ('problem' in got) {
        failures.push({ kind: got.problem === 'missing' ? 'missing output' : 'wrong output', detail: `${output}: ${got.problem}` });
        continue;
      }
      const difference = compareLines(comparableLines(expected.text), comparableLines(got.text));
      if (difference) failures.push({ kind: 'wrong output', detail: `${output}: ${difference}` });
    }
  }
  return failures;
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
  const which = result.strategy ? ` (${result.strategy})` : '';
  const head = `${ok ? 'PASS' : 'FAIL'}  ${result.dir}${which}  ${passed}/${total} runs  (${timing})${ok ? '' : `  ${kindsSeen(result)}`}`;
  const firstFailure = result.runs.findIndex((run) => !runPassed(run));
  if (firstFailure < 0) return head;
  const failures = result.runs[firstFailure].failures;
  const shown = failures.slice(0, 5).map((f) => `      ${f.kind}: ${f.detail}`);
  if (failures.length > 5) shown.push(`      ... and ${failures.length - 5} more`);
  return [head, `    run ${firstFailure + 1} failed:`, ...shown].join('\n');
}

/**
 * XML 1.0 cannot hold most control characters, not even escaped, and an implementation's
 * stderr often has some (colours, stray bytes): colour codes are dropped whole, and any
 * other character XML forbids becomes U+FFFD.
 */
const XML_OPTIONS = { version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' } as const;

/** JUnit XML: one test case per (case folder, strategy, run). */
export function junitXml(results: readonly CaseResult[], suiteName = 'sim check'): string {
  const text = (value: string): string => stripVTControlCharacters(value);
  const tests = results.reduce((n, result) => n + result.runs.length, 0);
  const failures = results.reduce((n, result) => n + result.runs.filter((run) => !runPassed(run)).length, 0);
  const time = results.reduce((t, result) => t + result.runs.reduce((s, run) => s + run.seconds, 0), 0).toFixed(3);
  const doc = create(XML_OPTIONS);
  const suite = doc
    .ele('testsuites', { tests: String(tests), failures: String(failures), time })
    .ele('testsuite', { name: text(suiteName), tests: String(tests), failures: String(failures), time });
  for (const result of results) {
    const which = result.strategy ? ` (${result.strategy})` : '';
    result.runs.forEach((run, i) => {
      const attributes = { classname: text(result.dir), name: text(`${result.name}${which} run ${i + 1}`), time: run.seconds.toFixed(3) };
      const testcase = suite.ele('testcase', attributes);
      if (runPassed(run)) return;
      const first = run.failures[0];
      const body = run.failures.map((f) => `${f.kind}: ${f.detail}`).join('\n');
      testcase.ele('failure', { type: first.kind, message: text(first.detail) }).txt(text(body));
    });
  }
  return `${doc.end({ prettyPrint: true, indent: '  ' })}\n`;
}
