/**
 * `sim faults`: kills each rank in turn at a few points of a run (in virtual time unless
 * told otherwise), and checks every outcome against the job itself, not against the run's
 * own report: each expected output is either on disk and correct, or listed as missing for
 * a true reason (its client was killed; every owner of its file was killed). A run that
 * fails in any other way (a stall, a wrong output, a missing output with no reason) is a
 * wrong cell.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Roles } from '../../ranks/roles.js';
import type { StrategyChoice } from '../strategies/choice.js';
import type { MetricsDocument } from '../../reports/document.js';
import { runJob, defaultNetwork } from '../run/pipeline.js';
import { compareLines, comparableLines } from '../job/diff.js';
import { RunFailure } from '../run/failures.js';
import { addFault, emptyPlan } from '../faults/plan.js';
import { EXIT_INCOMPLETE, runExitCode } from '../run/exit-codes.js';
import type { Job } from '../job/inputs.js';
import type { TransportName } from '../transports/names.js';
import { outputName, readOutput } from '../job/outputs.js';
import { totalTransfers } from '../job/servers.js';

/** How a judged run is made: everything but its faults. */
export interface RunSettings {
  transport: TransportName;
  trackers: 1 | 2;
  strategy: StrategyChoice;
  seed: string;
  /** The only tracker keeps its state on disk (`--tracker-state`, in a folder of the run's own). */
  trackerState?: boolean;
}

export interface MatrixOptions extends RunSettings {
  /** Points of the run, as shares of all segment transfers. */
  points: { label: string; share: number }[];
}

export interface MatrixCell {
  rank: number;
  /** Rank 0 restarted from its saved state rather than killed: a row of its own. */
  restarted?: boolean;
  point: string;
  spec: string;
  exitCode: number;
  /** Short: `0`, `0, 3 lost`, `4: file2, file3`. */
  outcome: string;
  /** Why the outcome is wrong; undefined when it is right. */
  wrong?: string;
}

/** Lines of a failure's message a wrong run shows. */
const STALL_LINES_SHOWN = 12;

export const DEFAULT_POINTS = [
  { label: 'early', share: 0.1 },
  { label: 'middle', share: 0.5 },
  { label: 'late', share: 0.9 },
  // As the job ends, when some ranks have already finished their part and others not.
  { label: 'last', share: 1 },
];

/** Runs the whole matrix; `onCell` hears of each cell as it is done. */
export async function faultMatrix(job: Job, options: MatrixOptions, onCell?: (cell: MatrixCell) => void): Promise<MatrixCell[]> {
  const roles = Roles.forJob(job.ranks, options.trackers);
  const transfers = totalTransfers(job);
  const cells: MatrixCell[] = [];
  for (let rank = 0; rank < roles.size; rank++) {
    // Over TCP with one tracker, rank 0 is this process.
    if (options.transport === 'tcp' && rank === 0 && roles.trackers === 1) continue;
    for (const point of options.points) {
      const spec = `kill:${rank}@segments=${Math.floor(point.share * transfers)}`;
      const cell = { rank, point: point.label, spec, ...(await judgedRun(job, options, [spec])) };
      cells.push(cell);
      onCell?.(cell);
    }
  }
  // The only tracker killed and started again from disk: the clients wait for it, and the job completes.
  if (roles.trackers === 1) {
    for (const point of options.points) {
      const spec = `restart:0@segments=${Math.floor(point.share * transfers)}`;
      const cell = {
        rank: 0,
        restarted: true,
        point: point.label,
        spec,
        ...(await judgedRun(job, { ...options, trackerState: true }, [spec])),
      };
      cells.push(cell);
      onCell?.(cell);
    }
  }
  return cells;
}

