import { basename, dirname, join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { ReplayBuilder, type ClientHoldings, type ReplayData } from '../../reports/replay-data.js';
import { InputError, loadJob, type Job } from '../job/inputs.js';
import { WriteError, writeUserFile } from '../job/files.js';
import { readMetrics } from '../run/metrics-file.js';
import { readTrace } from '../trace/read.js';

export interface ViewOptions {
  /** The trace to replay (default: `<run-dir>/trace.jsonl`). */
  trace?: string;
  /** Where the page goes (default: `<run-dir>/replay.html`). */
  out?: string;
}

export interface ViewResult {
  /** The page written. */
  file: string;
  trace: string;
  /** Events the page replays, and the segment transfers among them. */
  events: number;
  transfers: number;
}

/** The folder a run was written to (its --out), from where its metrics.json was found: in it, or in its report/. */
function runFolder(metricsFile: string): string {
  const folder = dirname(metricsFile);
  return basename(folder) === 'report' ? dirname(folder) : folder;
}

/** What each client held at the start and wanted, from the run's own inputs. */
function holdingsOf(doc: MetricsDocument): Map<number, ClientHoldings> {
  let job: Job;
  try {
    job = loadJob(doc.run.inputDir);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(
      error.where,
      `${error.problem} (the run's inputs, named by run.inputDir in its metrics.json, tell what each client held at the start)`,
    );
  }
  return new Map(job.clients.map((client, i) => [i + 1, { owned: client.owned.map((file) => file.name), wanted: client.wanted }]));
}

/** The replay's data, from a run's metrics document, its inputs and its trace. */
export async function replayData(doc: MetricsDocument, tracePath: string, named: string): Promise<{ data: ReplayData; transfers: number }> {
  const builder = new ReplayBuilder(doc, holdingsOf(doc));
  await readTrace(tracePath, named, (record) => builder.add(record));
  return { data: builder.finish(), transfers: builder.transfers };
}

/**
 * `sim view`: writes a self-contained page that replays a run from its trace (`sim run
 * --trace`): each client's segments filling in, transfers as they happen, uploads so far.
 */
export async function viewCommand(runDir: string, options: ViewOptions = {}): Promise<ViewResult> {
  const { file: metricsFile, doc } = await readMetrics(runDir);
  const folder = runFolder(metricsFile);
  const trace = options.trace ?? join(folder, 'trace.jsonl');
  const named = options.trace === undefined ? `${trace} (the default --trace)` : `--trace ${trace}`;
  const { data, transfers } = await replayData(doc, trace, named);
  const { renderReplayPage } = await import('../../reports/replay-page.js');
  const file = options.out ?? join(folder, 'replay.html');
  try {
    await writeUserFile(file, renderReplayPage(data));
  } catch (error) {
    if (error instanceof WriteError && options.out !== undefined) throw new InputError('--out', error.message);
    throw error;
  }
  return { file, trace, events: data.events.count, transfers };
}
