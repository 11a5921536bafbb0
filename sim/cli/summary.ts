import { freeRiderSentence } from '../../reports/free-riders.js';
import { churnSentence } from '../../reports/churn.js';
import type { FaultsSection, MetricsDocument, TrackerTable } from '../../reports/document.js';
import { count, jainText } from '../../reports/numbers.js';
import { textTable } from './text-table.js';

export function formatSummary(doc: MetricsDocument): string {
  const { run, load, outputs } = doc;
  const rate = run.wallSeconds > 0 ? Math.round(run.segmentsTransferred / run.wallSeconds) : 0;
  const lines = [
    `${run.ranks} ranks (tracker + ${run.ranks - 1} clients), ${run.files} files, strategy ${run.strategy}, pipeline ${run.pipeline}`,
    `${count(run.segmentsTransferred)} segments transferred, ${count(run.messages)} messages, ` +
      `${run.wallSeconds.toFixed(3)} s ${run.transport === 'virtual' ? `simulated, seed ${run.seed}` : 'wall'} (${count(rate)} segments/s)`,
    '',
    ...clientTable(doc),
    '',
    `uploads over the ${load.servers.length} clients that could serve: max/mean ${load.maxOverMean.toFixed(2)}, ${jainText(load)}`,
  ];
  if (outputs.problems.length === 0) {
    lines.push(`${outputs.written} outputs written to ${run.outDir}, all correct`);
  } else {
    lines.push(`${outputs.problems.length} of the expected outputs are wrong:`);
    for (const { output, problem } of outputs.problems) lines.push(`  ${output}: ${problem}`);
  }
  const riders = freeRiderSentence(doc);
  if (riders) lines.push(riders);
  const churn = churnSentence(doc);
  if (churn) lines.push(churn);
  if (doc.faults) lines.push('', ...faultLines(doc.faults, doc.trackers ?? []));
  return lines.join('\n');
}

/** Clients the summary's table shows one by one; a larger job shows its busiest uploaders. */
const TABLE_CLIENTS = 40;
const BUSIEST_SHOWN = 20;

function clientTable(doc: MetricsDocument): string[] {
  const clients = doc.ranks.filter((r) => r.role === 'client');
  const shown = clients.length <= TABLE_CLIENTS ? clients : clients.slice().sort((a, b) => b.uploaded - a.uploaded || a.rank - b.rank);
  const rows = shown.slice(0, clients.length <= TABLE_CLIENTS ? clients.length : BUSIEST_SHOWN);
  const table = textTable(
    ['rank', 'uploaded', 'downloaded', 'NACKs sent', 'NACKs received'],
    rows.map((r) => [r.rank, r.uploaded, r.downloaded, r.nacksSent, r.nacksReceived]),
  );
  if (rows.length === clients.length) return [table];
  return [`the ${rows.length} clients that uploaded most, of ${count(clients.length)} (every client: report/ranks.csv, or --json):`, table];
}

/** Complete outputs named in the summary; metrics.json lists them all. */
const COMPLETE_LISTED = 20;

function listed(names: readonly string[], most: number): string {
  const more = names.length - most;
  return more > 0 ? `${names.slice(0, most).join(', ')} and ${more} more (all in metrics.json)` : names.join(', ');
}

function faultLines(faults: FaultsSection, trackers: readonly TrackerTable[]): string[] {
  const lines = faults.fired.map((fired) => `fault ${fired.spec} fired at ${fired.seconds.toFixed(3)} s`);
  for (const spec of faults.unfired ?? []) lines.push(`fault ${spec} did not fire: the run ended first`);
  if (faults.lost.length > 0) lines.push(`ranks lost by the end: ${faults.lost.join(', ')}`);
  for (const { rank, reason } of faults.unasked ?? []) lines.push(`FAILED: rank ${rank} was lost with no fault asking for it: ${reason}`);
  for (const { rank } of trackers.filter((tracker) => tracker.stopped)) {
    lines.push(`rank ${rank} was restarted too late to catch up (the job had ended): stopped`);
  }
  if (faults.dropped !== undefined) lines.push(`messages dropped on lossy links: ${faults.dropped}`);
  if (faults.trackersAgree !== null) lines.push(`both trackers hold the same swarm table: ${faults.trackersAgree ? 'yes' : 'NO'}`);
  if (faults.noTracker) lines.push(`every tracker was lost: ${faults.noTracker}`);
  if (faults.unavailable.length > 0) lines.push(`files no live client could finish: ${faults.unavailable.join(', ')}`);
  if (faults.missing.length === 0) {
    lines.push('no output is missing');
  } else {
    lines.push(`${faults.missing.length} outputs not written (${faults.complete.length} complete):`);
    for (const { output, reason } of faults.missing) lines.push(`  ${output}: ${reason}`);
    if (faults.complete.length > 0) lines.push(`complete: ${listed(faults.complete, COMPLETE_LISTED)}`);
  }
  return lines;
}

/** What a fault left unsaved (exit 4), for stderr when --json keeps the summary off stdout. */
export function formatUnsaved(doc: MetricsDocument): string {
  const heading = `sim: ${doc.run.strategy}: a fault left a live client without some file (exit 4):`;
  const lines = doc.faults ? faultLines(doc.faults, doc.trackers ?? []) : [];
  return [heading, ...lines.map((line) => `  ${line}`)].join('\n');
}

/** The serving tracker's swarm table (`--dump-tracker`): per file, its seeds, peers and completed downloads. */
export function formatSwarmTable(doc: MetricsDocument): string {
  const tables = doc.trackers ?? [];
  const serving = tables.find((t) => t.served && !t.lost) ?? tables.find((t) => t.served) ?? tables[0];
  if (!serving) return 'no tracker table in this run';
  const list = (ranks: number[]): string => (ranks.length === 0 ? '-' : ranks.join(','));
  const rows = serving.swarms.map((s) => [s.file, s.segments, list(s.seeds), list(s.peers), s.completed, list(s.gaveUp)]);
  const heading = `swarm table of rank ${serving.rank} (${serving.role} tracker${serving.lost ? ', lost' : ''}):`;
  return `${heading}\n${textTable(['file', 'segments', 'seeds', 'peers', 'completed', 'gave up'], rows, true)}`;
}
