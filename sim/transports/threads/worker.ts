/**
 * Worker entry of the threads transport: one or more client ranks per worker, or the
 * standby tracker. Ranks in the same worker hand messages to each other directly; ranks in
 * other threads are reached over a MessageChannel per pair of ranks, wired by the main
 * thread on first use.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { NoTrackerLeft, Peer } from '../../../ranks/peer.js';
import { SWARM_LAYOUT, type SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { STRATEGIES } from '../../../ranks/strategies/index.js';
import { Tracker } from '../../../ranks/tracker.js';
import { MailboxComm } from '../../comm/local-comm.js';
import { writeOutput } from '../../job/outputs.js';
import { summarizeSwarms } from '../../run/result.js';
import { Sampler, secondsSince } from '../../run/timeline.js';
import { decodeBatch, encodeInto } from '../../comm/wire-layout.js';
import { BACK_HEARD, BatchedLink, FlushQueue, receiveBatches, withNotices, type Flushable, type LifeNotice } from '../batched-link.js';
import { faultyTag, type FromWorker, type HostedRank, type ToWorker, type WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
const control = parentPort;
if (!control) throw new Error('thread-worker.js must run as a worker thread');
const tell = (message: FromWorker): void => control.postMessage(message);

const { size } = setup;
const roles = new Roles(size, setup.trackers);
const LAYOUT = withNotices(SWARM_LAYOUT);
const shared = new Int32Array(setup.counters);
const flusher = new FlushQueue();

/**
 * Messages to a rank of this worker, delivered on the same event-loop turn as a port's
 * batch would be flushed: handing them over inside `send` would let two co-hosted ranks
 * trade requests and replies as one long chain of microtasks, starving everything else.
 * Payloads are copied through the wire layout, as a port would copy them.
 */
class LocalLink implements Flushable {
  private batch: unknown[] = [];

  constructor(
    private readonly source: number,
    private readonly dest: Client,
  ) {}

  push(tag: number, payload: unknown): void {
    if (this.batch.length === 0) flusher.mark(this);
    encodeInto(this.batch, SWARM_LAYOUT, tag, payload);
  }

  flush(): void {
    const batch = this.batch;
    this.batch = [];
    this.dest.receiveLocal(this.source, batch);
  }
}

/** One rank living in this worker: a client, or the standby tracker. */
class Client {
  readonly comm: MailboxComm<SwarmPayloads>;
  readonly peer: Peer;
  /** Set when this rank is the standby tracker rather than a client. */
  readonly tracker: Tracker | undefined;
  readonly links: (BatchedLink | LocalLink | undefined)[] = new Array(size);
  readonly timeline = new Sampler();
  readonly outputs: Promise<string>[] = [];
  private readonly delivered: number;
  private readonly obtained: number;

