import { join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { chooseFreeRiders } from '../job/free-riders.js';
import { churnOf, type ArrivalSpec } from '../job/arrivals.js';
import { loadJob } from '../job/inputs.js';
import { checkChoices } from '../strategies/load.js';
import { showProgress, type ProgressMode } from '../cli/progress.js';
import { wantedSegments } from '../job/servers.js';
import { runJob, type RunOptions } from '../run/pipeline.js';
import { runExitCode, worstExitCode, type RunExitCode } from '../run/exit-codes.js';
import { ensureFileTarget, ensureOutputFolder } from '../job/output-folders.js';
import type { StrategyChoice } from '../strategies/choice.js';
import { prepareReportFolders, reportFolder, withReportProblems, writeReportOrSay } from '../run/report-writing.js';

export { defaultNetwork, runJob, type RunOptions, type VirtualSettings } from '../run/pipeline.js';

export interface RunCommandOptions extends Omit<RunOptions, 'strategy' | 'onStart' | 'freeRiders' | 'churn'> {
  /** `--arrivals` and `--seed-time`: the schedule is drawn from the job and the seed (sim/job/arrivals.ts). */
  arrivals?: ArrivalSpec;
  seedTimeSeconds?: number;
  strategies: StrategyChoice[];
  /** `--free-riders K`: chosen from the job (sim/job/free-riders.ts). */
  freeRiderCount?: number;
  progress: ProgressMode;
  /** Write report/ (and compare/ for several strategies); false for --no-report. */
  report: boolean;
  /** Also draw the report's charts to PNG files. */
  png?: boolean;
}

export interface RunOutcome {
  runs: MetricsDocument[];
  /** Report folders written: one per run, then the comparison when there are several runs. */
  reports: string[];
  /** Reports that could not be written, each naming its file and why; the run then exits 1. */
  reportProblems: string[];
  exitCode: RunExitCode;
}

/**
 * `sim run`: validates the inputs before any rank starts (InputError), then runs once per
 * strategy, each into its own folder when there are several, and writes every report.
 */
export async function runCommand(inputDir: string, options: RunCommandOptions): Promise<RunOutcome> {
  const job = loadJob(inputDir, options.ranks);
  await checkChoices(options.strategies, job.ranks, job.clients.length);
  const freeRiders = chooseFreeRiders(job, options.freeRiderCount ?? 0);
  const churn = churnOf(job, {
    arrivals: options.arrivals,
    seedTimeSeconds: options.seedTimeSeconds,
    seed: options.virtual?.seed ?? '1',
    wallClock: (options.transport ?? 'threads') !== 'virtual',
    stallTimeoutMs: options.stallTimeoutMs,
  });
  await ensureOutputFolder('--out', options.outDir);
  if (options.trace) await ensureFileTarget('--trace', options.trace.path);
  const wanted = wantedSegments(job);
  const several = options.strategies.length > 1;
  const outDirOf = (strategy: StrategyChoice): string => (several ? join(options.outDir, strategy.label) : options.outDir);
  const compareDir = join(options.outDir, 'compare');
  if (options.report) {
    await prepareReportFolders('--out', [
      ...options.strategies.map((strategy) => reportFolder(outDirOf(strategy))),
      ...(several ? [compareDir] : []),
    ]);
  }
  const runs: MetricsDocument[] = [];
  const reports: string[] = [];
  const reportProblems: string[] = [];
  for (const strategy of options.strategies) {
    const outDir = outDirOf(strategy);
    let stopProgress = (): void => undefined;
    let doc: MetricsDocument;
    try {
      doc = await runJob(job, {
        ...options,
        strategy,
        freeRiders,
        churn,
        outDir,
        onStart: (live) => (stopProgress = showProgress(live, wanted, options.progress)),
      });
    } finally {
      stopProgress();
    }
    runs.push(doc);
    if (!options.report) continue;
    const reportDir = reportFolder(outDir);
    const problem = await writeReportOrSay(reportDir, doc, options.png);
    if (problem) reportProblems.push(problem);
    else reports.push(reportDir);
  }
  if (several && options.report) {
    const { writeCompareReport } = await import('../../reports/write.js');
    const labelled = runs.map((doc) => ({ label: doc.run.strategy, doc }));
    await writeCompareReport(compareDir, labelled, { png: options.png }).then(
      () => reports.push(compareDir),
      (error: unknown) => reportProblems.push(`the comparison in ${compareDir} was not written: ${(error as Error).message}`),
    );
  }
  return { runs, reports, reportProblems, exitCode: withReportProblems(worstExitCode(runs.map(runExitCode)), reportProblems) };
}
