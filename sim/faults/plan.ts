/**
 * `--fault SPEC`, parsed: kills and restarts at a point of the run, slow ranks and lossy
 * links (virtual time only), and the older test faults (crash, exit, stall, refuse).
 */
import type { Roles } from '../../ranks/roles.js';
import type { Job } from '../job/inputs.js';
import { totalTransfers } from '../job/servers.js';
import { InputError } from '../run/failures.js';
import type { RankFault } from '../rank-host/test-faults.js';

/** A point in the run. */
export type FaultTrigger =
  /** After this many segments transferred in the whole swarm. */
  | { kind: 'segments'; count: number }
  /** Wall seconds since the start, or simulated seconds in virtual time. */
  | { kind: 'time'; seconds: number }
  /** When client `rank` has finished `file`. */
  | { kind: 'file-done'; rank: number; file: string };

export interface TimedFault {
  /** As written, for reports. */
  spec: string;
  action: 'kill' | 'restart';
  rank: number;
  at: FaultTrigger;
}

export interface FaultPlan {
  timed: TimedFault[];
  /** Extra milliseconds on every message to or from a rank. */
  delays: Map<number, number>;
  /** Per link `from->to`, the share of messages lost. */
  drops: { from: number; to: number; rate: number }[];
  /** The test faults of the harness itself. */
  simple: Map<number, RankFault>;
}

export function emptyPlan(): FaultPlan {
  return { timed: [], delays: new Map(), drops: [], simple: new Map() };
}

export const FAULT_FORMS =
  'kill:RANK@segments=N, kill:RANK@time=2s, kill:RANK@file-done=R:FILE, restart:RANK@..., delay:RANK=50ms, drop:A->B=5%, or crash|exit|stall|refuse:RANK';

