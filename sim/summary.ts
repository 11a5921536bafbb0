import type { Pipeline } from '../ranks/download.js';
import { jainIndex, maxOverMean } from '../reports/metrics.js';
import type { Job } from './inputs.js';
import type { OutputProblem } from './outputs.js';
import type { RankCounters, RunResult, SwarmSummary } from './run-result.js';
import { servingClients } from './servers.js';

export interface RunSummary {
  ok: boolean;
  inputDir: string;
  outDir: string;
  ranks: number;
  files: number;
  strategy: string;
  pipeline: Pipeline;
  segmentsTransferred: number;
  messages: number;
  wallSeconds: number;
  perRank: RankCounters[];
  load: { servers: number[]; maxOverMean: number; jain: number };
  swarms: SwarmSummary[];
  outputs: { written: number; problems: OutputProblem[] };
}

export function summarize(
  job: Job,
  result: RunResult,
  run: { strategy: string; pipeline: Pipeline; outDir: string; wallSeconds: number; problems: OutputProblem[] },
): RunSummary {
  const servers = servingClients(job);
  const uploads = servers.map((rank) => result.ranks[rank].uploaded);
  let segments = 0;
  let messages = 0;
  for (const counters of result.ranks) {
    segments += counters.downloaded;
    messages += counters.messagesOut;
  }
  return {
    ok: run.problems.length === 0,
    inputDir: job.dir,
    outDir: run.outDir,
    ranks: job.ranks,
    files: job.files.size,
    strategy: run.strategy,
    pipeline: run.pipeline,
    segmentsTransferred: segments,
    messages,
    wallSeconds: run.wallSeconds,
    perRank: result.ranks,
    load: { servers, maxOverMean: maxOverMean(uploads), jain: jainIndex(uploads) },
    swarms: result.swarms,
    outputs: { written: result.outputs.length, problems: run.problems },
  };
}

function table(header: string[], rows: (string | number)[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => String(row[c]).length)));
  const line = (cells: (string | number)[]): string => cells.map((cell, c) => String(cell).padStart(widths[c])).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

const number = new Intl.NumberFormat('en-US');

export function formatSummary(summary: RunSummary): string {
  const rate = summary.wallSeconds > 0 ? Math.round(summary.segmentsTransferred / summary.wallSeconds) : 0;
  const rows = summary.perRank
    .filter((counters) => counters.rank > 0)
    .map((c) => [c.rank, c.uploaded, c.downloaded, c.nacksSent, c.nacksReceived]);
  const { load, outputs } = summary;
  const lines = [
    `${summary.ranks} ranks (tracker + ${summary.ranks - 1} clients), ${summary.files} files, strategy ${summary.strategy}, pipeline ${summary.pipeline}`,
    `${number.format(summary.segmentsTransferred)} segments transferred, ${number.format(summary.messages)} messages, ` +
      `${summary.wallSeconds.toFixed(3)} s wall (${number.format(rate)} segments/s)`,
    '',
    table(['rank', 'uploaded', 'downloaded', 'NACKs sent', 'NACKs received'], rows),
    '',
    `uploads over the ${load.servers.length} clients that could serve: max/mean ${load.maxOverMean.toFixed(2)}, Jain's index ${load.jain.toFixed(3)}`,
  ];
  if (outputs.problems.length === 0) {
    lines.push(`${outputs.written} outputs written to ${summary.outDir}, all correct`);
  } else {
    lines.push(`${outputs.problems.length} of the expected outputs are wrong:`);
    for (const { output, problem } of outputs.problems) lines.push(`  ${output}: ${problem}`);
  }
  return lines.join('\n');
}
