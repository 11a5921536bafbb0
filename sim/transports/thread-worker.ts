/**
 * Worker entry of the threads transport: one or more client ranks per worker. Ranks in the
 * same worker hand messages to each other directly; ranks in other threads are reached over
 * a MessageChannel per pair of ranks, wired by the main thread on first use.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Peer } from '../../ranks/peer.js';
import { SWARM_LAYOUT, type SwarmPayloads } from '../../ranks/protocol.js';
import { STRATEGIES } from '../../ranks/strategies/index.js';
import { MailboxComm } from '../local-comm.js';
import { writeOutput } from '../outputs.js';
import { Sampler, secondsSince } from '../timeline.js';
import { decodeBatch, encodeInto } from '../wire-layout.js';
import { BatchedLink, FlushQueue, receiveBatches } from './batched-link.js';
import type { FromWorker, HostedRank, ToWorker, WorkerSetup } from './thread-control.js';

const setup = workerData as WorkerSetup;
const control = parentPort;
if (!control) throw new Error('thread-worker.js must run as a worker thread');
const tell = (message: FromWorker): void => control.postMessage(message);

const { size } = setup;
const shared = new Int32Array(setup.counters);
const flusher = new FlushQueue();

/** One client rank living in this worker. */
class Client {
  readonly comm: MailboxComm<SwarmPayloads>;
  readonly peer: Peer;
  readonly links: (BatchedLink | undefined)[] = new Array(size);
  readonly timeline = new Sampler();
  readonly outputs: Promise<string>[] = [];
  private readonly delivered: number;
  private readonly obtained: number;

  constructor(readonly hosted: HostedRank) {
    const rank = hosted.rank;
    this.delivered = 2 * rank;
    this.obtained = 2 * rank + 1;
    this.comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => this.post(dest, tag, payload));
    this.peer = new Peer(this.comm, hosted.files, {
      strategy: STRATEGIES[setup.strategy](rank, size),
      pipeline: setup.pipeline,
      sink: (file, hashes) => {
        this.published(0);
        this.timeline.record(secondsSince(setup.epochMs), [this.peer.obtained], true);
        this.outputs.push(writeOutput(setup.outDir, rank, file, hashes));
      },
    });
    const trackerLink = new BatchedLink(flusher, SWARM_LAYOUT);
    trackerLink.attach(hosted.trackerPort);
    this.links[0] = trackerLink;
    this.listen(hosted.trackerPort, 0);
  }

  get stalled(): boolean {
    return this.hosted.fault === 'stall';
  }

  /** Publishes figures for the watchdog and the live display, and samples the timeline. */
  published(delivered: number): void {
    Atomics.add(shared, this.delivered, delivered);
    Atomics.store(shared, this.obtained, this.peer.obtained);
    this.timeline.record(secondsSince(setup.epochMs), [this.peer.obtained]);
  }

  listen(port: MessagePort, source: number): void {
    if (this.stalled) return;
    // Sampled as batches arrive: the count is what the previous batches brought.
    receiveBatches(port, source, this.comm.mailbox, SWARM_LAYOUT, (count) => this.published(count));
  }

  attach(peerRank: number, port: MessagePort): void {
    let link = this.links[peerRank];
    if (!link) this.links[peerRank] = link = new BatchedLink(flusher, SWARM_LAYOUT);
    link.attach(port);
    this.listen(port, peerRank);
  }

  private post(dest: number, tag: number, payload: unknown): void {
    const local = clients.get(dest);
    if (local) {
      local.receiveLocal(this.hosted.rank, tag, payload);
      return;
    }
    let link = this.links[dest];
    if (!link) {
      // No channel to this rank yet: ask the main thread to make one, hold messages meanwhile.
      this.links[dest] = link = new BatchedLink(flusher, SWARM_LAYOUT);
      tell({ type: 'connect', rank: this.hosted.rank, peer: dest });
    }
    link.push(tag, payload);
  }

  /** A message from a rank of this worker: copied through the wire layout, as MPI copies. */
  private receiveLocal(source: number, tag: number, payload: unknown): void {
    if (this.stalled) return;
    const flat: unknown[] = [];
    encodeInto(flat, SWARM_LAYOUT, tag, payload);
    decodeBatch(flat, SWARM_LAYOUT, (t, copy) => this.comm.mailbox.deliver({ source, tag: t, payload: copy }));
    this.published(1);
  }

  async run(): Promise<void> {
    const rank = this.hosted.rank;
    if (this.hosted.fault === 'crash') throw new Error('injected crash (--fault crash)');
    if (this.hosted.fault === 'exit') process.exit(3);
    this.timeline.record(secondsSince(setup.epochMs), [0], true);
    const report = await this.peer.run();
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
        detail: client.peer.describe(),
      })),
  });
}

control.on('message', (message: ToWorker) => {
  if (message.type === 'control') void openControl(message.port);
  else clients.get(message.rank)?.attach(message.peer, message.port);
});

// The main thread terminates this worker once every rank is done.
for (const client of clients.values()) {
  client.run().catch((error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    tell({ type: 'failed', rank: client.hosted.rank, error: failure.message, stack: failure.stack ?? failure.message });
  });
}
