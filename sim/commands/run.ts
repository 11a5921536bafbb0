import { join } from 'node:path';
import type { StrategyName } from '../../ranks/strategies/index.js';
import type { MetricsDocument } from '../../reports/document.js';
import { loadJob } from '../job/inputs.js';
import { showProgress, type ProgressMode } from '../cli/progress.js';
import { wantedSegments } from '../job/servers.js';
import { runJob, type RunOptions } from '../run/pipeline.js';
import { runExitCode, worstExitCode, type RunExitCode } from '../run/exit-codes.js';
import { ensureOutputFolder } from '../cli/output-folders.js';

export { defaultNetwork, runJob, type RunOptions, type VirtualSettings } from '../run/pipeline.js';

export interface RunCommandOptions extends Omit<RunOptions, 'strategy' | 'onStart'> {
  strategies: StrategyName[];
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
  exitCode: RunExitCode;
}

/**
 * `sim run`: validates the inputs before any rank starts (InputError), then runs once per
 * strategy, each into its own folder when there are several, and writes every report.
 */
export async function runCommand(inputDir: string, options: RunCommandOptions): Promise<RunOutcome> {
  const job = loadJob(inputDir, options.ranks);
  await ensureOutputFolder('--out', options.outDir);
  const wanted = wantedSegments(job);
  const several = options.strategies.length > 1;
  const runs: MetricsDocument[] = [];
  const reports: string[] = [];
  for (const strategy of options.strategies) {
    const outDir = several ? join(options.outDir, strategy) : options.outDir;
    let stopProgress = (): void => undefined;
    let doc: MetricsDocument;
    try {
      doc = await runJob(job, {
        ...options,
        strategy,
        outDir,
        onStart: (live) => (stopProgress = showProgress(live, wanted, options.progress)),
      });
    } finally {
      stopProgress();
    }
    runs.push(doc);
    if (!options.report) continue;
    const reportDir = join(outDir, 'report');
    // Rendering pulls in chart.js and the canvas: loaded only now, so it cannot slow a run.
    const { writeRunReport } = await import('../../reports/write.js');
    await writeRunReport(reportDir, doc, { png: options.png });
    reports.push(reportDir);
  }
  if (several && options.report) {
    const compareDir = join(options.outDir, 'compare');
    const { writeCompareReport } = await import('../../reports/write.js');
    await writeCompareReport(
      compareDir,
      runs.map((doc) => ({ label: doc.run.strategy, doc })),
      { png: options.png },
    );
    reports.push(compareDir);
  }
  return { runs, reports, exitCode: worstExitCode(runs.map(runExitCode)) };
}
