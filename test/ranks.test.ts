import { describe, expect, it } from 'vitest';
import { Peer, type PeerReport } from '../ranks/peer.js';
import {
  Tag,
  TAG_NAMES,
  type ChangeKind,
  type ClientFiles,
  type OwnedFile,
  type SwarmComm,
  type SwarmPayloads,
} from '../ranks/protocol.js';
import { STRATEGIES, STRATEGY_NAMES, type StrategyName } from '../ranks/strategies/index.js';
import { Roles } from '../ranks/roles.js';
import { Tracker } from '../ranks/tracker.js';
import { generate, fileHashes } from '../sim/job/generate.js';
import { parseClient } from '../sim/job/inputs.js';
import { loopback } from './helpers/loopback.js';

interface Swarm {
  tracker: Tracker;
  reports: PeerReport[];
  outputs: Map<string, readonly string[]>;
}

/** Runs the tracker and every peer in this thread over the loopback comm. */
async function runSwarm(clients: ClientFiles[], strategy: StrategyName, pipeline: number): Promise<Swarm> {
  const size = clients.length + 1;
  const comms = loopback<SwarmPayloads>(size);
  const tracker = new Tracker(comms[0], { roles: new Roles(size, 1) });
  const outputs = new Map<string, readonly string[]>();
  const peers = clients.map(
    (files, i) =>
      new Peer(comms[i + 1], files, {
        strategy: STRATEGIES[strategy](i + 1, size, '1'),
        pipeline,
        sink: (file, hashes) => outputs.set(`client${i + 1}_${file}`, hashes),
      }),
  );
  const [, ...reports] = await Promise.all([tracker.run(), ...peers.map((peer) => peer.run())]);
  return { tracker, reports, outputs };
}

const scenario = { ranks: 9, files: 5, segments: { min: 5, max: 40 }, seeders: 2, wants: 3, seed: 'ranks-test' };
const clients = generate(scenario).inputs.map((text, i) => parseClient(`in${i + 1}.txt`, text));
const segmentsOf = generate(scenario).segmentCounts;

describe.each(STRATEGY_NAMES)('a swarm with %s', (strategy) => {
  it.each([1, 4, 64])('delivers every wanted file whole, pipeline %i', async (pipeline) => {
    const { reports, outputs } = await runSwarm(clients, strategy, pipeline);
    let expectedTransfers = 0;
    clients.forEach((client, i) => {
      for (const file of client.wanted) {
        const k = Number(file.slice(4));
        expect(outputs.get(`client${i + 1}_${file}`)).toEqual(fileHashes(scenario.seed, k, segmentsOf[k - 1]));
        expectedTransfers += segmentsOf[k - 1];
      }
    });
    const downloaded = reports.reduce((n, r) => n + r.downloaded, 0);
    const uploaded = reports.reduce((n, r) => n + r.uploaded, 0);
    expect(downloaded).toBe(expectedTransfers);
    expect(uploaded).toBe(expectedTransfers);
    expect(outputs.size).toBe(clients.reduce((n, c) => n + c.wanted.length, 0));
    // Every request got exactly one answer: an ACK (a transfer) or a NACK.
    const nacks = reports.reduce((n, r) => n + r.nacksReceived, 0);
    expect(reports.reduce((n, r) => n + r.requestsSent, 0)).toBe(downloaded + nacks);
    expect(reports.reduce((n, r) => n + r.nacksSent, 0)).toBe(nacks);
  });
});