/** Runs the job with these faults in a folder of its own, and judges the outcome. */
export async function judgedRun(
  job: Job,
  settings: RunSettings,
  specs: readonly string[],
): Promise<{ exitCode: number; outcome: string; wrong?: string }> {
  const roles = Roles.forJob(job.ranks, settings.trackers);
  const plan = emptyPlan();
  for (const spec of specs) addFault(plan, spec);
  const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-faults-'));
  try {
    let doc: MetricsDocument;
    try {
      doc = await runJob(job, {
        transport: settings.transport,
        virtual: { seed: settings.seed, network: defaultNetwork() },
        strategy: settings.strategy,
        pipeline: 'auto',
        outDir,
        stallTimeoutMs: 10_000,
        warmNext: true,
        trackers: settings.trackers,
        trackerState: settings.trackerState ? join(outDir, 'tracker-state') : undefined,
        faults: plan,
        // The run's line says what happened; the coordinator's own account is not needed.
        log: () => undefined,
      });
    } catch (error) {
      if (!(error instanceof RunFailure)) throw error;
      // A stall names what every rank waits for: enough lines of it to see why.
      const report = error.message.split('\n').slice(0, STALL_LINES_SHOWN).join('\n');
      return { exitCode: error.exitCode, outcome: `${error.exitCode}`, wrong: report };
    }
    const exitCode = runExitCode(doc);
    // A tracker restarted from its saved state is not gone: the run must complete as if it had lived.
    const downed = new Set(plan.timed.filter((fault) => fault.action === 'kill' || !settings.trackerState).map((fault) => fault.rank));
    const wrong = await judge(job, roles, doc, outDir, downed, exitCode);
    return { exitCode, outcome: describeOutcome(doc, exitCode), ...(wrong ? { wrong } : {}) };
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

/**
 * What is wrong with an outcome, judged from the job and the files on disk; undefined when
 * nothing is. `downed`: the ranks the faults killed or restarted.
 */
export async function judge(
  job: Job,
  roles: Roles,
  doc: MetricsDocument,
  outDir: string,
  downed: ReadonlySet<number>,
  exitCode: number,
): Promise<string | undefined> {
  if (exitCode === 1) return `wrong outputs: ${doc.outputs.problems.map((p) => `${p.output} ${p.problem}`).join('; ')}`;
  const faults = doc.faults;
  if (!faults) return 'the run has no faults section';
  const everyTrackerDowned = downed.has(0) && (roles.standby === undefined || downed.has(roles.standby));
  const listed = new Map(faults.missing.map((missing) => [missing.output, missing]));
  const owners = new Map<string, number[]>();
  job.clients.forEach((client, i) => client.owned.forEach(({ name }) => owners.set(name, [...(owners.get(name) ?? []), i + 1])));
  for (const [i, client] of job.clients.entries()) {
    const rank = i + 1;
    for (const file of client.wanted) {
      const output = outputName(rank, file);
      const read = await readOutput(join(outDir, output), job.files.get(file)?.length ?? 0);
      const text = 'text' in read ? read.text : undefined;
      const missing = listed.get(output);
      if (text !== undefined) {
        if (missing) return `${output} is listed as missing but was written`;
        const difference = compareLines(job.files.get(file) as string[], comparableLines(text));
        if (difference) return `${output}: ${difference}`;
        continue;
      }
      if (!missing) return `${output} is missing and not listed`;
      if (missing.kind === 'client-lost' && !downed.has(rank)) return `${output} blamed on the loss of client ${rank}, which lived`;
      if (missing.kind === 'unavailable' && (owners.get(file) ?? []).some((owner) => !downed.has(owner))) {
        return `${output} reported unavailable, but ${file} has an owner that lived`;
      }
      if (missing.kind === 'no-tracker' && !everyTrackerDowned) return `${output} blamed on the loss of every tracker, but one lived`;
    }
  }
  const clientDowned = [...downed].some((rank) => roles.isClient(rank));
  if (exitCode !== 0 && !clientDowned && !everyTrackerDowned)
    return 'a tracker was there (a standby, or one restarted from its saved state), yet the run did not complete';
  return undefined;
}

/** The matrix as text: one row per rank, one column per point. */
export function formatMatrix(cells: readonly MatrixCell[], roles: Roles, points: readonly { label: string }[]): string[][] {
  const rows: string[][] = [];
  const row = (label: string, of: (cell: MatrixCell) => boolean): string[] => [
    label,
    ...points.map(({ label: point }) => {
      const cell = cells.find((c) => of(c) && c.point === point);
      return cell ? (cell.wrong ? `WRONG (${cell.outcome})` : cell.outcome) : '-';
    }),
  ];
  for (let rank = 0; rank < roles.size; rank++) rows.push(row(roles.describe(rank), (cell) => cell.rank === rank && !cell.restarted));
  if (cells.some((cell) => cell.restarted)) rows.push(row('rank 0 restarted from --tracker-state', (cell) => cell.restarted === true));
  return rows;
}
