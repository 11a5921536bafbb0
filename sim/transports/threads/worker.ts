/**
 * Worker entry of the threads transport: one or more client ranks per worker, or the
 * standby tracker, each run by the rank host. Ranks in the same worker hand messages to
 * each other directly; ranks in other threads are reached over a MessageChannel per pair of
 * ranks, wired by the main thread on first use.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { SWARM_LAYOUT, Tag, type SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { MailboxComm } from '../../comm/local-comm.js';
import type { Letter } from '../../comm/mailbox.js';
import { writeOutput } from '../../job/outputs.js';
import { hostRank, type RankHost } from '../../rank-host/rank-host.js';
import { failedReport } from '../../rank-host/reports.js';
import { now, secondsSince } from '../../run/timeline.js';
import { strategyFactory } from '../../strategies/load.js';
import { InternedLists } from '../../comm/wire-layout.js';
import { BACK_HEARD, BatchedLink, FlushQueue, LocalLink, receiveBatches, withNotices, type LifeNotice } from '../batched-link.js';
import type { FromWorker, HostedRank, SetupMessage, ToWorker, WorkerSetup } from './protocol.js';
import type { DeliveryRecord } from '../../trace/recorder.js';

const control = parentPort;
if (!control) throw new Error('thread-worker.js must run as a worker thread');

/**
 * The run comes as the first message: a worker may boot before its run is known
 * (spare-workers.ts). What follows it waits in `early` until this worker's ranks exist:
 * one listener all along, so that no message can fall between two.
 */
const early: ToWorker[] = [];
let handle = (message: ToWorker): void => void early.push(message);
const setup = await new Promise<WorkerSetup>((resolve) => {
  control.on('message', (message: SetupMessage | ToWorker) => (message.type === 'setup' ? resolve(message.setup) : handle(message)));
});
const tell = (message: FromWorker): void => control.postMessage(message);

const { size } = setup;
const roles = new Roles(size, setup.trackers);
const LAYOUT = withNotices(SWARM_LAYOUT);
// The lists of the files this worker's ranks own or want, at the main thread's numbers (job-lists.ts).
const INTERNED = new InternedLists(setup.interned);
const shared = new Int32Array(setup.counters);
const firstRequests = new Float64Array(setup.firstRequests);
const flusher = new FlushQueue();
// Loaded before any rank exists: a user's module is imported once per worker.
const strategy = await strategyFactory(setup.strategy);

/** One rank living in this worker, and its links to every other rank. */
class WorkerRank {
  readonly comm: MailboxComm<SwarmPayloads>;
  readonly host: RankHost;
  readonly links: (BatchedLink | LocalLink | undefined)[] = new Array(size);
  private readonly delivered: number;
  private readonly obtained: number;