describe('the tracker', () => {
  it('keeps only hashes, swarms, arrivals and announced rates, never which segments a client holds', async () => {
    const { tracker } = await runSwarm(clients, 'round-robin', 8);
    const data = Object.entries(tracker.state).filter(([, value]) => typeof value !== 'function');
    expect(data.map(([key]) => key).sort()).toEqual([
      'accounted',
      'done',
      'doneLive',
      'gone',
      'later',
      'left',
      'registered',
      'started',
      'swarms',
      'uploadKbps',
    ]);
    for (const [file, swarm] of tracker.swarms) {
      expect(Object.keys(swarm).sort()).toEqual(['completedBy', 'gaveUpBy', 'hashes', 'listing', 'members']);
      for (const [rank, role] of swarm.members) {
        expect(typeof rank).toBe('number');
        expect(['seed', 'peer']).toContain(role);
      }
      // The listing is the members again, sorted; an arrival is a downloader's place in the order of joining.
      const downloaders = clients.filter((c) => c.wanted.includes(file)).length;
      expect(swarm.listing.joined).toBe(downloaders);
      expect([...swarm.listing.seeds, ...swarm.listing.peers].sort((a, b) => a - b)).toEqual(
        [...swarm.members.keys()].sort((a, b) => a - b),
      );
      expect(swarm.listing.seeds).toEqual([...swarm.listing.seeds].sort((a, b) => a - b));
    }
  });

  it('ends with every downloader a seed and counts completed downloads', async () => {
    const { tracker } = await runSwarm(clients, 'least-loaded', 8);
    clients.forEach((client, i) => {
      for (const file of client.wanted) expect(tracker.swarms.get(file)?.members.get(i + 1)).toBe('seed');
    });
    for (const [file, swarm] of tracker.swarms) {
      const wanters = clients.filter((c) => c.wanted.includes(file)).length;
      expect(swarm.completedBy.size).toBe(wanters);
    }
  });

  it('answers a swarm request with seeds, peers and (when asked) hashes, and adds the asker as peer', async () => {
    const comms = loopback<SwarmPayloads>(3);
    const tracker = new Tracker(comms[0], { roles: new Roles(3, 1) });
    const running = tracker.run();
    const owned = { name: 'f', hashes: ['a'.repeat(32), 'b'.repeat(32)] };
    // Each announced rate travels with the member: rank 2 announced none.
    comms[1].send(0, Tag.INIT, { files: [owned], uploadKbps: 5000 });
    comms[2].send(0, Tag.INIT, { files: [], uploadKbps: 0 });
    await comms[2].recv({ source: 0, tag: Tag.INIT_ACK });
    comms[2].send(0, Tag.SWARM_REQUEST, { file: 'f', withHashes: true });
    expect((await comms[2].recv({ tag: Tag.SWARM_REPLY })).payload).toEqual({
      file: 'f',
      seeds: [1],
      peers: [2],
      rates: [5000, 0],
      arrivals: [0],
      hashes: owned.hashes,
    });
    comms[2].send(0, Tag.SWARM_REQUEST, { file: 'f', withHashes: false });
    expect((await comms[2].recv({ tag: Tag.SWARM_REPLY })).payload).toMatchObject({ hashes: null });
    comms[2].send(0, Tag.SINGLE_FILE_DOWNLOAD_COMPLETED, { file: 'f' });
    comms[1].send(0, Tag.CLIENT_GOT_ALL_FILES, null);
    comms[2].send(0, Tag.CLIENT_GOT_ALL_FILES, null);
    await running;
    expect((await comms[1].recv({ source: 0, tag: Tag.TERMINATE })).payload).toBeNull();
    expect(tracker.swarms.get('f')?.members).toEqual(
      new Map([
        [1, 'seed'],
        [2, 'seed'],
      ]),
    );
  });

  it('rejects a request for a file nobody owns', async () => {
    const comms = loopback<SwarmPayloads>(3);
    const running = new Tracker(comms[0], { roles: new Roles(3, 1) }).run();
    comms[1].send(0, Tag.INIT, { files: [], uploadKbps: 0 });
    comms[2].send(0, Tag.INIT, { files: [], uploadKbps: 0 });
    comms[1].send(0, Tag.SWARM_REQUEST, { file: 'ghost', withHashes: true });
    await expect(running).rejects.toThrow('rank 1 asked about ghost, which no client owns');
  });
});

describe('a peer', () => {
  /** Rank 1 of 3, past its go-ahead; the test plays the tracker (comms[0]) and rank 2. */
  async function startedPeer(files: ClientFiles) {
    const comms = loopback<SwarmPayloads>(3);
    const peer = new Peer(comms[1], files, { strategy: STRATEGIES['round-robin'](1, 3, '1'), pipeline: 4, sink: () => undefined });
    const running = peer.run();
    await comms[0].recv({ source: 1, tag: Tag.INIT });
    comms[0].send(1, Tag.INIT_ACK, null);
    return { comms, running };
  }

  it('answers ACK for a segment it holds and NACK otherwise, reporting its load', async () => {
    const hashes = ['a'.repeat(32), 'b'.repeat(32)];
    const { comms, running } = await startedPeer({ owned: [{ name: 'f', hashes }], wanted: [] });
    comms[2].send(1, Tag.SEGMENT_REQUEST, { file: 'f', index: 1, hash: hashes[1] });
    comms[2].send(1, Tag.SEGMENT_REQUEST, { file: 'f', index: 0, hash: hashes[1] });
    comms[2].send(1, Tag.SEGMENT_REQUEST, { file: 'g', index: 0, hash: hashes[0] });
    const replies = [await comms[2].recv({ source: 1 }), await comms[2].recv({ source: 1 }), await comms[2].recv({ source: 1 })];
    expect(replies.map((r) => [r.tag, r.payload])).toEqual([
      [Tag.ACK, { file: 'f', index: 1, load: 1, from: 0, held: 2 }],
      [Tag.NACK, { file: 'f', index: 0, load: 1, from: 0, held: 2 }],
      [Tag.NACK, { file: 'g', index: 0, load: 1, from: 0, held: 0 }],
    ]);
    await comms[0].recv({ source: 1, tag: Tag.CLIENT_GOT_ALL_FILES });
    comms[0].send(1, Tag.TERMINATE, null);
    expect(await running).toMatchObject({ uploaded: 1, nacksSent: 2, downloaded: 0 });
  });

  it('fails on an ACK for a segment it never asked for', async () => {
    const { comms, running } = await startedPeer({ owned: [], wanted: ['f'] });
    comms[2].send(1, Tag.ACK, { file: 'f', index: 3, load: 1, from: 0, held: 0 });
    await expect(running).rejects.toThrow('ACK from rank 2 for f[3], which was not asked of it');
  });
});

