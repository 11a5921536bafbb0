import { cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runBuiltinOnce, type BuiltinOptions } from '../check/builtin.js';
import { findCases } from '../check/cases.js';
import { killAllRunning, runExecOnce, type ExecOptions } from '../check/exec.js';
import { casePassed, caseStats, formatCaseLine, junitXml, type CaseResult, type CaseRun } from '../check/verdict.js';
import { InputError } from '../job/inputs.js';
import { ensureDir, writeAtomically } from '../job/files.js';
import { textTable } from '../cli/text-table.js';

export interface CheckOptions {
  roots: string[];
  repeat: number;
  builtin: BuiltinOptions;
  /** Check this command instead of swarmsim's own implementation. */
  exec?: ExecOptions;
  /** With `exec`: also run swarmsim's own implementation and show both side by side. */
  compareBuiltin?: boolean;
  junit?: string;
  /** Keep each failing run's folder (outputs, and a command's stdout/stderr) under here. */
  keepFailures?: string;
  write: (text: string) => void;
}

export interface CheckOutcome {
  results: CaseResult[];
  /** Swarmsim's own runs, with `compareBuiltin`. */
  builtin: CaseResult[];
  passed: boolean;
}

async function repeatRuns(count: number, once: (index: number) => Promise<CaseRun>): Promise<CaseRun[]> {
  const runs: CaseRun[] = [];
  for (let i = 0; i < count; i++) runs.push(await once(i));
  return runs;
}

function sideBySide(results: CaseResult[], builtin: CaseResult[]): string {
  const rows = results.map((result, i) => {
    const them = caseStats(result);
    const us = caseStats(builtin[i]);
    return [
      result.dir,
      `${them.passed}/${them.total}`,
      `${them.median.toFixed(3)} s`,
      `${us.passed}/${us.total}`,
      `${us.median.toFixed(3)} s`,
    ];
  });
  return textTable(['case', 'command passed', 'median', 'swarmsim passed', 'median'], rows, true);
}

/** `sim check`: every case, `repeat` times, with our implementation or a command. */
export async function checkCommand(options: CheckOptions): Promise<CheckOutcome> {
  const cases = await findCases(options.roots);
  if (cases.length === 0) throw new InputError(options.roots.join(' '), 'no case folder (one holding in*.txt) found');
  if (options.keepFailures) await ensureDir(options.keepFailures);
  const onSignal = (): void => {
    killAllRunning();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results: CaseResult[] = [];
    const builtin: CaseResult[] = [];
    for (const [c, dir] of cases.entries()) {
      const keeper = (run: number) => async (runDir: string) => {
        if (options.keepFailures)
          await cp(runDir, join(options.keepFailures, `${c + 1}-${basename(dir)}-run${run + 1}`), {
            recursive: true,
            verbatimSymlinks: true,
          });
      };
      const exec = options.exec;
      const runs = await repeatRuns(options.repeat, (i) =>
        exec ? runExecOnce(dir, exec, keeper(i)) : runBuiltinOnce(dir, options.builtin, keeper(i)),
      );
      const result = { dir, name: basename(dir), runs };
      results.push(result);
      options.write(`${formatCaseLine(result)}\n`);
      if (exec && options.compareBuiltin) {
        builtin.push({ dir, name: basename(dir), runs: await repeatRuns(options.repeat, () => runBuiltinOnce(dir, options.builtin)) });
      }
    }
    if (options.junit) {
      await ensureDir(join(options.junit, '..'));
      await writeAtomically(options.junit, junitXml(results, options.exec ? `sim check --exec ${options.exec.command}` : 'sim check'));
    }
    if (builtin.length > 0) options.write(`\n${sideBySide(results, builtin)}\n`);
    const passed = results.filter(casePassed).length;
    options.write(`check: ${passed} passed, ${results.length - passed} failed\n`);
    return { results, builtin, passed: passed === results.length && builtin.every(casePassed) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
