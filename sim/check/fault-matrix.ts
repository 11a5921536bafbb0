/**
 * `sim faults`: kills each rank in turn at a few points of a run (in virtual time unless
 * told otherwise), and checks every outcome against the job itself, not against the run's
 * own report: each expected output is either on disk and correct, or listed as missing for
 * a true reason (its client was killed; every owner of its file was killed). A run that
 * fails in any other way (a stall, a wrong output, a missing output with no reason) is a
 * wrong cell.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Roles } from '../../ranks/roles.js';
import type { StrategyName } from '../../ranks/strategies/index.js';
import type { MetricsDocument } from '../../reports/document.js';
import { runJob, defaultNetwork } from '../commands/run.js';
import { compareLines, comparableLines } from '../diff.js';
import { RunFailure } from '../failures.js';
import { addFault, emptyPlan } from '../faults/plan.js';
import { EXIT_INCOMPLETE, runExitCode } from '../faults/report.js';
import type { Job } from '../inputs.js';
import type { TransportName } from '../transports/names.js';
import { outputName } from '../outputs.js';
import { wantedSegments } from '../servers.js';

export interface MatrixOptions {
  transport: TransportName;
  trackers: 1 | 2;
  strategy: StrategyName;
  seed: string;
  /** Points of the run, as shares of all segment transfers. */
  points: { label: string; share: number }[];
}

export interface MatrixCell {
  rank: number;
  point: string;
  spec: string;
  exitCode: number;
  /** Short: `0`, `0, 3 lost`, `4: file2, file3`. */
  outcome: string;
  /** Why the outcome is wrong; undefined when it is right. */
  wrong?: string;
}

export const DEFAULT_POINTS = [
  { label: 'early', share: 0.1 },
  { label: 'middle', share: 0.5 },
  { label: 'late', share: 0.9 },
];

/** Runs the whole matrix; `onCell` hears of each cell as it is done. */
export async function faultMatrix(job: Job, options: MatrixOptions, onCell?: (cell: MatrixCell) => void): Promise<MatrixCell[]> {
  const roles = Roles.forJob(job.ranks, options.trackers);
  const transfers = wantedSegments(job).reduce((a, b) => a + b, 0);
  const cells: MatrixCell[] = [];
  for (let rank = 0; rank < roles.size; rank++) {
    // Over TCP with one tracker, rank 0 is this process.
    if (options.transport === 'tcp' && rank === 0 && roles.trackers === 1) continue;
    for (const point of options.points) {
      const spec = `kill:${rank}@segments=${Math.floor(point.share * transfers)}`;
      const cell = await runCell(job, roles, options, rank, point.label, spec);
      cells.push(cell);
      onCell?.(cell);
    }
  }
  return cells;
}

async function runCell(job: Job, roles: Roles, options: MatrixOptions, rank: number, point: string, spec: string): Promise<MatrixCell> {
  const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-faults-'));
  try {
    let doc: MetricsDocument;
    try {
      doc = await runJob(job, {
        transport: options.transport,
        virtual: { seed: options.seed, network: defaultNetwork() },
        strategy: options.strategy,
        pipeline: 'auto',
        outDir,
        stallTimeoutMs: 10_000,
        trackers: options.trackers,
        faults: addFault(emptyPlan(), spec),
        // The cell's line says what happened; the coordinator's own account is not needed.
        log: () => undefined,
      });
    } catch (error) {
      if (!(error instanceof RunFailure)) throw error;
      return { rank, point, spec, exitCode: error.exitCode, outcome: `${error.exitCode}`, wrong: error.message.split('\n')[0] };
    }
    const exitCode = runExitCode(doc);
    const wrong = await judge(job, roles, doc, outDir, rank, exitCode);
    return { rank, point, spec, exitCode, outcome: describeOutcome(doc, exitCode), ...(wrong ? { wrong } : {}) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

function describeOutcome(doc: MetricsDocument, exitCode: number): string {
  const faults = doc.faults;
  if (exitCode === EXIT_INCOMPLETE && faults) {
    return faults.noTracker ? '4: no tracker left' : `4: ${faults.unavailable.join(', ')} unavailable`;
  }
  const lost = faults?.missing.length ?? 0;
  return lost > 0 ? `${exitCode} (its ${lost} output${lost === 1 ? '' : 's'} lost)` : `${exitCode}`;
}

/** What is wrong with an outcome, judged from the job and the files on disk; undefined when nothing is. */
export async function judge(
  job: Job,
  roles: Roles,
  doc: MetricsDocument,
  outDir: string,
  killed: number,
  exitCode: number,
): Promise<string | undefined> {
  if (exitCode === 1) return `wrong outputs: ${doc.outputs.problems.map((p) => `${p.output} ${p.problem}`).join('; ')}`;
  const faults = doc.faults;
  if (!faults) return 'the run has no faults section';
  const listed = new Map(faults.missing.map((missing) => [missing.output, missing]));
  const owners = new Map<string, number[]>();
  job.clients.forEach((client, i) => client.owned.forEach(({ name }) => owners.set(name, [...(owners.get(name) ?? []), i + 1])));
  for (const [i, client] of job.clients.entries()) {
    const rank = i + 1;
    for (const file of client.wanted) {
      const output = outputName(rank, file);
      const text = await readFile(join(outDir, output), 'utf8').catch(() => undefined);
      const missing = listed.get(output);
      if (text !== undefined) {
        if (missing) return `${output} is listed as missing but was written`;
        const difference = compareLines(job.files.get(file) as string[], comparableLines(text));
        if (difference) return `${output}: ${difference}`;
        continue;
      }
      if (!missing) return `${output} is missing and not listed`;
      if (missing.kind === 'client-lost' && rank !== killed) return `${output} blamed on the loss of client ${rank}, which lived`;
      if (missing.kind === 'unavailable' && (owners.get(file) ?? []).some((owner) => owner !== killed)) {
        return `${output} reported unavailable, but ${file} has an owner that lived`;
      }
      if (missing.kind === 'no-tracker' && !(roles.isTracker(killed) && roles.trackers === 1)) {
        return `${output} blamed on the loss of every tracker, but one lived`;
      }
    }
  }
  if (roles.trackers === 2 && roles.isTracker(killed) && exitCode !== 0) return 'a standby was there, yet the run did not complete';
  return undefined;
}

/** The matrix as text: one row per rank, one column per point. */
export function formatMatrix(cells: readonly MatrixCell[], roles: Roles, points: readonly { label: string }[]): string[][] {
  const rows: string[][] = [];
  for (let rank = 0; rank < roles.size; rank++) {
    const row = [roles.describe(rank)];
    for (const { label } of points) {
      const cell = cells.find((c) => c.rank === rank && c.point === label);
      row.push(cell ? (cell.wrong ? `WRONG (${cell.outcome})` : cell.outcome) : '-');
    }
    rows.push(row);
  }
  return rows;
}
