/**
 * The virtual-time transport: every rank in this thread, time simulated by a network model,
 * interleavings chosen by a seed. The same job, flags and seed give the same run, event for
 * event; see virtual/world.ts for the scheduler.
 */
import type { Pipeline } from '../../ranks/download.js';
import { Peer } from '../../ranks/peer.js';
import { Tag, type SwarmPayloads } from '../../ranks/protocol.js';
import { STRATEGIES, type StrategyName } from '../../ranks/strategies/index.js';
import { Tracker } from '../../ranks/tracker.js';
import { RankFailure, RunFailure, StallFailure } from '../failures.js';
import type { Job } from '../inputs.js';
import { writeOutput } from '../outputs.js';
import { clientCounters, summarizeSwarms, SwarmGrowth, trackerCounters, type RankResult, type RunResult } from '../run-result.js';
import { Sampler } from '../timeline.js';
import { describeWait } from './rank-status.js';
import { faultyTag, type ThreadFault } from './thread-control.js';
import type { LiveRun } from './threads.js';
import { NetworkModel, type NetworkSettings } from './virtual/network-model.js';
import type { TraceSink } from './virtual/trace.js';
import { VirtualWorld } from './virtual/world.js';

export interface VirtualRunOptions {
  strategy: StrategyName;
  pipeline: Pipeline;
  outDir: string;
  seed: string;
  network: NetworkSettings;
  trace?: TraceSink;
  faults?: ReadonlyMap<number, ThreadFault>;
  onStart?: (run: LiveRun) => void;
}

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

export async function runVirtual(job: Job, options: VirtualRunOptions): Promise<VirtualRunResult> {
  const size = job.ranks;
  const network = new NetworkModel(size, options.network);
  let settle: (failure?: RunFailure) => void = () => undefined;
  const ended = new Promise<RunFailure | undefined>((resolve) => (settle = resolve));
  const world: VirtualWorld = new VirtualWorld(size, options.seed, network, {
    trace: options.trace,
    delivered: (dest) => {
      if (dest === 0) return;
      const timeline = timelines[dest - 1];
      const seconds = world.seconds;
      if (timeline.due(seconds)) timeline.record(seconds, [peers[dest - 1].obtained]);
    },
    finished: () => settle(),
    deadlocked: (unfinished) => {
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
  });
  function describe(unfinished: number[]): string[] {
    return unfinished.map((rank) => {
      const { waiting, queued } = world.waitingOf(rank);
      const detail = rank === 0 ? '' : `; ${peers[rank - 1].describe()}`;
      return `rank ${rank}${rank === 0 ? ' (tracker)' : ''}: ${describeWait(waiting, queued)}${detail}`;
    });
  }
  const growth = new SwarmGrowth(() => world.seconds);
  const tracker = new Tracker(world.comm<SwarmPayloads>(0), growth.observe);
  const keep = rowsPerClient(size - 1);
  const timelines = Array.from({ length: size - 1 }, () => new Sampler(0.001, keep));
  const outputs = new OutputWriter(32);
  const peers: Peer[] = job.clients.map((client, i) => {
    const rank = i + 1;
    const fault = options.faults?.get(rank);
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
        sink: (file, hashes) => {
          timelines[i].record(world.seconds, [peers[i].obtained], true);
          outputs.write(options.outDir, rank, file, hashes);
        },
      },
    );
  });
  const reports: (Awaited<ReturnType<Peer['run']>> | undefined)[] = new Array(size - 1);
  options.onStart?.({ progress: () => peers.map((peer) => peer.obtained) });
  world.start(
    async (rank) => {
      if (rank === 0) return tracker.run();
      const fault = options.faults?.get(rank);
      if (fault === 'crash') throw new Error('injected crash (--fault crash)');
      if (fault === 'exit') throw new RankFailure(rank, 'its process exited with code 3 before the run ended');
      timelines[rank - 1].record(0, [0], true);
      reports[rank - 1] = await peers[rank - 1].run();
    },
    (rank, error) => {
      if (error instanceof RunFailure) return settle(error);
      const failure = error instanceof Error ? error : new Error(String(error));
      settle(new RankFailure(rank, failure.message, failure.stack));
    },
  );
  const failure = await ended;
  world.stop();
  options.trace?.close();
  const written = await Promise.all(outputs.written);
  if (failure) throw failure;
  const ranks: RankResult[] = [trackerCounters(0, 0)];
  // Counters come from the comms: in one thread every message is counted where it is sent and received.
  reports.forEach((report, i) => {
    if (!report) throw new RankFailure(i + 1, 'finished without a report');
    ranks.push(clientCounters(i + 1, report, 0, 0));
  });
  world.countMessages(ranks);
  return {
    ranks,
    swarms: summarizeSwarms(tracker),
    outputs: written.sort(),
    progress: timelines.map((timeline) => timeline.samples()),
    swarmGrowth: growth.series(),
    virtualSeconds: world.seconds,
  };
}
