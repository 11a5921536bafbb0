/** Writes a run's report folder, or a comparison of runs, from metrics documents alone. */
import { count } from './numbers.js';
import { join } from 'node:path';
import type { ChartSpec } from './chart-kit.js';
import { runCharts } from './charts.js';
import { compareCharts, type LabelledRun } from './compare-charts.js';
import { csv, filesCsv, matrixCsv, ranksCsv, transfersCsv } from './csv.js';
import { ensureDir, writeAtomically } from '../sim/job/files.js';
import type { MetricsDocument } from './document.js';
import { escapeHtml, fixed, htmlTable, renderPage } from './html.js';
import { freeRiderSentence } from './free-riders.js';
import { churnCharts, churnSentence } from './churn.js';
import { METRICS_SCHEMA } from './metrics-schema.js';

function runHeader(doc: MetricsDocument): string {
  const { run, outputs } = doc;
  const notes = [freeRiderSentence(doc), churnSentence(doc)].filter((note) => note !== undefined);
  const verdict = run.ok
    ? `<span class="ok">all ${outputs.written} outputs correct</span>`
    : `<span class="bad">${outputs.problems.length} outputs wrong or missing</span>`;
  return `<p class="meta">${escapeHtml(run.inputDir)}: ${run.ranks} ranks, ${run.files} files, strategy ${escapeHtml(run.strategy)}, pipeline ${run.pipeline}, ${escapeHtml(run.transport)} transport (${run.workers} worker threads), started ${escapeHtml(run.startedAt)}</p>
<p>${count(run.segmentsTransferred)} segments transferred with ${count(run.messages)} messages in ${run.wallSeconds.toFixed(3)} s; ${verdict}.</p>${notes.map((note) => `\n<p>${escapeHtml(note)}.</p>`).join('')}`;
}

function loadRow(label: string, doc: MetricsDocument): (string | number | null)[] {
  const { load } = doc;
  const slowest = doc.ranks.reduce<number | null>((m, r) => (r.completedSeconds === null ? m : Math.max(m ?? 0, r.completedSeconds)), null);
  return [
    label,
    fixed(load.jain),
    fixed(load.jainBound ?? null),
    fixed(load.gini),
    fixed(load.maxOverMean, 2),
    fixed(load.coefficientOfVariation),
    fixed(load.mean, 1),
    load.max,
    fixed(slowest),
    fixed(doc.run.wallSeconds),
  ];
}

const LOAD_HEADER = [
  'run',
  "Jain's index",
  'best possible',
  'Gini',
  'max/mean',
  'coeff. of variation',
  'mean uploads',
  'max uploads',
  'last client done (s)',
  'wall (s)',
];

export function runSections(doc: MetricsDocument): string[] {
  const clients = doc.ranks.filter((r) => r.role === 'client');
  const rankRows = clients.map((r) => [
    r.rank,
    r.uploaded,
    r.downloaded,
    fixed(r.shareRatio, 2),
    r.nacksSent,
    r.nacksReceived,
    r.swarmRequests,
    r.messagesIn,
    r.messagesOut,
    fixed(r.completedSeconds),
  ]);
  const fileRows = doc.files.map((f) => [f.name, f.segments, f.seeds, f.peers, f.completed, f.wantedBy]);
  const problems = doc.outputs.problems.map((p) => [p.output, p.problem]);
  return [
    runHeader(doc),
    htmlTable(LOAD_HEADER, [loadRow(doc.run.strategy, doc)], `Upload spread over the ${doc.load.servers.length} clients that could serve`),
    problems.length > 0 ? htmlTable(['output', 'problem'], problems, 'Wrong outputs') : '',
    '<h2>Ranks</h2>',
    `<div class="scroll">${htmlTable(['rank', 'uploaded', 'downloaded', 'share ratio', 'NACKs sent', 'NACKs received', 'swarm requests', 'messages in', 'messages out', 'done at (s)'], rankRows)}</div>`,
    '<h2>Swarms at the end (tracker scrape)</h2>',
    `<div class="scroll">${htmlTable(['file', 'segments', 'seeds', 'peers', 'completed downloads', 'wanted by'], fileRows)}</div>`,
    ...trackerSections(doc),
  ];
}

