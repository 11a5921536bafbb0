/**
 * The threads transport: the tracker runs in the main thread, the clients in worker threads
 * (one each by default, or packed several to a worker). Clients in different workers talk
 * over a MessageChannel per pair, made on first use by the main thread, so traffic between
 * clients never passes through rank 0.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Pipeline } from '../../../ranks/download.js';
import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import type { StrategyName } from '../../../ranks/strategies/index.js';
import { RANK_LOST } from '../../comm/comm.js';
import { RankFailure, RunFailure, StallFailure } from '../../run/failures.js';
import { emptyPlan, hasFaults, type FaultPlan, type TimedFault } from '../../faults/plan.js';
import { FaultSchedule } from '../../faults/schedule.js';
import type { Job } from '../../job/inputs.js';
import {
  clientCounters,
  lostClientCounters,
  SwarmGrowth,
  trackerCounters,
  type RankResult,
  type RunResult,
  type TrackerSummary,
} from '../../run/result.js';
import { now, secondsSince, type Samples } from '../../run/timeline.js';
import { startWatchdog } from '../../run/watchdog.js';
import { BatchedLink, FlushQueue, RANK_BACK, receiveBatches, withNotices, type LifeNotice, type LinkNotice } from '../batched-link.js';
import type { FromWorker, HostedRank, ToWorker, WorkerSetup } from './protocol.js';
import { describeWait, withTimeout } from '../rank-status.js';
import { MainThreadTracker } from './main-tracker.js';
import { trackerSummary } from '../../run/tracker-tables.js';
import type { ControlClient } from './worker-control.js';

export interface ThreadRunOptions {
  strategy: StrategyName;
  pipeline: Pipeline;
  outDir: string;
  stallTimeoutMs: number;
  faults?: FaultPlan;
  /** 2 adds a standby tracker after the clients. */
  trackers?: 1 | 2;
  /** Worker threads for the clients; default one per client. Fewer start faster and use less memory. */
  workers?: number;
  /** Called once the ranks are started, with a way to read their progress. */
  onStart?: (run: LiveRun) => void;
}

/** A run in progress, as the live display sees it. */
export interface LiveRun {
  /** Segments obtained so far by each client (index rank - 1). */
  progress(): number[];
}

const WORKER_ENTRY = new URL('./worker.js', import.meta.url);
const STATUS_WAIT_MS = 1000;
/** How many stall timeouts messages may move without any segment obtained. */
const LIVELOCK_FACTOR = 6;

/** Client ranks 1..clients in `workers` contiguous groups of nearly equal size. */
export function groupClients(clients: number, workers: number): number[][] {
  const count = Math.max(1, Math.min(workers, clients));
  const groups: number[][] = [];
  for (let w = 0; w < count; w++) {
    const from = Math.floor((w * clients) / count) + 1;
    const to = Math.floor(((w + 1) * clients) / count);
    groups.push(Array.from({ length: to - from + 1 }, (_, i) => from + i));
  }
  return groups;
}

/** How often the main thread adds up segments obtained, while a fault waits for a count. */
const SEGMENT_POLL_MS = 2;

