import { describe, expect, it } from 'vitest';
import { Peer, type PeerReport } from '../ranks/peer.js';
import { Tag, type ClientFiles, type SwarmPayloads } from '../ranks/protocol.js';
import { STRATEGIES, STRATEGY_NAMES, type StrategyName } from '../ranks/strategies/index.js';
import { Roles } from '../ranks/roles.js';
import { Tracker } from '../ranks/tracker.js';
import { generate, fileHashes } from '../sim/generate.js';
import { parseClient } from '../sim/inputs.js';
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
        strategy: STRATEGIES[strategy](i + 1, size),
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
  it('keeps only hashes and swarms, never which segments a client holds', async () => {
    const { tracker } = await runSwarm(clients, 'round-robin', 8);
    const data = Object.entries(tracker.state).filter(([, value]) => typeof value !== 'function');
    expect(data.map(([key]) => key).sort()).toEqual(['done', 'gone', 'registered', 'started', 'swarms']);
    for (const swarm of tracker.swarms.values()) {
      expect(Object.keys(swarm).sort()).toEqual(['completedBy', 'gaveUpBy', 'hashes', 'members']);
      for (const [rank, role] of swarm.members) {
        expect(typeof rank).toBe('number');
        expect(['seed', 'peer']).toContain(role);
      }
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
    comms[1].send(0, Tag.INIT, { files: [owned] });
    comms[2].send(0, Tag.INIT, { files: [] });
    await comms[2].recv({ source: 0, tag: Tag.INIT_ACK });
    comms[2].send(0, Tag.SWARM_REQUEST, { file: 'f', withHashes: true });
    expect((await comms[2].recv({ tag: Tag.SWARM_REPLY })).payload).toEqual({ file: 'f', seeds: [1], peers: [2], hashes: owned.hashes });
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
    comms[1].send(0, Tag.INIT, { files: [] });
    comms[2].send(0, Tag.INIT, { files: [] });
    comms[1].send(0, Tag.SWARM_REQUEST, { file: 'ghost', withHashes: true });
    await expect(running).rejects.toThrow('rank 1 asked about ghost, which no client owns');
  });
});

describe('a peer', () => {
  /** Rank 1 of 3, past its go-ahead; the test plays the tracker (comms[0]) and rank 2. */
  async function startedPeer(files: ClientFiles) {
    const comms = loopback<SwarmPayloads>(3);
    const peer = new Peer(comms[1], files, { strategy: STRATEGIES['round-robin'](1, 3), pipeline: 4, sink: () => undefined });
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
