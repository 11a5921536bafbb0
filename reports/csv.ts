/** CSV views of a metrics document, for spreadsheets and pandas. */
import type { MetricsDocument } from './document.js';

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** Beyond this many clients the dense matrix is too big to be useful; transfers.csv has it all. */
const DENSE_MATRIX_LIMIT = 1000;

export function ranksCsv(doc: MetricsDocument): string {
  return csv(
    [
      'rank',
      'role',
      'uploaded',
      'downloaded',
      'wanted',
      'share_ratio',
      'nacks_sent',
      'nacks_received',
      'requests_sent',
      'swarm_requests',
      'messages_in',
      'messages_out',
      'could_serve',
      'completed_seconds',
    ],
    doc.ranks.map((r) => [
      r.rank,
      r.role,
      r.uploaded,
      r.downloaded,
      r.wanted,
      r.shareRatio,
      r.nacksSent,
      r.nacksReceived,
      r.requestsSent,
      r.swarmRequests,
      r.messagesIn,
      r.messagesOut,
      r.couldServe,
      r.completedSeconds,
    ]),
  );
}

export function filesCsv(doc: MetricsDocument): string {
  return csv(
    ['file', 'segments', 'seeds', 'peers', 'completed', 'wanted_by'],
    doc.files.map((f) => [f.name, f.segments, f.seeds, f.peers, f.completed, f.wantedBy]),
  );
}

/** Long form: one row per (downloader, uploader) pair that moved segments. */
export function transfersCsv(doc: MetricsDocument): string {
  return csv(['downloader', 'uploader', 'segments'], doc.matrix);
}

/** Dense form: a row per downloading client, a column per uploading client; undefined when too large. */
export function matrixCsv(doc: MetricsDocument): string | undefined {
  const clients = doc.ranks.filter((r) => r.role === 'client').map((r) => r.rank);
  if (clients.length > DENSE_MATRIX_LIMIT) return undefined;
  const column = new Map(clients.map((rank, i) => [rank, i]));
  const rows = clients.map((rank) => [rank, ...clients.map(() => 0)]);
  for (const [downloader, uploader, segments] of doc.matrix) {
    const row = column.get(downloader);
    const col = column.get(uploader);
    if (row !== undefined && col !== undefined) rows[row][col + 1] = segments;
  }
  return csv(['downloader\\uploader', ...clients.map(String)], rows);
}
