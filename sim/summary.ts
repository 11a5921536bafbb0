import type { MetricsDocument } from '../reports/document.js';
import { textTable } from './text-table.js';

const number = new Intl.NumberFormat('en-US');

export function formatSummary(doc: MetricsDocument): string {
  const { run, load, outputs } = doc;
  const rate = run.wallSeconds > 0 ? Math.round(run.segmentsTransferred / run.wallSeconds) : 0;
  const rows = doc.ranks.filter((r) => r.role === 'client').map((r) => [r.rank, r.uploaded, r.downloaded, r.nacksSent, r.nacksReceived]);
  const lines = [
    `${run.ranks} ranks (tracker + ${run.ranks - 1} clients), ${run.files} files, strategy ${run.strategy}, pipeline ${run.pipeline}`,
    `${number.format(run.segmentsTransferred)} segments transferred, ${number.format(run.messages)} messages, ` +
      `${run.wallSeconds.toFixed(3)} s ${run.transport === 'virtual' ? `simulated, seed ${run.seed}` : 'wall'} (${number.format(rate)} segments/s)`,
    '',
    textTable(['rank', 'uploaded', 'downloaded', 'NACKs sent', 'NACKs received'], rows),
    '',
    `uploads over the ${load.servers.length} clients that could serve: max/mean ${load.maxOverMean.toFixed(2)}, Jain's index ${load.jain.toFixed(3)}`,
  ];
  if (outputs.problems.length === 0) {
    lines.push(`${outputs.written} outputs written to ${run.outDir}, all correct`);
  } else {
    lines.push(`${outputs.problems.length} of the expected outputs are wrong:`);
    for (const { output, problem } of outputs.problems) lines.push(`  ${output}: ${problem}`);
  }
  return lines.join('\n');
}