/** The payload of the next message with this tag from `source`; a loss notice or alarm instead is an error. */
async function payloadFrom<T extends keyof SwarmPayloads & number>(comm: SwarmComm, source: number, tag: T): Promise<SwarmPayloads[T]> {
  const message = await comm.recv({ source, tag });
  if (message.tag !== tag) throw new Error(`expected ${TAG_NAMES[tag]}, got ${TAG_NAMES[message.tag]}`);
  return message.payload as SwarmPayloads[T];
}

describe('a standby tracker', () => {
  const owned = { name: 'f', hashes: ['a'.repeat(32), 'b'.repeat(32)] };
  /** Tracker 0 and clients 1, 2 as loopback comms; the test plays the standby (rank 3). */
  function pair() {
    const comms = loopback<SwarmPayloads>(4);
    const primary = new Tracker(comms[0], { roles: new Roles(4, 2) });
    return { comms, running: primary.run(), primary };
  }
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

  it('gets every change in order, and no client hears of a change before the standby acknowledged it', async () => {
    const { comms } = pair();
    comms[1].send(0, Tag.INIT, { files: [owned], uploadKbps: 0 });
    comms[2].send(0, Tag.INIT, { files: [], uploadKbps: 0 });
    const changes = [];
    for (let i = 0; i < 3; i++) changes.push(await payloadFrom(comms[3], 0, Tag.REPLICATE));
    expect(changes.map(({ seq, kind, rank }) => [seq, kind, rank])).toEqual([
      [1, 'register', 1],
      [2, 'register', 2],
      [3, 'go', 0],
    ]);
    await settle();
    expect(comms[1].tryRecv({ tag: Tag.INIT_ACK })).toBeUndefined();
    comms[3].send(0, Tag.REPLICA_ACK, { seq: 3 });
    expect((await comms[1].recv({ source: 0, tag: Tag.INIT_ACK })).tag).toBe(Tag.INIT_ACK);
    comms[2].send(0, Tag.SWARM_REQUEST, { file: 'f', withHashes: false });
    expect(await payloadFrom(comms[3], 0, Tag.REPLICATE)).toMatchObject({ seq: 4, kind: 'peer', rank: 2, file: 'f' });
    await settle();
    expect(comms[2].tryRecv({ tag: Tag.SWARM_REPLY })).toBeUndefined();
    comms[3].send(0, Tag.REPLICA_ACK, { seq: 4 });
    expect((await comms[2].recv({ tag: Tag.SWARM_REPLY })).payload).toMatchObject({ seeds: [1], peers: [2] });
  });

  it('takes over when the primary is lost, with the state it was sent and what rejoining clients tell it', async () => {
    const comms = loopback<SwarmPayloads>(4);
    const standby = new Tracker(comms[3], { roles: new Roles(4, 2), start: 'standby' });
    const running = standby.run();
    const change = (seq: number, kind: ChangeKind, rank: number, files: OwnedFile[] = [], uploadKbps = 0) =>
      comms[0].send(3, Tag.REPLICATE, { seq, kind, rank, file: '', files, uploadKbps });
    change(1, 'register', 1, [owned], 7000);
    change(2, 'register', 2);
    change(3, 'go', 0);
    // One acknowledgement per batch, each covering everything before it.
    let acked = 0;
    while (acked < 3) acked = (await payloadFrom(comms[0], 3, Tag.REPLICA_ACK)).seq;
    expect(acked).toBe(3);
    comms[3].rankLost(0, 'test');
    // Client 2 finished f before the primary died, but the primary never replicated it.
    comms[2].send(3, Tag.REJOIN, { owned: [], completed: ['f'], gaveUp: [], done: true, uploadKbps: 0 });
    comms[1].send(3, Tag.REJOIN, { owned: [owned], completed: [], gaveUp: [], done: true, uploadKbps: 0 });
    await running;
    expect(standby.served).toBe(true);
    expect(standby.swarms.get('f')?.members).toEqual(
      new Map([
        [1, 'seed'],
        [2, 'seed'],
      ]),
    );
    expect(standby.state.uploadKbps).toEqual(new Map([[1, 7000]]));
    expect((await comms[1].recv({ source: 3, tag: Tag.TERMINATE })).tag).toBe(Tag.TERMINATE);
  });

  it('refuses a change out of order', async () => {
    const comms = loopback<SwarmPayloads>(4);
    const running = new Tracker(comms[3], { roles: new Roles(4, 2), start: 'standby' }).run();
    comms[0].send(3, Tag.REPLICATE, { seq: 2, kind: 'go', rank: 0, file: '', files: [], uploadKbps: 0 });
    await expect(running).rejects.toThrow('tracker got change 2 after change 0');
  });
});
