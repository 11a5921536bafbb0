/**
 * One virtual-time run: every rank in this thread on the seeded scheduler. It builds the
 * ranks, carries out faults in simulated time and answers stall reports; the ledger decides
 * what the result is.
 */
import { Tag, type SwarmPayloads } from '../../../ranks/protocol.js';
import type { StrategyFactory } from '../../../ranks/strategies/index.js';
import type { Roles } from '../../../ranks/roles.js';
import type { TrackerStart } from '../../../ranks/tracker.js';
import { emptyPlan, type FaultPlan } from '../../faults/plan.js';
import type { Job } from '../../job/inputs.js';
import { OutputWriter } from '../../job/output-writer.js';
import { ClientHost, TrackerHost, type ClientEnd, type TrackerEnd } from '../../rank-host/rank-host.js';
import { RankFailure, RunFailure, StallFailure } from '../../run/failures.js';
import { trackerEndOf, type RunLedger } from '../../run/ledger.js';
import { recordEnd } from '../../run/rank-ends.js';
import { clientCounters, SwarmGrowth } from '../../run/result.js';
import { Sampler } from '../../run/timeline.js';
import { describeWait } from '../rank-status.js';
import { clientChurn } from '../../job/arrivals.js';
import type { RankControl, TransportOptions, VirtualOptions } from '../transport.js';
import { NetworkModel } from './network-model.js';
import { VirtualWorld, type LinkFaults, type WorldHooks } from './world.js';

/** Simulated milliseconds before an unanswered segment request is asked again, when links drop messages. */
const REQUEST_TIMEOUT_MS = 2000;
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

export class VirtualRun implements RankControl {
  readonly world: VirtualWorld;
  readonly growth: SwarmGrowth;
  /** Resolves when the world has nothing left to run: undefined, or why the run failed. */
  readonly ended: Promise<RunFailure | undefined>;
  readonly outputs = new OutputWriter();
  private settle: (failure?: RunFailure) => void = () => undefined;
  private readonly plan: FaultPlan;
  /** The latest incarnation of each tracker. */
  private readonly trackers = new Map<number, TrackerHost>();
  private readonly clients: ClientHost[];
  /** Trackers killed by a restart, due to come back. */
  private readonly reviving = new Set<number>();
  private segments = 0;

  constructor(
    job: Job,
    private readonly roles: Roles,
    private readonly options: TransportOptions & { virtual: VirtualOptions },
    private readonly ledger: RunLedger,
    private readonly strategy: StrategyFactory,
  ) {
    this.plan = options.faults ?? emptyPlan();
    this.ended = new Promise((resolve) => (this.settle = resolve));
    const network = new NetworkModel(roles.size, options.virtual.network);
    this.world = new VirtualWorld(roles.size, options.virtual.seed, network, this.hooks(), linkFaults(this.plan, roles.size));
    this.growth = new SwarmGrowth(() => this.world.seconds);
    this.newTracker(0, 'primary');
    if (roles.standby !== undefined) this.newTracker(roles.standby, 'standby');
    const keep = rowsPerClient(roles.clients);
    this.clients = job.clients.map((client, i) => this.newClient(i + 1, client, new Sampler(0.001, keep)));
  }

  progress(): number[] {
    return this.clients.map((client) => client.obtained);
  }

  start(): void {
    for (const fault of this.plan.timed) {
      if (fault.at.kind === 'time') this.world.at(fault.at.seconds, () => this.ledger.faults.time(this.world.seconds));
    }
    this.world.start(async (rank) => {
      if (!this.roles.isClient(rank)) return this.runTracker(this.trackers.get(rank) as TrackerHost, rank);
      this.clientEnded(rank, await this.clients[rank - 1].run());
    }, this.failed);
  }

  /** A scheduler bug that left no event and no hook would let the process exit as if done. */
  readonly drained = (): void =>
    this.settle(
      new StallFailure(
        0,
        this.describe(this.world.unfinished()),
        undefined,
        'the virtual-time run stopped with ranks unfinished and nothing scheduled',
      ),
    );

  kill(rank: number, reason: string): void {
    if (!this.world.isAlive(rank)) return;
    this.ledger.rankLost(rank, { obtained: this.roles.isClient(rank) ? this.clients[rank - 1].obtained : 0 });
    this.world.kill(rank, reason);
  }

  restart(rank: number, reason: string): void {
    const revive = (): void => {
      this.reviving.delete(rank);
      this.ledger.rankBack(rank);
      // The new life's comm is the one revive made: it knows who died while the tracker was away.
      this.world.revive<SwarmPayloads>(rank, (comm) => this.runTracker(this.newTracker(rank, 'restarted', comm), rank), this.failed);
    };
    if (!this.world.isAlive(rank)) {
      // A second restart of a tracker already on its way back has nothing left to do.
      if (!this.reviving.has(rank)) revive();
      return;
    }
    this.kill(rank, reason);
    // A rank restarted while alive comes back once every rank has heard it was lost.
    this.reviving.add(rank);
    this.world.at(this.world.seconds + this.world.noticeSeconds + 1e-9, revive);
  }

  waiting(): Promise<string[]> {
    return Promise.resolve(this.describe(this.world.unfinished()));
  }

