/**
 * The virtual-time transport: every rank in this thread, time simulated by a network model,
 * interleavings chosen by a seed. The same job, flags and seed give the same run, event for
 * event; see virtual/world.ts for the scheduler.
 */
import type { Pipeline } from '../../../ranks/download.js';
import { NoTrackerLeft, Peer, type PeerReport } from '../../../ranks/peer.js';
import { Tag, type SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { STRATEGIES, type StrategyName } from '../../../ranks/strategies/index.js';
import { Tracker, type TrackerStart } from '../../../ranks/tracker.js';
import { RankFailure, RunFailure, StallFailure } from '../../run/failures.js';
import { emptyPlan, hasFaults, type FaultPlan, type TimedFault } from '../../faults/plan.js';
import { FaultSchedule } from '../../faults/schedule.js';
import type { Job } from '../../job/inputs.js';
import { writeOutput } from '../../job/outputs.js';
import { clientCounters, summarizeSwarms, SwarmGrowth, trackerCounters, type RankResult, type RunResult } from '../../run/result.js';
import { Sampler } from '../../run/timeline.js';
import { servingTracker, trackerSummary } from '../../run/tracker-tables.js';
import { describeWait } from '../rank-status.js';
import { faultyTag } from '../threads/protocol.js';
import type { LiveRun } from '../threads/transport.js';
import { NetworkModel, type NetworkSettings } from './network-model.js';
import type { TraceSink } from './trace.js';
import { VirtualWorld, type LinkFaults } from './world.js';

export interface VirtualRunOptions {
  strategy: StrategyName;
  pipeline: Pipeline;
  outDir: string;
  seed: string;
  network: NetworkSettings;
  trace?: TraceSink;
  faults?: FaultPlan;
  /** 2 adds a standby tracker after the clients. */
  trackers?: 1 | 2;
  onStart?: (run: LiveRun) => void;
}

/** Simulated milliseconds before an unanswered segment request is asked again, when links drop messages. */
const REQUEST_TIMEOUT_MS = 2000;

export interface VirtualRunResult extends RunResult {
  /** Simulated seconds from the start to the last delivery. */
  virtualSeconds: number;
}

/** Output writes, a few at a time: a huge swarm finishes files faster than a disk opens them. */
class OutputWriter {
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  readonly written: Promise<string>[] = [];

  constructor(private readonly limit: number) {}

  write(outDir: string, rank: number, file: string, hashes: readonly string[]): void {
    this.written.push(
      new Promise<string>((resolve, reject) => {
        const start = (): void => {
          this.running++;
          writeOutput(outDir, rank, file, hashes)
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.waiting.shift()?.();
            });
        };
        if (this.running < this.limit) start();
        else this.waiting.push(start);
      }),
    );
  }
}

/** Simulated seconds without a segment delivered anywhere before a run counts as livelocked. */
const LIVELOCK_SECONDS = 600;

/** Timeline rows kept per client: fewer for huge swarms, so a 100,000-rank run stays small. */
function rowsPerClient(clients: number): number {
  return Math.max(8, Math.min(400, Math.floor(4_000_000 / clients)));
}

function linkFaults(plan: FaultPlan, size: number): LinkFaults {
  const delayNs = new Map<number, number>();
  for (const [rank, ms] of plan.delays) delayNs.set(rank, Math.round(ms * 1e6));
  const dropRates = new Map<number, number>();
  for (const { from, to, rate } of plan.drops) dropRates.set(from * size + to, rate);
  return { delayNs, dropRates };
}

