import { cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StrategyChoice } from '../strategies/choice.js';
import { checkChoices } from '../strategies/load.js';
import { runBuiltinOnce, type BuiltinOptions } from '../check/builtin.js';
import { findCases } from '../check/cases.js';
import { killAllRunning, runExecOnce, type ExecOptions } from '../check/exec.js';
import { casePassed, caseStats, formatCaseLine, junitXml, type CaseResult, type CaseRun } from '../check/verdict.js';
import { InputError } from '../job/inputs.js';
import { writeUserFile } from '../job/files.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../run/exit-codes.js';
import { ensureFileTarget, ensureOutputFolder } from '../job/output-folders.js';
import { textTable } from '../cli/text-table.js';

export interface CheckOptions {
  roots: string[];
  repeat: number;
  /** Swarmsim's own runs, each case once per strategy (with `exec`, only the first, for `compareBuiltin`). */
  builtin: Omit<BuiltinOptions, 'strategy'>;
  strategies: StrategyChoice[];
  /** Check this command instead of swarmsim's own implementation. */
  exec?: ExecOptions;
  /** With `exec`: also run swarmsim's own implementation and show both side by side. */
  compareBuiltin?: boolean;
  junit?: string;
  /** Keep each failing run's folder (outputs, and a command's stdout/stderr) under here. */
  keepFailures?: string;
  /** Where the line of each case, and the totals, go. */
  write: (text: string) => void;
}

export interface CheckOutcome {
  results: CaseResult[];
  /** Swarmsim's own runs, with `compareBuiltin`. */
  builtin: CaseResult[];
  passed: boolean;
  exitCode: typeof EXIT_OK | typeof EXIT_FAILED;
}

/**
 * Runs of swarmsim's own threads or TCP transport going at once: one run's main thread
 * mostly waits for its workers to boot (~50 ms each), so a second run fills that time.
 * Measured on 2 cores, `sim check` of the public cases `--repeat 20`: 1 at a time 8.1 s,
 * 2: 5.4 s, 3: 5.2 s, 4: 5.0 s; 2 keeps each run's own wall time close to a lone run's.
 * Virtual-time runs share one thread and gain nothing; a command's runs, and ours beside
 * them (`--compare-builtin`), go one at a time so that their times compare.
 */
const BUILTIN_RUNS_AT_ONCE = 2;

/** `count` runs, `atOnce` at a time, in order of index. */
async function repeatRuns(count: number, once: (index: number) => Promise<CaseRun>, atOnce = 1): Promise<CaseRun[]> {
  const runs: CaseRun[] = new Array<CaseRun>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      runs[index] = await once(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, count) }, lane));
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

/** Every run of one case: the command's, or swarmsim's with each strategy. */
async function checkCase(c: number, dir: string, options: CheckOptions): Promise<{ results: CaseResult[]; builtin?: CaseResult }> {
  const several = options.strategies.length > 1;
  const keeper = (label: string, run: number) => async (runDir: string) => {
    if (!options.keepFailures) return;
    await cp(runDir, join(options.keepFailures, `${c + 1}-${basename(dir)}${label}-run${run + 1}`), {
      recursive: true,
      verbatimSymlinks: true,
    });
  };
  const atOnce = options.builtin.transport === 'virtual' || options.exec ? 1 : BUILTIN_RUNS_AT_ONCE;
  const builtinRuns = (strategy: StrategyChoice, keep: boolean): Promise<CaseRun[]> =>
    repeatRuns(
      options.repeat,
      (i) => runBuiltinOnce(dir, { ...options.builtin, strategy }, keep ? keeper(several ? `-${strategy.label}` : '', i) : undefined),
      atOnce,
    );
  const exec = options.exec;
  if (exec) {
    const runs = await repeatRuns(options.repeat, (i) => runExecOnce(dir, exec, keeper('', i)));
    const builtin = options.compareBuiltin
      ? { dir, name: basename(dir), runs: await builtinRuns(options.strategies[0], false) }
      : undefined;
    return { results: [{ dir, name: basename(dir), runs }], builtin };
  }
  const results: CaseResult[] = [];
  for (const strategy of options.strategies) {
    results.push({ dir, name: basename(dir), ...(several ? { strategy: strategy.label } : {}), runs: await builtinRuns(strategy, true) });
  }
  return { results };
}

/** `sim check`: every case, `repeat` times, with our implementation (once per strategy) or a command. */
export async function checkCommand(options: CheckOptions): Promise<CheckOutcome> {
  const cases = await findCases(options.roots);
  if (cases.length === 0) throw new InputError(options.roots.join(' '), 'no case folder (one holding in*.txt) found');
  // Before the first case: a bad module is the command's input error, not each case's failure.
  await checkChoices(options.strategies, 3);
  if (options.keepFailures) await ensureOutputFolder('--keep-failures', options.keepFailures);
  if (options.junit) await ensureFileTarget('--junit', options.junit);
  if (options.builtin.trace) await ensureFileTarget('--trace', options.builtin.trace.path);
  const onSignal = (): void => {
    killAllRunning();
    process.exit(EXIT_INTERRUPTED);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results: CaseResult[] = [];
    const builtin: CaseResult[] = [];
    const warmNext = cases.length * options.repeat * options.strategies.length > 1;
    for (const [c, dir] of cases.entries()) {
      const checked = await checkCase(c, dir, { ...options, builtin: { ...options.builtin, warmNext } });
      for (const result of checked.results) options.write(`${formatCaseLine(result)}\n`);
      results.push(...checked.results);
      if (checked.builtin) builtin.push(checked.builtin);
    }
    if (options.junit) {
      await writeUserFile(options.junit, junitXml(results, options.exec ? `sim check --exec ${options.exec.command}` : 'sim check'));
    }
    if (builtin.length > 0) options.write(`\n${sideBySide(results, builtin)}\n`);
    const passed = results.filter(casePassed).length;
    options.write(`check: ${passed} passed, ${results.length - passed} failed\n`);
    const allPassed = passed === results.length && builtin.every(casePassed);
    return { results, builtin, passed: allPassed, exitCode: allPassed ? EXIT_OK : EXIT_FAILED };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