  /** The end: what only this thread saw (trackers' tables, timelines). */
  closeBooks(): void {
    for (const [rank, host] of [...this.trackers].sort(([a], [b]) => a - b))
      this.ledger.trackerEnded(rank, trackerEndOf(host.tracker, rank));
    this.clients.forEach((client, i) => {
      const rank = i + 1;
      // A run that lost its trackers ends with clients unfinished: their counters so far.
      if (!this.ledger.isSettled(rank)) {
        if (!this.ledger.strandedBy) throw new RankFailure(rank, 'finished without a report');
        this.ledger.clientEnded(rank, { counters: clientCounters(rank, client.snapshot(), 0, 0), timeline: [] });
      }
      this.ledger.setTimeline(rank, client.timeline.samples());
    });
  }

  /** A client's end, as its host reports it; a failure ends the run through the world, as a throw. */
  private clientEnded(rank: number, end: ClientEnd): void {
    if (!this.world.isAlive(rank)) return;
    switch (end.type) {
      case 'exit':
        throw new RankFailure(rank, 'its process exited with code 3 before the run ended');
      case 'failed':
        throw new RankFailure(rank, end.message, end.stack);
      case 'stranded':
        // Every tracker is lost: the first client to find out ends the run.
        this.ledger.noTrackerLeft(`rank ${rank} ${end.reason}`);
        recordEnd(this.ledger, rank, end, false);
        return this.settle();
      case 'done':
        return recordEnd(this.ledger, rank, end, false);
    }
  }

  private readonly failed = (rank: number, error: unknown): void => {
    if (error instanceof RunFailure) return this.settle(error);
    const failure = error instanceof Error ? error : new Error(String(error));
    this.settle(new RankFailure(rank, failure.message, failure.stack));
  };

  private hooks(): WorldHooks {
    return {
      trace: this.options.trace,
      // A client's count of segments changes only when it handles an ACK: the timeline is sampled as each ACK arrives
      // (the count before it, as sampling at every message took the count before that message), not at every message.
      delivered: (dest, tag) => {
        if (tag !== Tag.ACK || !this.roles.isClient(dest)) return;
        if (!this.ledger.faults.idle) this.ledger.faults.segments(++this.segments);
        this.clients[dest - 1].sample();
      },
      finished: () => this.settle(),
      deadlocked: (unfinished) => {
        // Every client has ended: a tracker restarted too late to catch up is all that is left.
        if (unfinished.every((rank) => this.trackers.get(rank)?.tracker.awaitingCatchUp === true)) return this.settle();
        const heading = `at ${this.world.seconds.toFixed(3)} s of virtual time no message was left in flight`;
        this.settle(new StallFailure(0, this.describe(unfinished), undefined, heading));
      },
      progressTag: Tag.ACK,
      livelockNs: LIVELOCK_SECONDS * 1e9,
      turnMs: this.options.virtual.turnMs,
      livelocked: (unfinished) => {
        const heading = `at ${this.world.seconds.toFixed(3)} s of virtual time messages still moved, but no segment had been delivered for ${LIVELOCK_SECONDS} simulated seconds`;
        this.settle(new StallFailure(0, this.describe(unfinished), undefined, heading));
      },
      broke: (error) => this.settle(new RunFailure(`the virtual-time scheduler failed: ${(error as Error).message ?? String(error)}`, 1)),
    };
  }

  private describe(unfinished: number[]): string[] {
    return unfinished.map((rank) => {
      const host = this.roles.isClient(rank) ? this.clients[rank - 1] : this.trackers.get(rank);
      if (!host) return `${this.roles.describe(rank)}: not started`;
      const { waiting, queued, detail } = host.status();
      return `${this.roles.describe(rank)}: ${describeWait(waiting, queued)}; ${detail}`;
    });
  }

  /** A tracker's part ends with its run; its table is read once the run is over. */
  private async runTracker(host: TrackerHost, rank: number): Promise<void> {
    const end: TrackerEnd = await host.run();
    if (end.type === 'failed') throw new RankFailure(rank, end.message, end.stack);
    if (this.trackers.get(rank) === host) this.ledger.rankFinished(rank);
  }

  private newTracker(rank: number, start: TrackerStart, comm = this.world.comm<SwarmPayloads>(rank)): TrackerHost {
    // Only the serving tracker's changes make the swarm-growth chart: the host passes on only those.
    const host = new TrackerHost({ comm, roles: this.roles, start, observe: this.growth.observe, stateDir: this.options.trackerState });
    this.trackers.set(rank, host);
    return host;
  }

  private newClient(rank: number, client: Job['clients'][number], timeline: Sampler): ClientHost {
    return new ClientHost({
      comm: this.world.comm<SwarmPayloads>(rank),
      roles: this.roles,
      fault: this.plan.simple.get(rank),
      files: { owned: client.owned, wanted: client.wanted },
      strategy: this.strategy,
      seed: this.options.virtual.seed,
      pipeline: this.options.pipeline,
      requestTimeoutMs: this.plan.drops.length > 0 ? REQUEST_TIMEOUT_MS : undefined,
      freeRider: this.options.freeRiders?.includes(rank),
      ...clientChurn(this.options.churn, rank),
      trackerReturns: this.options.trackerState !== undefined,
      uploadKbps: 1000 * (this.options.virtual.network.ranks.get(rank)?.uploadMbps ?? this.options.virtual.network.uploadMbps),
      clock: () => this.world.seconds,
      timeline,
      output: (file, hashes) => {
        if (!this.world.isAlive(rank)) return undefined;
        const written = this.outputs.write(this.options.outDir, rank, file, hashes);
        this.ledger.faults.fileDone(rank, file);
        return written;
      },
    });
  }
}