  constructor(readonly hosted: HostedRank) {
    const rank = hosted.rank;
    this.delivered = 2 * rank;
    this.obtained = 2 * rank + 1;
    this.comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => this.post(dest, tag, payload));
    if (hosted.role === 'standby') this.tracker = new Tracker(this.comm, { roles, start: 'standby' });
    this.peer = new Peer(this.comm, hosted.files, {
      strategy: STRATEGIES[setup.strategy](rank, size),
      pipeline: setup.pipeline,
      standby: roles.standby,
      sink: (file, hashes) => {
        // A file done is a moment the timeline must keep.
        this.published(0, true);
        const written = writeOutput(setup.outDir, rank, file, hashes);
        // A write that fails (disk full, a bad folder) ends the run now, naming this rank.
        written.catch((error: unknown) => this.failed(error instanceof Error ? error : new Error(String(error))));
        this.outputs.push(written);
        if (setup.reportFiles) void written.then(() => tell({ type: 'file-done', rank, file }));
      },
    });
    const trackerLink = new BatchedLink(flusher, LAYOUT);
    trackerLink.attach(hosted.trackerPort);
    this.links[0] = trackerLink;
    this.listen(hosted.trackerPort, 0);
  }

  get stalled(): boolean {
    return this.hosted.fault === 'stall';
  }

  /** Publishes figures for the watchdog and the live display, and samples the timeline. */
  published(delivered: number, force = false): void {
    Atomics.add(shared, this.delivered, delivered);
    Atomics.store(shared, this.obtained, this.peer.obtained);
    this.timeline.record(secondsSince(setup.epochMs), [this.peer.obtained], force);
  }

  listen(port: MessagePort, source: number): void {
    if (this.stalled) return;
    // Sampled as batches arrive: the count is what the previous batches brought.
    const inbox = this.comm.inbox();
    // Rank 0 restarted: everything this rank sends it from now on is for its new life, and says so first.
    const rankBack = (rank: number, life: number): void => {
      inbox.rankBack(rank);
      this.links[0]?.push(BACK_HEARD, { rank: this.hosted.rank, life } satisfies LifeNotice);
    };
    receiveBatches(port, source, source === 0 ? { ...inbox, rankBack } : inbox, LAYOUT, {
      onBatch: (count) => this.published(count),
      onBadBatch: (problem) => this.failed(new Error(problem)),
    });
  }

  attach(peerRank: number, port: MessagePort): void {
    let link = this.links[peerRank];
    if (!link) this.links[peerRank] = link = new BatchedLink(flusher, LAYOUT);
    if (!(link instanceof BatchedLink)) throw new Error(`rank ${this.hosted.rank}: a port for rank ${peerRank}, which shares its worker`);
    link.attach(port);
    this.listen(port, peerRank);
  }

  failed(error: Error): void {
    tell({ type: 'failed', rank: this.hosted.rank, error: error.message, stack: error.stack ?? error.message });
  }

  private post(dest: number, sentTag: number, payload: unknown): void {
    const tag = faultyTag(this.hosted.fault, sentTag);
    let link = this.links[dest];
    if (!link) {
      const local = clients.get(dest);
      if (local) {
        this.links[dest] = link = new LocalLink(this.hosted.rank, local);
      } else {
        // No channel to this rank yet: ask the main thread to make one, hold messages meanwhile.
        this.links[dest] = link = new BatchedLink(flusher, LAYOUT);
        tell({ type: 'connect', rank: this.hosted.rank, peer: dest });
      }
    }
    link.push(tag, payload);
  }

  /** A batch from a rank of this worker. */
  receiveLocal(source: number, batch: unknown[]): void {
    if (this.stalled) return;
    const before = this.comm.mailbox.delivered;
    decodeBatch(batch, SWARM_LAYOUT, (tag, payload) => this.comm.mailbox.deliver({ source, tag, payload }));
    this.published(this.comm.mailbox.delivered - before);
  }

  async run(): Promise<void> {
    const rank = this.hosted.rank;
    if (this.tracker) {
      await this.tracker.run();
      flusher.flushAll();
      const { served, state } = this.tracker;
      const { messagesIn, messagesOut } = this.comm;
      tell({ type: 'tracker-done', rank, served, swarms: summarizeSwarms(state), messagesIn, messagesOut });
      return;
    }
    if (this.hosted.fault === 'crash') throw new Error('injected crash (--fault crash)');
    if (this.hosted.fault === 'exit') process.exit(3);
    this.timeline.record(secondsSince(setup.epochMs), [0], true);
    let report;
    try {
      report = await this.peer.run();
    } catch (error) {
      if (!(error instanceof NoTrackerLeft)) throw error;
      const outputs = await Promise.allSettled(this.outputs);
      const written = outputs.flatMap((output) => (output.status === 'fulfilled' ? [output.value] : []));
      tell({
        type: 'stranded',
        rank,
        reason: error.message,
        report: this.peer.snapshot(),
        outputs: written,
        timeline: this.timeline.samples(),
      });
      return;
    }
    const written = await Promise.all(this.outputs);
    flusher.flushAll();
    tell({
      type: 'done',
      rank,
      report,
      messagesIn: this.comm.messagesIn,
      messagesOut: this.comm.messagesOut,
      outputs: written,
      timeline: this.timeline.samples(),
    });
  }
}

const clients = new Map<number, Client>();
for (const hosted of setup.hosted) clients.set(hosted.rank, new Client(hosted));

/** Loaded on first use (a stall report): most runs never pay for comlink. */
async function openControl(port: MessagePort): Promise<void> {
  const { serveControl } = await import('./worker-control.js');
  serveControl(port, {
    status: () =>
      [...clients.values()].map((client) => ({
        rank: client.hosted.rank,
        waiting: client.comm.mailbox.waiting(),
        queued: client.comm.mailbox.queued,
        detail: client.tracker?.describe() ?? client.peer.describe(),
      })),
  });
}

control.on('message', (message: ToWorker) => {
  if (message.type === 'control') {
    void openControl(message.port);
    return;
  }
  const client = clients.get(message.rank);
  if (!client) throw new Error(`a port for rank ${message.rank}, which this worker does not host`);
  client.attach(message.peer, message.port);
});

// The main thread terminates this worker once every rank is done.
for (const client of clients.values()) {
  client.run().catch((error: unknown) => client.failed(error instanceof Error ? error : new Error(String(error))));
}
