/**
 * One run on worker threads, from the main thread's side: it spawns the workers, wires the
 * links, carries out faults and answers stall reports. What ends the run and what its
 * result is, the ledger decides.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import type { Roles } from '../../../ranks/roles.js';
import { RANK_LOST } from '../../comm/comm.js';
import { emptyPlan, type FaultPlan } from '../../faults/plan.js';
import type { Job } from '../../job/inputs.js';
import { RankFailure, type RunFailure } from '../../run/failures.js';
import { trackerEndOf, type RunLedger } from '../../run/ledger.js';
import { recordEnd } from '../../run/rank-ends.js';
import { SwarmGrowth } from '../../run/result.js';
import { now, secondsSince } from '../../run/timeline.js';
import { BatchedLink, FlushQueue, RANK_BACK, receiveBatches, withNotices, type LifeNotice, type LinkNotice } from '../batched-link.js';
import { clientChurn } from '../../job/arrivals.js';
import type { RankControl, TransportOptions } from '../transport.js';
import { describeRanks, describeThreads } from './describe.js';
import { automaticWorkers, placeWorkers } from './placement.js';
import { MainThreadTracker } from './main-tracker.js';
import type { FromWorker, HostedRank, SetupMessage, ToWorker, WorkerSetup } from './protocol.js';
import { spareCount, takeWorker, warmWorkers } from './spare-workers.js';
import { addressSpaceLimit, workersThatFit } from './address-space.js';
import type { ControlClient } from './worker-control.js';
import { TraceCollector } from '../../trace/recorder.js';
import { JobLists } from './job-lists.js';

export class ThreadsRun implements RankControl {
  readonly epochMs = now();
  readonly growth = new SwarmGrowth(() => secondsSince(this.epochMs));
  private readonly size: number;
  private readonly plan: FaultPlan;
  private readonly countersBuffer: SharedArrayBuffer;
  private readonly firstRequests: Float64Array;
  /** Int32 pairs per rank: [messages delivered, segments obtained]. */
  private readonly shared: Int32Array;
  private readonly links: BatchedLink[];
  readonly workers: Worker[] = [];
  /** The worker hosting each rank but 0. */
  private readonly workerOf: Int32Array;
  readonly groups: number[][];
  private readonly controls: Promise<ControlClient>[] = [];
  private readonly connected = new Set<number>();
  private readonly workerRanks: number[];
  readonly rank0: MainThreadTracker;
  private rank0Life = 0;
  private online = 0;
  finished = false;
  /** `--trace`: every rank's deliveries, merged at the end. */
  readonly trace: TraceCollector | undefined;
  /** The job's hash lists, numbered for every link of the run. */
  private readonly lists: JobLists;

  constructor(
    private readonly job: Job,
    private readonly roles: Roles,
    private readonly options: TransportOptions,
    private readonly ledger: RunLedger,
    private readonly fail: (failure: RunFailure) => void,
  ) {
    this.size = roles.size;
    this.plan = options.faults ?? emptyPlan();
    this.countersBuffer = new SharedArrayBuffer(8 * this.size);
    this.shared = new Int32Array(this.countersBuffer);
    this.firstRequests = new Float64Array(new SharedArrayBuffer(8 * this.size));
    this.links = new Array<BatchedLink>(this.size);
    this.workerOf = new Int32Array(this.size).fill(-1);
    this.workerRanks = Array.from({ length: this.size - 1 }, (_, i) => i + 1);
    const clientGroups = placeWorkers(roles.clients, options.workers, this.plan);
    this.groups = roles.standby === undefined ? clientGroups : [...clientGroups, [roles.standby]];
    this.trace = options.trace && new TraceCollector(options.trace, this.epochMs);
    this.lists = new JobLists(job);
    // Started before any worker, so that nothing a worker sends can miss it.
    this.rank0 = new MainThreadTracker(roles, (dest, tag, payload) => this.links[dest].push(tag, payload), this.growth.observe, {
      finished: () => this.settled(() => ledger.rankFinished(0)),
      failed: (error) => fail(new RankFailure(0, error.message, error.stack)),
      traced: this.trace?.add,
      stateDir: options.trackerState,
    });
  }

  /** When the first segment request of the run went out, absolute ms; undefined if none did. */
  firstRequestAt(): number | undefined {
    let first: number | undefined;
    for (const at of this.firstRequests) if (at > 0 && (first === undefined || at < first)) first = at;
    return first;
  }

  /** Segments obtained so far by each client. */
  progress(): number[] {
    return Array.from({ length: this.roles.clients }, (_, i) => this.obtainedBy(i + 1));
  }

  obtained(): number {
    let total = 0;
    for (let rank = 1; rank <= this.roles.clients; rank++) total += this.obtainedBy(rank);
    return total;
  }

  /** Messages delivered anywhere; a worker coming online counts too: booting hundreds of workers can outlast the stall timeout. */
  moved(): number {
    let total = this.rank0.comm.messagesIn + this.online;
    for (let rank = 1; rank < this.size; rank++) total += Atomics.load(this.shared, 2 * rank);
    return total;
  }

  progressed(): number {
    return this.online + this.ledger.settledCount + this.obtained();
  }

  kill(rank: number, reason: string): void {
    if (rank === 0) return this.kill0(reason);
    if (this.ledger.isLost(rank)) return;
    this.settled(() => this.ledger.rankLost(rank, { obtained: this.obtainedBy(rank) }));
    void this.workers[this.workerOf[rank]].terminate();
    this.rank0.comm.rankLost(rank, reason);
    this.tellAll(RANK_LOST, { rank, reason });
  }

  /** Only rank 0 restarts on threads: a worker rank's restart is refused when the plan is checked. */
  restart(rank: number, reason: string): void {
    this.kill0(reason);
    this.ledger.rankBack(0);
    this.tellAll(RANK_BACK, { rank, life: ++this.rank0Life });
    const [lost, live] = [true, false].map((wanted) => this.workerRanks.filter((other) => this.ledger.isLost(other) === wanted));
    this.rank0.restart(this.rank0Life, live, lost);
    this.stopLateNewcomer();
  }

  waiting(): Promise<string[]> {
    return describeThreads({
      roles: this.roles,
      rank0: this.rank0,
      groups: this.groups,
      isLost: (rank) => this.ledger.isLost(rank),
      control: (w) => this.controlOf(w),
    });
  }

  start(): void {
    const layout = withNotices(SWARM_LAYOUT);
    const flusher = new FlushQueue();
    for (const [w, group] of this.groups.entries()) {
      const hosted: HostedRank[] = group.map((rank) => {
        const { port1, port2 } = new MessageChannel();
        this.links[rank] = new BatchedLink(flusher, layout, this.lists.table);
        this.links[rank].attach(port1);
        const onBadBatch = (problem: string): void => this.fail(new RankFailure(0, problem));
        receiveBatches(port1, rank, this.rank0.inbox, layout, { onBadBatch }, this.lists.table);
        this.workerOf[rank] = w;
        const client = this.job.clients[rank - 1] ?? { owned: [], wanted: [] };
        const role = rank === this.roles.standby ? 'standby' : 'client';
        return {
          rank,
          role,
          files: { owned: client.owned, wanted: client.wanted },
          trackerPort: port2,
          fault: this.plan.simple.get(rank),
          freeRider: this.options.freeRiders?.includes(rank),
          ...clientChurn(this.options.churn, rank),
        };
      });
      this.spawn(group, hosted);
    }
  }

  /** The end: rank 0's counters and table, read from the tracker in this thread. */
  closeBooks(): void {
    const { comm, tracker } = this.rank0;
    const end = trackerEndOf(tracker, 0, comm.messagesIn, comm.messagesOut);
    this.ledger.trackerEnded(0, end);
    // Even a lost rank 0's messages count: they were sent and received in this thread.
    this.ledger.setCounters(0, end.counters);
  }

  async close(): Promise<void> {
    this.finished = true;
    await Promise.allSettled(this.workers.map((worker) => worker.terminate()));
    for (const link of this.links) link?.close();
    await Promise.allSettled(this.controls.map(async (control) => (await control).close()));
  }

  private spawn(group: number[], hosted: HostedRank[]): void {
    const setup: WorkerSetup = {
      size: this.size,
      hosted,
      strategy: this.options.strategy,
      pipeline: this.options.pipeline,
      outDir: this.options.outDir,
      counters: this.countersBuffer,
      firstRequests: this.firstRequests.buffer as SharedArrayBuffer,
      epochMs: this.epochMs,
      trackers: this.roles.trackers,
      trackerReturns: this.options.trackerState !== undefined,
      reportFiles: this.plan.timed.some((fault) => fault.at.kind === 'file-done'),
      trace: this.trace !== undefined,
      interned: this.lists.forWorker(hosted),
    };
    const { worker, online, early } = takeWorker();
    worker.postMessage(
      { type: 'setup', setup } satisfies SetupMessage,
      hosted.map((h) => h.trackerPort),
    );
    const unfinished = (): number => group.find((rank) => !this.ledger.isSettled(rank)) ?? group[0];
    const who = group.length > 1 ? ` (in the worker of ranks ${describeRanks(group)})` : '';
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => this.fail(new RankFailure(unfinished(), `${error.message}${who}`, error.stack)));
    if (online) this.cameOnline();
    else worker.on('online', () => this.cameOnline());
    if (early) queueMicrotask(() => this.fail(new RankFailure(unfinished(), `${early.message}${who}`, early.stack)));
    worker.on('exit', (code) => {
      if (!this.finished && group.some((rank) => !this.ledger.isSettled(rank))) {
        this.fail(new RankFailure(unfinished(), `its worker exited with code ${code} before the run ended${who}`));
      }
    });
    this.workers.push(worker);
  }

  /** Once all of this run's workers are online (their address space taken), the next run's may boot (`warmNext`). */
  private cameOnline(): void {
    if (++this.online < this.groups.length || !this.options.warmNext) return;
    warmWorkers(Math.min(this.groups.length, automaticWorkers(), workersThatFit(addressSpaceLimit(), spareCount())));
  }

  private onMessage(message: FromWorker): void {
    const rank = message.rank;
    if (this.ledger.isLost(rank)) return;
    switch (message.type) {
      case 'connect':
        return this.connect(rank, message.peer);
      case 'trace':
        return this.trace?.add(message.records);
      case 'done':
      case 'stranded':
      case 'tracker-done':
        return this.settled(() => recordEnd(this.ledger, rank, message, true));
      case 'file-done':
        return this.ledger.faults.fileDone(rank, message.file);
      case 'failed':
        return this.fail(new RankFailure(rank, message.message, message.stack));
    }
  }

  private kill0(reason: string): void {
    if (this.ledger.isLost(0)) return;
    this.rank0.kill();
    this.settled(() => this.ledger.rankLost(0));
    // Rank 0's loss travels on its own links, after everything it sent while alive.
    this.tellAll(RANK_LOST, { rank: 0, reason });
  }

  /** Records a rank settling, then stops a restarted rank 0 left waiting for a catch-up nobody will send. */
  private settled(record: () => void): void {
    record();
    this.stopLateNewcomer();
  }

  /**
   * Every other rank has ended, and rank 0 was restarted: nothing can reach it any more, and
   * it would wait for ever, whether for a catch-up (it came too late) or for clients to
   * rejoin (they found no tracker alive while it restarted, the standby lost, and stopped).
   */
  private stopLateNewcomer(): void {
    if (this.ledger.isSettled(0) || this.rank0Life === 0 || !this.ledger.othersSettled(0)) return;
    this.ledger.rankFinished(0);
  }

  private connect(a: number, b: number): void {
    const key = Math.min(a, b) * this.size + Math.max(a, b);
    if (this.connected.has(key) || this.ledger.isLost(a) || this.ledger.isLost(b)) return;
    this.connected.add(key);
    const { port1, port2 } = new MessageChannel();
    this.workers[this.workerOf[a]].postMessage({ type: 'port', rank: a, peer: b, port: port1 } satisfies ToWorker, [port1]);
    this.workers[this.workerOf[b]].postMessage({ type: 'port', rank: b, peer: a, port: port2 } satisfies ToWorker, [port2]);
  }

  /** A notice to every live worker rank, on rank 0's links: in order with every earlier notice. */
  private tellAll(tag: typeof RANK_LOST, notice: LinkNotice): void;
  private tellAll(tag: typeof RANK_BACK, notice: LifeNotice): void;
  private tellAll(tag: number, notice: LinkNotice | LifeNotice): void {
    for (let dest = 1; dest < this.size; dest++) if (!this.ledger.isLost(dest)) this.links[dest].push(tag, notice);
  }

  /** A worker's control channel, opened on first use (a stall report). */
  private controlOf(w: number): Promise<ControlClient> {
    this.controls[w] ??= import('./worker-control.js').then(({ controlClient }) => {
      const { port1, port2 } = new MessageChannel();
      this.workers[w].postMessage({ type: 'control', port: port2 } satisfies ToWorker, [port2]);
      return controlClient(port1);
    });
    return this.controls[w];
  }

  private obtainedBy(rank: number): number {
    return Atomics.load(this.shared, 2 * rank + 1);
  }
}