function trigger(text: string, spec: string): FaultTrigger {
  let match = /^segments=(\d+)$/.exec(text);
  if (match) return { kind: 'segments', count: Number(match[1]) };
  match = /^time=(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (match) return { kind: 'time', seconds: Number(match[1]) / (match[2] === 'ms' ? 1000 : 1) };
  match = /^file-done=(\d+):(\S+)$/.exec(text);
  if (match) return { kind: 'file-done', rank: Number(match[1]), file: match[2] };
  throw new InputError(`--fault ${spec}`, `expected segments=N, time=Xs (or Xms) or file-done=R:FILE after @, got "${text}"`);
}

/** Adds one `--fault` to a plan; throws InputError naming the spec when it does not parse. */
export function addFault(plan: FaultPlan, spec: string): FaultPlan {
  let match = /^(kill|restart):(\d+)@(.+)$/.exec(spec);
  if (match) {
    plan.timed.push({ spec, action: match[1] as 'kill' | 'restart', rank: Number(match[2]), at: trigger(match[3], spec) });
    return plan;
  }
  match = /^delay:(\d+)=(\d+(?:\.\d+)?)(ms|s)$/.exec(spec);
  if (match) {
    plan.delays.set(Number(match[1]), Number(match[2]) * (match[3] === 's' ? 1000 : 1));
    return plan;
  }
  match = /^drop:(\d+)->(\d+)=(\d+(?:\.\d+)?)%$/.exec(spec);
  if (match) {
    const rate = Number(match[3]) / 100;
    if (rate > 1) throw new InputError(`--fault ${spec}`, 'a drop rate is at most 100%');
    plan.drops.push({ from: Number(match[1]), to: Number(match[2]), rate });
    return plan;
  }
  match = /^(crash|exit|stall|refuse):(\d+)$/.exec(spec);
  if (match) {
    plan.simple.set(Number(match[2]), match[1] as RankFault);
    return plan;
  }
  throw new InputError(`--fault ${spec}`, `expected ${FAULT_FORMS}`);
}

export function hasFaults(plan: FaultPlan | undefined): boolean {
  return plan !== undefined && (plan.timed.length > 0 || plan.delays.size > 0 || plan.drops.length > 0 || plan.simple.size > 0);
}

/**
 * Checks every rank, file and count a plan names against the job, and what the transport
 * can do. `trackerState`: the only tracker keeps its state on disk (`--tracker-state`), so
 * it can be restarted from there, and must be, once killed.
 */
export function checkPlan(plan: FaultPlan, job: Job, roles: Roles, transport: string, trackerState = false): void {
  const where = (spec: string): string => `--fault ${spec}`;
  const inJob = (rank: number, spec: string): void => {
    if (rank >= roles.size) throw new InputError(where(spec), `rank ${rank} is not in this ${roles.size}-rank job`);
  };
  const transfers = totalTransfers(job);
  for (const fault of plan.timed) {
    inJob(fault.rank, fault.spec);
    if (fault.action === 'restart' && !roles.isTracker(fault.rank)) {
      throw new InputError(where(fault.spec), `only a tracker can be restarted (rank 0${roles.standby ? ` or ${roles.standby}` : ''})`);
    }
    const restarted = plan.timed.some((other) => other.action === 'restart' && other.rank === fault.rank);
    if (fault.action === 'kill' && roles.trackers === 1 && fault.rank === 0 && trackerState && !restarted) {
      throw new InputError(where(fault.spec), 'with --tracker-state the clients wait for the tracker to come back: add restart:0@...');
    }
    if (fault.action === 'restart' && roles.trackers === 1 && !trackerState) {
      throw new InputError(
        where(fault.spec),
        'a restarted tracker catches up from the standby or reloads its saved state: add --trackers 2 or --tracker-state DIR',
      );
    }
    if (fault.at.kind === 'file-done' && !roles.isClient(fault.at.rank)) {
      throw new InputError(where(fault.spec), `file-done needs a client rank, and ${fault.at.rank} is not one`);
    }
    if (fault.at.kind === 'file-done' && !job.clients[fault.at.rank - 1].wanted.includes(fault.at.file)) {
      const wanted = job.clients[fault.at.rank - 1].wanted;
      throw new InputError(
        where(fault.spec),
        `client ${fault.at.rank} does not download ${fault.at.file} (${wanted.length > 0 ? `it wants ${wanted.join(', ')}` : 'it wants nothing'})`,
      );
    }
    if (fault.at.kind === 'segments' && fault.at.count > transfers) {
      throw new InputError(where(fault.spec), `the whole job transfers ${transfers} segments, so this point never comes`);
    }
    if (transport === 'threads' && fault.action === 'restart' && fault.rank !== 0) {
      throw new InputError(where(fault.spec), 'on threads only rank 0 can be restarted (use --transport virtual)');
    }
    if (transport === 'tcp' && fault.rank === 0 && roles.trackers === 1 && !trackerState) {
      throw new InputError(
        where(fault.spec),
        'over TCP with one tracker, rank 0 is the sim process itself: add --trackers 2 or --tracker-state DIR to kill it',
      );
    }
  }
  for (const [rank] of plan.delays) inJob(rank, `delay:${rank}`);
  for (const { from, to } of plan.drops) {
    const spec = `drop:${from}->${to}`;
    inJob(from, spec);
    inJob(to, spec);
    if (!roles.isClient(from) || !roles.isClient(to) || from === to) {
      throw new InputError(
        where(spec),
        'drops are between two clients: the tracker protocol assumes its messages arrive (see docs/faults.md)',
      );
    }
  }
  if ((plan.delays.size > 0 || plan.drops.length > 0) && transport !== 'virtual') {
    throw new InputError('--fault', 'delay and drop faults need --transport virtual');
  }
  for (const [rank] of plan.simple) {
    if (!roles.isClient(rank)) throw new InputError(`--fault ${plan.simple.get(rank)}:${rank}`, `rank ${rank} is not a client of this job`);
  }
}
