/**
 * The threads transport: the tracker runs in the main thread, the clients in worker threads
 * (one each by default, or packed several to a worker). Clients in different workers talk
 * over a MessageChannel per pair, made on first use by the main thread, so traffic between
 * clients never passes through rank 0.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Pipeline } from '../../ranks/download.js';
import { SWARM_LAYOUT, type SwarmPayloads } from '../../ranks/protocol.js';
import type { StrategyName } from '../../ranks/strategies/index.js';
import { Roles } from '../../ranks/roles.js';
import { Tracker } from '../../ranks/tracker.js';
import { RankFailure, RunFailure, StallFailure } from '../failures.js';
import type { FaultPlan } from '../faults/plan.js';
import type { Job } from '../inputs.js';
import { MailboxComm } from '../local-comm.js';
import { clientCounters, summarizeSwarms, SwarmGrowth, trackerCounters, type RankResult, type RunResult } from '../run-result.js';
import { now, secondsSince, type Samples } from '../timeline.js';
import { startWatchdog } from '../watchdog.js';
import { BatchedLink, FlushQueue, receiveBatches } from './batched-link.js';
import type { FromWorker, HostedRank, ThreadFault, ToWorker, WorkerSetup } from './thread-control.js';
import { describeWait, withTimeout } from './rank-status.js';
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

const WORKER_ENTRY = new URL('./thread-worker.js', import.meta.url);
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

export async function runOnThreads(job: Job, options: ThreadRunOptions): Promise<RunResult> {
  const size = job.ranks;
  const epochMs = now();
  const growth = new SwarmGrowth(() => secondsSince(epochMs));
  const countersBuffer = new SharedArrayBuffer(8 * size);
  const shared = new Int32Array(countersBuffer);
  const flusher = new FlushQueue();
  const links: BatchedLink[] = new Array(size);
  const comm = new MailboxComm<SwarmPayloads>(0, size, (dest, tag, payload) => links[dest].push(tag, payload));
  const tracker = new Tracker(comm, { roles: new Roles(size, 1), observe: growth.observe });
  const workers: Worker[] = [];
  /** The worker hosting each client rank. */
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
  const timelines: Samples[] = Array.from({ length: size - 1 }, () => []);
  const counters: RankResult[] = new Array(size);
  const outputs: string[] = [];
  const connected = new Set<number>();
  let clientsDone = 0;
  let online = 0;
  let finished = false;

  let fail: (failure: RunFailure) => void = () => undefined;
  let allDone: () => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const done = new Promise<void>((resolve) => (allDone = resolve));
  failed.catch(() => undefined);

  const connect = (a: number, b: number): void => {
    const key = Math.min(a, b) * size + Math.max(a, b);
    if (connected.has(key)) return;
    connected.add(key);
    const { port1, port2 } = new MessageChannel();
    workers[workerOf[a]].postMessage({ type: 'port', rank: a, peer: b, port: port1 } satisfies ToWorker, [port1]);
    workers[workerOf[b]].postMessage({ type: 'port', rank: b, peer: a, port: port2 } satisfies ToWorker, [port2]);
  };

  const onWorkerMessage = (message: FromWorker): void => {
    const rank = message.rank;
    switch (message.type) {
      case 'connect':
        connect(rank, message.peer);
        break;
      case 'done':
        counters[rank] = clientCounters(rank, message.report, message.messagesIn, message.messagesOut);
        timelines[rank - 1] = message.timeline;
        outputs.push(...message.outputs);
        if (++clientsDone === size - 1) allDone();
        break;
      case 'failed':
        fail(new RankFailure(rank, message.error, message.stack));
        break;
    }
  };

  const groups = groupClients(size - 1, options.workers ?? size - 1);
  const spawnWorkers = (): void => {
    for (const [w, group] of groups.entries()) {
      const hosted: HostedRank[] = group.map((rank) => {
        const { port1, port2 } = new MessageChannel();
        links[rank] = new BatchedLink(flusher, SWARM_LAYOUT);
        links[rank].attach(port1);
        receiveBatches(port1, rank, comm.mailbox, SWARM_LAYOUT, { onBadBatch: (problem) => fail(new RankFailure(0, problem)) });
        workerOf[rank] = w;
        const files = { owned: job.clients[rank - 1].owned, wanted: job.clients[rank - 1].wanted };
        return { rank, files, trackerPort: port2, fault: options.faults?.simple.get(rank) };
      });
      const setup: WorkerSetup = {
        size,
        hosted,
        strategy: options.strategy,
        pipeline: options.pipeline,
        outDir: options.outDir,
        counters: countersBuffer,
        epochMs,
      };
      const worker = new Worker(WORKER_ENTRY, { workerData: setup, transferList: hosted.map((h) => h.trackerPort) });
      const unfinished = (): number => group.find((rank) => counters[rank] === undefined) ?? group[0];
      worker.on('message', onWorkerMessage);
      const who = group.length > 1 ? ` (in the worker of ranks ${group[0]}-${group[group.length - 1]})` : '';
      worker.on('error', (error) => fail(new RankFailure(unfinished(), `${error.message}${who}`, error.stack)));
      worker.on('online', () => online++);
      worker.on('exit', (code) => {
        if (!finished && group.some((rank) => counters[rank] === undefined)) {
          fail(new RankFailure(unfinished(), `its worker exited with code ${code} before the run ended${who}`));
        }
      });
      workers.push(worker);
    }
  };

  const clientRanks = Array.from({ length: size - 1 }, (_, i) => i + 1);
  const describeRanks = async (): Promise<string[]> => {
    const answers = await Promise.all(workers.map(async (_, w) => withTimeout((await controlOf(w)).remote.status(), STATUS_WAIT_MS)));
    const statuses = new Map(answers.flatMap((answer) => answer ?? []).map((status) => [status.rank, status]));
    const lines = [`rank 0 (tracker): ${describeWait(comm.mailbox.waiting(), comm.mailbox.queued)}`];
    for (const rank of clientRanks) {
      const status = statuses.get(rank);
      const text = status
        ? `${describeWait(status.waiting, status.queued)}; ${status.detail}`
        : `did not answer within ${STATUS_WAIT_MS} ms (busy or blocked)`;
      lines.push(`rank ${rank}: ${text}`);
    }
    return lines;
  };

  // A worker coming online counts as movement: booting hundreds of workers can take longer
  // than the stall timeout before the first message moves.
  const progressed = (): number => {
    let total = online + clientsDone;
    for (let rank = 1; rank < size; rank++) total += Atomics.load(shared, 2 * rank + 1);
    return total;
  };
  const moved = (): number => {
    let total = comm.messagesIn + online;
    for (let rank = 1; rank < size; rank++) total += Atomics.load(shared, 2 * rank);
    return total;
  };

  let stopWatchdog = (): void => undefined;
  try {
    spawnWorkers();
    options.onStart?.({ progress: () => clientRanks.map((rank) => Atomics.load(shared, 2 * rank + 1)) });
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
    const trackerRun = tracker.run().catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      throw new RankFailure(0, failure.message, failure.stack);
    });
    await Promise.race([Promise.all([trackerRun, done]), failed]);
    counters[0] = trackerCounters(comm.messagesIn, comm.messagesOut);
    return {
      ranks: counters,
      swarms: summarizeSwarms(tracker),
      outputs: outputs.sort(),
      progress: timelines,
      swarmGrowth: growth.series(),
    };
  } finally {
    finished = true;
    stopWatchdog();
    await Promise.allSettled(workers.map((worker) => worker.terminate()));
    for (const link of links) link?.close();
    await Promise.allSettled(controls.map(async (control) => (await control).close()));
  }
}