export async function runOnThreads(job: Job, options: ThreadRunOptions): Promise<RunResult> {
  const roles = Roles.forJob(job.ranks, options.trackers ?? 1);
  const size = roles.size;
  const plan = options.faults ?? emptyPlan();
  const layout = withNotices(SWARM_LAYOUT);
  const epochMs = now();
  const growth = new SwarmGrowth(() => secondsSince(epochMs));
  const countersBuffer = new SharedArrayBuffer(8 * size);
  const shared = new Int32Array(countersBuffer);
  const flusher = new FlushQueue();
  const links: BatchedLink[] = new Array(size);
  const workers: Worker[] = [];
  /** The worker hosting each rank but 0. */
  const workerOf = new Int32Array(size).fill(-1);
  const controls: Promise<ControlClient>[] = [];
  /** A worker's control channel, opened on first use (a stall report). */
  const controlOf = (w: number): Promise<ControlClient> => {
    controls[w] ??= import('./worker-control.js').then(({ controlClient }) => {
      const { port1, port2 } = new MessageChannel();
      workers[w].postMessage({ type: 'control', port: port2 } satisfies ToWorker, [port2]);
      return controlClient(port1);
    });
    return controls[w];
  };
  const timelines: Samples[] = Array.from({ length: roles.clients }, () => []);
  const counters: RankResult[] = new Array(size);
  const outputs: string[] = [];
  const connected = new Set<number>();
  /** Ranks finished, stranded without a tracker, or killed: the run ends when every rank is here. */
  const settled = new Set<number>();
  /** Ranks dead now. */
  const dead = new Set<number>();
  const tables = new Map<number, TrackerSummary>();
  let noTracker: string | undefined;
  let online = 0;
  let finished = false;

  let fail: (failure: RunFailure) => void = () => undefined;
  let allDone: () => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const done = new Promise<void>((resolve) => (allDone = resolve));
  failed.catch(() => undefined);
  /** Every other rank has ended, and rank 0 was restarted too late to catch up: it would wait for ever. */
  const lateNewcomer = (): boolean => settled.size === size - 1 && !settled.has(0) && rank0?.tracker.awaitingCatchUp === true;
  const settle = (rank: number): void => {
    settled.add(rank);
    if (lateNewcomer()) settled.add(0);
    if (settled.size === size) allDone();
  };

  // Started first thing in the run below, before any worker can send to it.
  let rank0: MainThreadTracker | undefined;
  const host = (): MainThreadTracker => rank0 as MainThreadTracker;

  const connect = (a: number, b: number): void => {
    const key = Math.min(a, b) * size + Math.max(a, b);
    if (connected.has(key) || dead.has(a) || dead.has(b)) return;
    connected.add(key);
    const { port1, port2 } = new MessageChannel();
    workers[workerOf[a]].postMessage({ type: 'port', rank: a, peer: b, port: port1 } satisfies ToWorker, [port1]);
    workers[workerOf[b]].postMessage({ type: 'port', rank: b, peer: a, port: port2 } satisfies ToWorker, [port2]);
  };

  let rank0Life = 0;
  const act = (fault: TimedFault): void => {
    const rank = fault.rank;
    const reason = `killed by --fault ${fault.spec} at ${secondsSince(epochMs).toFixed(3)} s`;
    if (rank === 0) {
      if (!dead.has(0)) {
        dead.add(0);
        host().kill();
        settle(0);
        // Rank 0's loss travels on its own links, after everything it sent while alive.
        tellAll(RANK_LOST, { rank: 0, reason });
      }
      if (fault.action === 'restart') {
        dead.delete(0);
        settled.delete(0);
        tellAll(RANK_BACK, { rank: 0, life: ++rank0Life });
        host().restart(
          rank0Life,
          workerRanks.filter((rank) => !dead.has(rank)),
          [...dead].filter((rank) => rank !== 0),
        );
        if (lateNewcomer()) settle(0);
      }
      return;
    }
    if (dead.has(rank)) return;
    dead.add(rank);
    if (roles.isClient(rank) && counters[rank] === undefined) counters[rank] = lostClientCounters(rank, Atomics.load(shared, 2 * rank + 1));
    if (rank === roles.standby) {
      counters[rank] = trackerCounters(0, 0, rank);
      tables.set(rank, { rank, role: 'standby', served: false, lost: true, swarms: [] });
    }
    settle(rank);
    void workers[workerOf[rank]].terminate();
    rank0?.comm.rankLost(rank, reason);
    tellAll(RANK_LOST, { rank, reason });
  };
  /** A notice to every live worker rank, on rank 0's links: in order with every earlier notice. */
  function tellAll(tag: typeof RANK_LOST, notice: LinkNotice): void;
  function tellAll(tag: typeof RANK_BACK, notice: LifeNotice): void;
  function tellAll(tag: number, notice: LinkNotice | LifeNotice): void {
    for (let dest = 1; dest < size; dest++) if (!dead.has(dest)) links[dest].push(tag, notice);
  }
  const schedule = new FaultSchedule(plan.timed, act, () => secondsSince(epochMs));

  const onWorkerMessage = (message: FromWorker): void => {
    const rank = message.rank;
    if (dead.has(rank)) return;
    switch (message.type) {
      case 'connect':
        connect(rank, message.peer);
        break;
      case 'done':
        counters[rank] = clientCounters(rank, message.report, message.messagesIn, message.messagesOut);
        timelines[rank - 1] = message.timeline;
        outputs.push(...message.outputs);
        settle(rank);
        break;
      case 'stranded':
        noTracker ??= `rank ${rank} ${message.reason}`;
        counters[rank] = clientCounters(rank, message.report, 0, 0);
        timelines[rank - 1] = message.timeline;
        outputs.push(...message.outputs);
        settle(rank);
        break;
      case 'tracker-done':
        counters[rank] = trackerCounters(message.messagesIn, message.messagesOut, rank);
        tables.set(rank, { rank, role: 'standby', served: message.served, lost: false, swarms: message.swarms });
        settle(rank);
        break;
      case 'file-done':
        schedule.fileDone(rank, message.file);
        break;
      case 'failed':
        fail(new RankFailure(rank, message.error, message.stack));
        break;
    }
  };

  const workerRanks = Array.from({ length: size - 1 }, (_, i) => i + 1);
  const groups =
    roles.standby === undefined
      ? groupClients(roles.clients, options.workers ?? roles.clients)
      : [...groupClients(roles.clients, options.workers ?? roles.clients), [roles.standby]];
  const spawnWorkers = (): void => {
    for (const [w, group] of groups.entries()) {
      const hosted: HostedRank[] = group.map((rank) => {
        const { port1, port2 } = new MessageChannel();
        links[rank] = new BatchedLink(flusher, layout);
        links[rank].attach(port1);
        receiveBatches(port1, rank, host().inbox, layout, { onBadBatch: (problem) => fail(new RankFailure(0, problem)) });
        workerOf[rank] = w;
        const client = job.clients[rank - 1] ?? { owned: [], wanted: [] };
        const role = rank === roles.standby ? 'standby' : 'client';
        return { rank, role, files: { owned: client.owned, wanted: client.wanted }, trackerPort: port2, fault: plan.simple.get(rank) };
      });
      const setup: WorkerSetup = {
        size,
        hosted,
        strategy: options.strategy,
        pipeline: options.pipeline,
        outDir: options.outDir,
        counters: countersBuffer,
        epochMs,
        trackers: roles.trackers,
        reportFiles: plan.timed.some((fault) => fault.at.kind === 'file-done'),
      };
      const worker = new Worker(WORKER_ENTRY, { workerData: setup, transferList: hosted.map((h) => h.trackerPort) });
      const unfinished = (): number => group.find((rank) => !settled.has(rank)) ?? group[0];
      worker.on('message', onWorkerMessage);
      const who = group.length > 1 ? ` (in the worker of ranks ${group[0]}-${group[group.length - 1]})` : '';
      worker.on('error', (error) => fail(new RankFailure(unfinished(), `${error.message}${who}`, error.stack)));
      worker.on('online', () => online++);
      worker.on('exit', (code) => {
        if (!finished && group.some((rank) => !settled.has(rank))) {
          fail(new RankFailure(unfinished(), `its worker exited with code ${code} before the run ended${who}`));
        }
      });
      workers.push(worker);
    }
  };

  const describeRanks = async (): Promise<string[]> => {
    const asked = workers.map(async (_, w) =>
      groups[w].every((rank) => dead.has(rank)) ? [] : withTimeout((await controlOf(w)).remote.status(), STATUS_WAIT_MS),
    );
    const answers = await Promise.all(asked);
    const statuses = new Map(answers.flatMap((answer) => answer ?? []).map((status) => [status.rank, status]));
    const lines = [
      `${roles.describe(0)}: ${dead.has(0) ? 'lost' : `${describeWait(host().comm.mailbox.waiting(), host().comm.mailbox.queued)}; ${host().tracker.describe()}`}`,
    ];
    for (const rank of workerRanks) {
      const status = statuses.get(rank);
      const text = dead.has(rank)
        ? 'lost'
        : status
          ? `${describeWait(status.waiting, status.queued)}; ${status.detail}`
          : `did not answer within ${STATUS_WAIT_MS} ms (busy or blocked)`;
      lines.push(`${roles.describe(rank)}: ${text}`);
    }
    return lines;
  };

  // A worker coming online counts as movement: booting hundreds of workers can take longer
  // than the stall timeout before the first message moves.
  const obtained = (): number => {
    let total = 0;
    for (let rank = 1; rank <= roles.clients; rank++) total += Atomics.load(shared, 2 * rank + 1);
    return total;
  };
  const progressed = (): number => online + settled.size + obtained();
  const moved = (): number => {
    let total = host().comm.messagesIn + online;
    for (let rank = 1; rank < size; rank++) total += Atomics.load(shared, 2 * rank);
    return total;
  };

  const timers: NodeJS.Timeout[] = [];
  let stopWatchdog = (): void => undefined;
  try {
    rank0 = new MainThreadTracker(roles, (dest, tag, payload) => links[dest].push(tag, payload), growth.observe, {
      finished: () => settle(0),
      failed: (error) => fail(new RankFailure(0, error.message, error.stack)),
    });
    spawnWorkers();
    options.onStart?.({ progress: () => Array.from({ length: roles.clients }, (_, i) => Atomics.load(shared, 2 * (i + 1) + 1)) });
    for (const fault of plan.timed) {
      if (fault.at.kind === 'time') timers.push(setTimeout(() => schedule.time(secondsSince(epochMs)), fault.at.seconds * 1000));
    }
    if (plan.timed.some((fault) => fault.at.kind === 'segments')) {
      const poll = setInterval(() => (schedule.idle ? clearInterval(poll) : schedule.segments(obtained())), SEGMENT_POLL_MS);
      timers.push(poll);
    }
    const stalled = (timeoutMs: number, what?: string) => (): void => {
      describeRanks().then(
        (lines) => fail(new StallFailure(timeoutMs, lines, what)),
        () => fail(new StallFailure(timeoutMs, ['(the ranks could not be asked)'], what)),
      );
    };
    const stopSilence = startWatchdog(options.stallTimeoutMs, moved, stalled(options.stallTimeoutMs));
    // Messages that keep moving while nobody obtains a segment are a livelock, not progress.
    const livelockMs = LIVELOCK_FACTOR * options.stallTimeoutMs;
    const stopLivelock = startWatchdog(livelockMs, progressed, stalled(livelockMs, 'messages moved but no segment was obtained'));
    stopWatchdog = () => {
      stopSilence();
      stopLivelock();
    };
    await Promise.race([done, failed]);
    counters[0] = trackerCounters(host().comm.messagesIn, host().comm.messagesOut);
    tables.set(0, trackerSummary(0, host().tracker, dead.has(0)));
    const trackers = [...tables.values()].sort((a, b) => a.rank - b.rank);
    const serving = trackers.find((table) => table.served && !table.lost) ?? trackers.find((table) => table.served) ?? trackers[0];
    return {
      ranks: counters,
      swarms: serving.swarms,
      outputs: outputs.sort(),
      progress: timelines,
      swarmGrowth: growth.series(),
      trackers,
      ...(hasFaults(plan) || roles.trackers === 2 ? { faults: schedule.outcome(dead, noTracker) } : {}),
    };
  } finally {
    finished = true;
    stopWatchdog();
    for (const timer of timers) clearTimeout(timer);
    await Promise.allSettled(workers.map((worker) => worker.terminate()));
    for (const link of links) link?.close();
    await Promise.allSettled(controls.map(async (control) => (await control).close()));
  }
}