  constructor(readonly hosted: HostedRank) {
    const rank = hosted.rank;
    this.delivered = 2 * rank;
    this.obtained = 2 * rank + 1;
    this.comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => this.post(dest, tag, payload));
    const trace = setup.trace ? (records: DeliveryRecord[]) => tell({ type: 'trace', rank, records }) : undefined;
    const common = { comm: this.comm, roles, fault: hosted.fault, trace };
    this.host =
      hosted.role === 'standby'
        ? hostRank({ ...common, role: 'standby' })
        : hostRank({
            ...common,
            role: 'client',
            files: hosted.files,
            strategy,
            freeRider: hosted.freeRider,
            arriveMs: hosted.arriveMs,
            seedTimeMs: hosted.seedTimeMs,
            trackerReturns: setup.trackerReturns,
            pipeline: setup.pipeline,
            clock: () => secondsSince(setup.epochMs),
            output: (file, hashes) => {
              // The count at a file's end, at once: a fault may wait for the last segment.
              Atomics.store(shared, this.obtained, this.host.obtained);
              const written = writeOutput(setup.outDir, rank, file, hashes);
              if (setup.reportFiles)
                written.then(
                  () => tell({ type: 'file-done', rank, file }),
                  () => undefined,
                );
              return written;
            },
          });
    const trackerLink = new BatchedLink(flusher, LAYOUT, INTERNED);
    trackerLink.attach(hosted.trackerPort);
    this.links[0] = trackerLink;
    this.listen(hosted.trackerPort, 0);
  }

  /** Publishes figures for the watchdog and the live display, and samples the timeline. */
  published(delivered: number): void {
    Atomics.add(shared, this.delivered, delivered);
    Atomics.store(shared, this.obtained, this.host.obtained);
    this.host.sample();
  }

  listen(port: MessagePort, source: number): void {
    // Sampled as batches arrive: the count is what the previous batches brought.
    const inbox = this.comm.inbox();
    // Rank 0 restarted: everything this rank sends it from now on is for its new life, and says so first.
    const rankBack = (rank: number, life: number): void => {
      inbox.rankBack(rank);
      this.links[0]?.push(BACK_HEARD, { rank: this.hosted.rank, life } satisfies LifeNotice);
    };
    receiveBatches(
      port,
      source,
      source === 0 ? { ...inbox, rankBack } : inbox,
      LAYOUT,
      {
        onBatch: (count) => this.published(count),
        onBadBatch: (problem) => this.failed(new Error(problem)),
      },
      INTERNED,
    );
  }

  attach(peerRank: number, port: MessagePort): void {
    let link = this.links[peerRank];
    if (!link) this.links[peerRank] = link = new BatchedLink(flusher, LAYOUT, INTERNED);
    if (!(link instanceof BatchedLink)) throw new Error(`rank ${this.hosted.rank}: a port for rank ${peerRank}, which shares its worker`);
    link.attach(port);
    this.listen(port, peerRank);
  }

  failed(error: unknown): void {
    tell({ ...failedReport(error), rank: this.hosted.rank });
  }

  private post(dest: number, tag: number, payload: unknown): void {
    if (tag === Tag.SEGMENT_REQUEST && firstRequests[this.hosted.rank] === 0) firstRequests[this.hosted.rank] = now();
    let link = this.links[dest];
    if (!link) {
      const local = ranks.get(dest);
      if (local) {
        this.links[dest] = link = new LocalLink(flusher, this.hosted.rank, (batch) => local.receiveLocal(batch));
      } else {
        // No channel to this rank yet: ask the main thread to make one, hold messages meanwhile.
        this.links[dest] = link = new BatchedLink(flusher, LAYOUT, INTERNED);
        tell({ type: 'connect', rank: this.hosted.rank, peer: dest });
      }
    }
    link.push(tag, payload);
  }

  /** A batch from a rank of this worker. */
  receiveLocal(batch: readonly Letter[]): void {
    const before = this.comm.mailbox.delivered;
    for (const letter of batch) this.comm.mailbox.deliver(letter);
    this.published(this.comm.mailbox.delivered - before);
  }

  async run(): Promise<void> {
    const end = await this.host.run();
    // What the rank sent last goes out before its end is told: the worker may be terminated then.
    flusher.flushAll();
    if (end.type === 'exit') process.exit(end.code);
    tell({ ...end, rank: this.hosted.rank });
  }
}

const ranks = new Map<number, WorkerRank>();
for (const hosted of setup.hosted) ranks.set(hosted.rank, new WorkerRank(hosted));

/** Loaded on first use (a stall report): most runs never pay for comlink. */
async function openControl(port: MessagePort): Promise<void> {
  const { serveControl } = await import('./worker-control.js');
  serveControl(port, {
    status: () => [...ranks.values()].map(({ hosted, host }) => ({ rank: hosted.rank, ...host.status() })),
  });
}

handle = (message) => {
  if (message.type === 'control') {
    void openControl(message.port);
    return;
  }
  const rank = ranks.get(message.rank);
  if (!rank) throw new Error(`a port for rank ${message.rank}, which this worker does not host`);
  rank.attach(message.peer, message.port);
};
for (const message of early.splice(0)) handle(message);

// The main thread terminates this worker once every rank is done.
for (const rank of ranks.values()) {
  rank.run().catch((error: unknown) => rank.failed(error));
}
