/**
 * Writing a run's report, for every verb that writes one. A report is the last thing a run
 * makes: its folder is made ready before anything runs (so a file in its way is bad usage,
 * exit 2, before any rank starts), and a report that still cannot be written is said after
 * the summary instead of hiding it, with exit 1: the outputs are checked either way.
 */
import { join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { ensureOutputFolder } from '../job/output-folders.js';
import { EXIT_FAILED } from './exit-codes.js';

export function reportFolder(outDir: string): string {
  return join(outDir, 'report');
}

/** Makes each report folder ready, or says which one cannot be (InputError, exit 2). */
export async function prepareReportFolders(flag: string, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await ensureOutputFolder(flag, dir);
}

/** What stopped a report, if anything did: `undefined` when every file of it was written. */
export async function writeReportOrSay(dir: string, doc: MetricsDocument, png: boolean | undefined): Promise<string | undefined> {
  // Rendering pulls in chart.js and the canvas: loaded only now, so it cannot slow a run.
  const { writeRunReport } = await import('../../reports/write.js');
  try {
    await writeRunReport(dir, doc, { png });
    return undefined;
  } catch (error) {
    return `the report in ${dir} was not written: ${(error as Error).message}`;
  }
}

/** A run whose report could not be written fails, whatever its outputs were. */
export function withReportProblems<Code extends number>(code: Code, problems: readonly string[]): Code | typeof EXIT_FAILED {
  return problems.length > 0 ? EXIT_FAILED : code;
}
