/**
 * `sim faults --random N`: N fault plans drawn from a seed, each run and judged as the
 * matrix judges its cells. A plan kills or restarts one or two ranks at random points,
 * and in virtual time sometimes slows a rank or makes a link between two clients lossy;
 * the tracker count (and whether the only one keeps its state on disk), the strategy and
 * the run seed are drawn too. It finds what a single
 * kill at a fixed point does not: faults that meet, and moments nobody thought of.
 */
import seedrandom from 'seedrandom';
import { Roles } from '../../ranks/roles.js';
import { STRATEGY_NAMES } from '../../ranks/strategies/index.js';
import { builtinChoice } from '../strategies/choice.js';
import type { Job } from '../job/inputs.js';
import { totalTransfers } from '../job/servers.js';
import type { TransportName } from '../transports/names.js';
import { replayRun } from '../run/replay.js';
import type { RunSettings } from './fault-matrix.js';

/** One plan: what to run, and with which faults. */
export interface DrawnPlan {
  settings: RunSettings;
  specs: string[];
}

/** A plan run, and its verdict. */
export interface RandomRun extends DrawnPlan {
  exitCode: number;
  outcome: string;
  wrong?: string;
}

/** The plans `sim faults --random` runs for this seed, the same every time. */
export function drawPlans(job: Job, transport: TransportName, count: number, seed: string): DrawnPlan[] {
  const random = seedrandom.alea(`random-faults/${seed}`);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const below = (n: number): number => Math.floor(random() * n);
  const transfers = totalTransfers(job);
  const plans: DrawnPlan[] = [];
  for (let i = 0; i < count; i++) {
    const trackers = pick([1, 2] as const);
    const trackerState = trackers === 1 && random() < 0.4;
    const roles = Roles.forJob(job.ranks, trackers);
    // Over TCP with one tracker rank 0 is the coordinating process, unless it keeps its state on disk; on threads only it restarts.
    const killable = Array.from({ length: roles.size }, (_, rank) => rank).filter(
      (rank) => !(transport === 'tcp' && trackers === 1 && rank === 0 && !trackerState),
    );
    const restartable = (rank: number): boolean =>
      (trackers === 2 || trackerState) && roles.isTracker(rank) && (transport !== 'threads' || rank === 0);
    const specs: string[] = [];
    for (let k = 1 + below(2); k > 0; k--) {
      const rank = pick(killable);
      // With its state on disk, the only tracker killed must come back: clients wait for it.
      const action = restartable(rank) && (random() < 0.4 || trackerState) ? 'restart' : 'kill';
      specs.push(`${action}:${rank}@segments=${below(transfers + 1)}`);
    }
    if (transport === 'virtual' && roles.clients >= 2 && random() < 0.3) {
      const from = 1 + below(roles.clients);
      const to = 1 + ((from + below(roles.clients - 1)) % roles.clients);
      specs.push(`drop:${from}->${to}=${1 + below(30)}%`);
    }
    if (transport === 'virtual' && random() < 0.2) specs.push(`delay:${below(roles.size)}=${1 + below(50)}ms`);
    const settings: RunSettings = {
      transport,
      trackers,
      strategy: builtinChoice(pick(STRATEGY_NAMES)),
      seed: String(below(1_000_000)),
      ...(trackerState ? { trackerState } : {}),
    };
    plans.push({ settings, specs });
  }
  return plans;
}

/** The command that runs a plan again. */
export function replayCommand(dir: string, { settings, specs }: DrawnPlan): string {
  const { transport, trackers, strategy, seed } = settings;
  const trackerState = settings.trackerState ? 'tracker-state' : undefined;
  return replayRun({ inputDir: dir, transport, seed, trackers, trackerState, strategy, faults: specs });
}
