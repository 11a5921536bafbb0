/** Worker entry of the threads transport: one client rank per worker. */
import { parentPort, workerData } from 'node:worker_threads';
import { Peer } from '../../ranks/peer.js';
import { SWARM_LAYOUT, type SwarmPayloads } from '../../ranks/protocol.js';
import { STRATEGIES } from '../../ranks/strategies/index.js';
import { MailboxComm } from '../local-comm.js';
import { writeOutput } from '../outputs.js';
import { Sampler, secondsSince } from '../timeline.js';
import { BatchedLink, FlushQueue, receiveBatches } from './batched-link.js';
import type { FromWorker, ToWorker, WorkerSetup } from './thread-control.js';

const setup = workerData as WorkerSetup;
const control = parentPort;
if (!control) throw new Error('thread-worker.js must run as a worker thread');
const tell = (message: FromWorker): void => control.postMessage(message);

const { rank, size } = setup;
const counters = new Int32Array(setup.counters);
const DELIVERED = 2 * setup.rank;
const OBTAINED = DELIVERED + 1;
const flusher = new FlushQueue();
const links: (BatchedLink | undefined)[] = new Array(size);

const comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => {
  let link = links[dest];
  if (!link) {
    // No channel to this rank yet: ask the main thread to make one, hold messages meanwhile.
    links[dest] = link = new BatchedLink(flusher, SWARM_LAYOUT);
    tell({ type: 'connect', peer: dest });
  }
  link.push(tag, payload);
});

const outputs: Promise<string>[] = [];
const timeline = new Sampler();
const peer = new Peer(comm, setup.files, {
  strategy: STRATEGIES[setup.strategy](rank, size),
  pipeline: setup.pipeline,
  sink: (file, hashes) => {
    Atomics.store(counters, OBTAINED, peer.obtained);
    timeline.record(secondsSince(setup.epochMs), [peer.obtained], true);
    outputs.push(writeOutput(setup.outDir, rank, file, hashes));
  },
});

function listen(port: WorkerSetup['trackerPort'], source: number): void {
  if (setup.fault === 'stall') return;
  receiveBatches(port, source, comm.mailbox, SWARM_LAYOUT, (count) => {
    // Published and sampled as batches arrive: the count is what the previous batches brought.
    Atomics.add(counters, DELIVERED, count);
    Atomics.store(counters, OBTAINED, peer.obtained);
    timeline.record(secondsSince(setup.epochMs), [peer.obtained]);
  });
}

const trackerLink = new BatchedLink(flusher, SWARM_LAYOUT);
trackerLink.attach(setup.trackerPort);
links[0] = trackerLink;
listen(setup.trackerPort, 0);

/** Loaded on first use (a stall report): most runs never pay for comlink. */
async function openControl(port: WorkerSetup['trackerPort']): Promise<void> {
  const { serveControl } = await import('./worker-control.js');
  serveControl(port, {
    status: () => ({ waiting: comm.mailbox.waiting(), queued: comm.mailbox.queued, detail: peer.describe() }),
  });
}

control.on('message', (message: ToWorker) => {
  if (message.type === 'control') {
    void openControl(message.port);
    return;
  }
  let link = links[message.peer];
  if (!link) links[message.peer] = link = new BatchedLink(flusher, SWARM_LAYOUT);
  link.attach(message.port);
  listen(message.port, message.peer);
});

async function main(): Promise<void> {
  if (setup.fault === 'crash') throw new Error('injected crash (--fault crash)');
  if (setup.fault === 'exit') process.exit(3);
  timeline.record(secondsSince(setup.epochMs), [0], true);
  const report = await peer.run();
  const written = await Promise.all(outputs);
  flusher.flushAll();
  // The main thread terminates this worker once every rank is done.
  tell({
    type: 'done',
    report,
    messagesIn: comm.messagesIn,
    messagesOut: comm.messagesOut,
    outputs: written,
    timeline: timeline.samples(),
  });
}

main().catch((error: unknown) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  tell({ type: 'failed', error: failure.message, stack: failure.stack ?? failure.message });
});
