import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { runJob, type RunOptions } from '../run/pipeline.js';
import { replayRun } from '../run/replay.js';
import { RunFailure } from '../run/failures.js';
import { InputError, loadJob } from '../job/inputs.js';
import { checkGolden, type GoldenMode } from './golden.js';
import { reportFolder, writeReportOrSay } from '../run/report-writing.js';
import { compareWithExpected, type CaseRun } from './verdict.js';

export type BuiltinOptions = Omit<RunOptions, 'ranks' | 'outDir'> & {
  /** Virtual transport: compare load figures with the case's golden file, or rewrite it. */
  golden?: GoldenMode;
  /** A failing run kept for a look gets its report/ too, unless this is false (--no-report). */
  report?: boolean;
  /** Its report gets PNG charts too. */
  png?: boolean;
};

/** One run of swarmsim's own implementation on a case, in a temporary folder. */
export async function runBuiltinOnce(caseDir: string, options: BuiltinOptions, keep?: (runDir: string) => Promise<void>): Promise<CaseRun> {
  const started = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-check-'));
  const elapsed = (): number => (performance.now() - started) / 1000;
  let run: CaseRun;
  let metrics: MetricsDocument | undefined;
  try {
    const job = loadJob(caseDir);
    metrics = await runJob(job, { ...options, outDir });
    const failures = [
      ...metrics.outputs.problems.map((p) => ({
        kind: 'wrong output' as const,
        detail: `${p.output}: ${p.problem} (against the owners' hashes)`,
      })),
      ...(await compareWithExpected(job, caseDir, outDir)),
    ];
    // A run with wrong outputs has no figures worth keeping as golden.
    if (options.golden === 'compare' || (options.golden === 'update' && failures.length === 0)) {
      failures.push(...(await checkGolden(caseDir, metrics, options.golden)));
    }
    run = { seconds: elapsed(), failures };
  } catch (error) {
    if (error instanceof InputError) run = { seconds: elapsed(), failures: [{ kind: 'bad input', detail: error.message }] };
    else if (error instanceof RunFailure) run = { seconds: elapsed(), failures: [{ kind: 'failed run', detail: error.message }] };
    else throw error;
  }
  if (run.failures.length > 0 && options.transport === 'virtual' && options.virtual) {
    const { seed, networkArgs } = options.virtual;
    const command = replayRun({ inputDir: caseDir, transport: 'virtual', seed, strategy: options.strategy, networkArgs });
    const last = run.failures[run.failures.length - 1];
    run.failures[run.failures.length - 1] = { ...last, detail: `${last.detail}; replay: ${command}` };
  }
  try {
    if (run.failures.length > 0 && keep) {
      if (metrics && options.report !== false) {
        // Only a failing run kept for a look pays for its report.
        const problem = await writeReportOrSay(reportFolder(outDir), metrics, options.png);
        if (problem) run.failures.push({ kind: 'failed run', detail: problem });
      }
      await keep(outDir);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return run;
}