/** Each tracker's final table, and what faults did to the run. */
function trackerSections(doc: MetricsDocument): string[] {
  const list = (ranks: number[]): string => (ranks.length === 0 ? '-' : ranks.join(', '));
  const sections = (doc.trackers ?? []).map((tracker) => {
    const rows = tracker.swarms.map((s) => [s.file, s.segments, list(s.seeds), list(s.peers), s.completed, list(s.gaveUp)]);
    const state = [
      tracker.role,
      tracker.served ? 'served' : 'followed',
      ...(tracker.lost ? ['lost'] : []),
      ...(tracker.stopped ? ['restarted too late to catch up, stopped'] : []),
    ].join(', ');
    const caption = `Swarm table of rank ${tracker.rank} (${state})`;
    return `<div class="scroll">${htmlTable(['file', 'segments', 'seeds', 'peers', 'completed', 'gave up'], rows, caption)}</div>`;
  });
  const faults = doc.faults;
  if (!faults) return sections;
  const fired = [...faults.fired.map((f) => [f.spec, fixed(f.seconds)]), ...(faults.unfired ?? []).map((spec) => [spec, 'did not fire'])];
  const missing = faults.missing.map((m) => [m.output, m.reason]);
  const complete = faults.complete.map(escapeHtml).join(', ');
  return [
    '<h2>Faults</h2>',
    fired.length > 0 ? htmlTable(['fault', 'fired at (s)'], fired) : '<p>No fault fired.</p>',
    `<p>Ranks lost by the end: ${list(faults.lost)}.${faults.noTracker ? ` Every tracker was lost: ${escapeHtml(faults.noTracker)}.` : ''}</p>`,
    missing.length > 0
      ? htmlTable(['output', 'not written because'], missing, `${faults.complete.length} outputs complete`)
      : '<p>No output is missing.</p>',
    ...(missing.length > 0 && complete ? [`<details><summary>Outputs complete</summary><p>${complete}</p></details>`] : []),
    ...sections,
  ];
}

export interface ReportOptions {
  /** Also draw each chart to `<id>.png`; index.html draws them in the page either way. */
  png?: boolean;
}

/**
 * PNGs when asked: drawing in Node loads chart.js and the canvas and takes ~0.2 s, most of
 * what a small run's report costs, so they load only then.
 */
async function pngsIfAsked(dir: string, charts: ChartSpec[], options: ReportOptions): Promise<string[]> {
  if (!options.png) return [];
  const { writePngs } = await import('./png.js');
  return writePngs(dir, charts);
}

/** `<dir>/metrics.json`, its schema, CSV files, index.html, and PNG charts if asked. */
export async function writeRunReport(dir: string, doc: MetricsDocument, options: ReportOptions = {}): Promise<string[]> {
  await ensureDir(dir);
  const files: [string, string][] = [
    ['metrics.json', `${JSON.stringify(doc, null, 1)}\n`],
    ['metrics.schema.json', `${JSON.stringify(METRICS_SCHEMA, null, 2)}\n`],
    ['ranks.csv', ranksCsv(doc)],
    ['files.csv', filesCsv(doc)],
    ['transfers.csv', transfersCsv(doc)],
  ];
  const matrix = matrixCsv(doc);
  if (matrix !== undefined) files.push(['matrix.csv', matrix]);
  for (const [name, text] of files) await writeAtomically(join(dir, name), text);
  const charts = [...runCharts(doc), ...churnCharts(doc)];
  const pngs = await pngsIfAsked(dir, charts, options);
  await writeAtomically(join(dir, 'index.html'), renderPage('swarmsim run report', runSections(doc), charts));
  return [...files.map(([name]) => name), ...pngs, 'index.html'];
}

/** A side-by-side report of several runs: the load table, and charts with one series per run. */
export async function writeCompareReport(dir: string, runs: LabelledRun[], options: ReportOptions = {}): Promise<string[]> {
  await ensureDir(dir);
  const charts = compareCharts(runs);
  const pngs = await pngsIfAsked(dir, charts, options);
  const table = htmlTable(
    LOAD_HEADER,
    runs.map(({ label, doc }) => loadRow(label, doc)),
    'Upload spread and completion per run',
  );
  const list = `<ul>${runs.map(({ label, doc }) => `<li>${escapeHtml(label)}: ${escapeHtml(doc.run.inputDir)}, strategy ${escapeHtml(doc.run.strategy)}, ${doc.run.ranks} ranks, ${doc.run.ok ? 'outputs correct' : 'outputs wrong'}</li>`).join('')}</ul>`;
  await writeAtomically(
    join(dir, 'compare.csv'),
    csv(
      LOAD_HEADER,
      runs.map(({ label, doc }) => loadRow(label, doc)),
    ),
  );
  await writeAtomically(join(dir, 'index.html'), renderPage('swarmsim comparison', [list, table], charts));
  return ['compare.csv', ...pngs, 'index.html'];
}