export async function runVirtual(job: Job, options: VirtualRunOptions): Promise<VirtualRunResult> {
  const roles = Roles.forJob(job.ranks, options.trackers ?? 1);
  const size = roles.size;
  const plan = options.faults ?? emptyPlan();
  const network = new NetworkModel(size, options.network);
  let settle: (failure?: RunFailure) => void = () => undefined;
  const ended = new Promise<RunFailure | undefined>((resolve) => (settle = resolve));
  let noTracker: string | undefined;
  let segments = 0;
  const world: VirtualWorld = new VirtualWorld(
    size,
    options.seed,
    network,
    {
      trace: options.trace,
      delivered: (dest, tag) => {
        if (!roles.isClient(dest)) return;
        if (tag === Tag.ACK && !schedule.idle) schedule.segments(++segments);
        const timeline = timelines[dest - 1];
        const seconds = world.seconds;
        if (timeline.due(seconds)) timeline.record(seconds, [peers[dest - 1].obtained]);
      },
      finished: () => settle(),
      deadlocked: (unfinished) => {
        // Every client has ended: a tracker restarted too late to catch up is all that is left.
        if (unfinished.every((rank) => trackers.get(rank)?.awaitingCatchUp === true)) return settle();
        const lines = describe(unfinished);
        settle(new StallFailure(0, lines, undefined, `at ${world.seconds.toFixed(3)} s of virtual time no message was left in flight`));
      },
      progressTag: Tag.ACK,
      livelockNs: LIVELOCK_SECONDS * 1e9,
      livelocked: (unfinished) => {
        const heading = `at ${world.seconds.toFixed(3)} s of virtual time messages still moved, but no segment had been delivered for ${LIVELOCK_SECONDS} simulated seconds`;
        settle(new StallFailure(0, describe(unfinished), undefined, heading));
      },
      broke: (error) => settle(new RunFailure(`the virtual-time scheduler failed: ${(error as Error).message ?? String(error)}`, 1)),
    },
    linkFaults(plan, size),
  );
  function describe(unfinished: number[]): string[] {
    return unfinished.map((rank) => {
      const { waiting, queued } = world.waitingOf(rank);
      const detail = `; ${roles.isClient(rank) ? peers[rank - 1].describe() : (trackers.get(rank)?.describe() ?? 'not started')}`;
      return `${roles.describe(rank)}: ${describeWait(waiting, queued)}${detail}`;
    });
  }
  const growth = new SwarmGrowth(() => world.seconds);
  /** The latest incarnation of each tracker. */
  const trackers = new Map<number, Tracker>();
  const newTracker = (rank: number, start: TrackerStart): Tracker => {
    // Only the serving tracker's changes make the swarm-growth chart.
    const tracker = new Tracker(world.comm<SwarmPayloads>(rank), {
      roles,
      start,
      observe: (...change) => tracker.served && growth.observe(...change),
    });
    trackers.set(rank, tracker);
    return tracker;
  };
  newTracker(0, 'primary');
  if (roles.standby !== undefined) newTracker(roles.standby, 'standby');
  const keep = rowsPerClient(roles.clients);
  const timelines = Array.from({ length: roles.clients }, () => new Sampler(0.001, keep));
  const outputs = new OutputWriter(32);
  const requestTimeoutMs = plan.drops.length > 0 ? REQUEST_TIMEOUT_MS : undefined;
  const peers: Peer[] = job.clients.map((client, i) => {
    const rank = i + 1;
    const fault = plan.simple.get(rank);
    const comm = world.comm<SwarmPayloads>(rank);
    if (fault === 'refuse') {
      const send = comm.send.bind(comm);
      comm.send = (dest, tag, payload) => send(dest, faultyTag(fault, tag) as typeof tag, payload);
    }
    if (fault === 'stall') world.deafen(rank);
    return new Peer(
      comm,
      { owned: client.owned, wanted: client.wanted },
      {
        strategy: STRATEGIES[options.strategy](rank, size),
        pipeline: options.pipeline,
        standby: roles.standby,
        requestTimeoutMs,
        sink: (file, hashes) => {
          if (!world.isAlive(rank)) return;
          timelines[i].record(world.seconds, [peers[i].obtained], true);
          outputs.write(options.outDir, rank, file, hashes);
          schedule.fileDone(rank, file);
        },
      },
    );
  });
  const reports: (PeerReport | undefined)[] = new Array(roles.clients);
  const failed = (rank: number, error: unknown): void => {
    if (error instanceof NoTrackerLeft) {
      noTracker = `rank ${rank} ${error.message}`;
      return settle();
    }
    if (error instanceof RunFailure) return settle(error);
    const failure = error instanceof Error ? error : new Error(String(error));
    settle(new RankFailure(rank, failure.message, failure.stack));
  };
  /** Trackers killed by a restart, due to come back. */
  const reviving = new Set<number>();
  const act = (fault: TimedFault): void => {
    const reason = `killed by --fault ${fault.spec} at ${world.seconds.toFixed(3)} s`;
    const restart = (): void => {
      reviving.delete(fault.rank);
      world.revive<SwarmPayloads>(fault.rank, () => newTracker(fault.rank, 'restarted').run(), failed);
    };
    if (!world.isAlive(fault.rank)) {
      // A second restart of a tracker already on its way back has nothing left to do.
      if (fault.action === 'restart' && !reviving.has(fault.rank)) restart();
      return;
    }
    if (roles.isClient(fault.rank)) reports[fault.rank - 1] = peers[fault.rank - 1].snapshot();
    world.kill(fault.rank, reason);
    // A rank restarted while alive comes back once every rank has heard it was lost.
    if (fault.action === 'restart') {
      reviving.add(fault.rank);
      world.at(world.seconds + world.noticeSeconds + 1e-9, restart);
    }
  };
  const schedule = new FaultSchedule(plan.timed, act, () => world.seconds);
  for (const fault of plan.timed) if (fault.at.kind === 'time') world.at(fault.at.seconds, () => schedule.time(world.seconds));
  options.onStart?.({ progress: () => peers.map((peer) => peer.obtained) });
  world.start(async (rank) => {
    if (!roles.isClient(rank)) return (trackers.get(rank) as Tracker).run();
    const fault = plan.simple.get(rank);
    if (fault === 'crash') throw new Error('injected crash (--fault crash)');
    if (fault === 'exit') throw new RankFailure(rank, 'its process exited with code 3 before the run ended');
    timelines[rank - 1].record(0, [0], true);
    reports[rank - 1] = await peers[rank - 1].run();
  }, failed);
  // A scheduler bug that left no event and no hook would let the process exit as if done.
  const drained = (): void =>
    settle(
      new StallFailure(
        0,
        describe(world.unfinished()),
        undefined,
        'the virtual-time run stopped with ranks unfinished and nothing scheduled',
      ),
    );
  process.on('beforeExit', drained);
  const failure = await ended;
  process.off('beforeExit', drained);
  world.stop();
  options.trace?.close();
  const written = await Promise.all(outputs.written);
  if (failure) throw failure;
  const lost: number[] = [];
  for (let rank = 0; rank < size; rank++) if (!world.isAlive(rank)) lost.push(rank);
  const ranks: RankResult[] = [trackerCounters(0, 0)];
  // Counters come from the comms: in one thread every message is counted where it is sent and received.
  peers.forEach((peer, i) => {
    // A run that lost its trackers ends with clients unfinished: their counters so far.
    const report = reports[i] ?? (noTracker ? peer.snapshot() : undefined);
    if (!report) throw new RankFailure(i + 1, 'finished without a report');
    ranks.push(clientCounters(i + 1, report, 0, 0));
  });
  if (roles.standby !== undefined) ranks.push(trackerCounters(0, 0, roles.standby));
  world.countMessages(ranks);
  const primary = servingTracker(trackers, (rank) => world.isAlive(rank));
  return {
    ranks,
    swarms: summarizeSwarms(primary.state),
    outputs: written.sort(),
    progress: timelines.map((timeline) => timeline.samples()),
    swarmGrowth: growth.series(),
    virtualSeconds: world.seconds,
    trackers: [...trackers].sort(([a], [b]) => a - b).map(([rank, tracker]) => trackerSummary(rank, tracker, !world.isAlive(rank))),
    ...(hasFaults(plan) || roles.trackers === 2
      ? {
          faults: { ...schedule.outcome(lost, noTracker), ...(plan.drops.length > 0 ? { dropped: world.dropped } : {}) },
        }
      : {}),
  };
}
