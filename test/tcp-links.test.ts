import { createServer, connect, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Tag } from '../ranks/protocol.js';
import { Mailbox } from '../sim/comm/mailbox.js';
import { FramedSocket } from '../sim/transports/tcp/framed-socket.js';
import { FrameKind } from '../sim/transports/tcp/frames.js';
import { connectHandshake } from '../sim/transports/tcp/handshake.js';
import { LinkKeys } from '../sim/transports/tcp/link-keys.js';
import { listsOf, type SharedLists } from '../sim/transports/tcp/job-lists.js';
import type { Job } from '../sim/job/inputs.js';
import { TcpNetwork } from '../sim/transports/tcp/network.js';
import { linkSecurity, openSecureSocket } from '../sim/transports/tcp/secure-socket.js';
import type { SiteCertificates } from '../sim/transports/tcp/site-certificates.js';
import { CLI_PATH, generated } from './helpers/cli.js';
import { freePort, startRank, waitFor } from './helpers/processes.js';

const JOB_KEY = Buffer.from('links-test-job-key-0123456789abcdef');
const SIZE = 3;

interface Node {
  network: TcpNetwork;
  mailbox: Mailbox;
  logs: string[];
  lost: string[];
  port: number;
}

const made: TcpNetwork[] = [];
afterEach(() => {
  for (const network of made.splice(0)) network.destroy();
});

async function node(rank: number, keys: LinkKeys, certificates?: SiteCertificates, lists?: SharedLists): Promise<Node> {
  const mailbox = new Mailbox();
  const logs: string[] = [];
  const lost: string[] = [];
  const network = new TcpNetwork(rank, SIZE, keys, mailbox, {
    control: () => undefined,
    lost: (peer, reason) => lost.push(`${peer}: ${reason}`),
    log: (line) => logs.push(line),
    connectTimeoutMs: 2000,
    certificates,
    lists,
  });
  made.push(network);
  const port = await network.listen('127.0.0.1', 0);
  return { network, mailbox, logs, lost, port };
}

/** A coordinator (rank 0) and two ranks that have their tables, as after registration; rank 2 may have certificates of its own. */
async function job(certificates?: SiteCertificates, rank2 = certificates): Promise<{ coordinator: LinkKeys; nodes: Node[] }> {
  const coordinator = LinkKeys.issued(JOB_KEY, 0);
  const nodes = [
    await node(0, coordinator, certificates),
    await node(1, LinkKeys.held(JOB_KEY, 1, 0), certificates),
    await node(2, LinkKeys.held(JOB_KEY, 2, 0), rank2),
  ];
  const addresses = nodes.map((n) => ['127.0.0.1', n.port] as const);
  nodes[0].network.setTable(addresses);
  for (const rank of [1, 2]) nodes[rank].network.setTable(addresses, coordinator.rowFor(rank, SIZE));
  return { coordinator, nodes };
}

/** Dials `port` over TLS with the job key and claims `rank` with `key`; resolves with the handshake's end. */
async function claim(port: number, rank: number, key: Buffer): Promise<{ framed: FramedSocket; result: Promise<number> }> {
  const socket = await openSecureSocket('127.0.0.1', port, linkSecurity(JOB_KEY));
  const framed = new FramedSocket(socket);
  return { framed, result: connectHandshake(framed, key, rank, undefined, 2000) };
}

describe('which rank a connection may claim', () => {
  it('carries messages between ranks that prove their pair key', async () => {
    const { nodes } = await job();
    nodes[1].network.post(2, Tag.SEGMENT_REQUEST, { file: 'file1', index: 3, hash: 'h' });
    nodes[1].network.flushAll();
    expect(await waitFor(() => nodes[2].mailbox.queued === 1, 3000)).toBe(true);
    expect(nodes[2].mailbox.take()).toMatchObject({ source: 1, tag: Tag.SEGMENT_REQUEST, payload: { file: 'file1', index: 3 } });
    expect([...nodes[1].logs, ...nodes[2].logs]).toEqual([]);
  });

  it('refuses a holder of the job key that claims another rank to a rank, and logs it', async () => {
    const { nodes } = await job();
    // It claims rank 2 to rank 1 (and rank 0 to rank 2: a forged coordinator) with the only key it has.
    const asRank2 = await claim(nodes[1].port, 2, JOB_KEY);
    const asCoordinator = await claim(nodes[2].port, 0, JOB_KEY);
    await expect(asRank2.result).rejects.toThrow();
    await expect(asCoordinator.result).rejects.toThrow();
    expect(await waitFor(() => nodes[1].logs.length > 0 && nodes[2].logs.length > 0, 3000)).toBe(true);
    expect(nodes[1].logs.join('\n')).toMatch(/refused a connection from 127\.0\.0\.1:\d+: it claims rank 2 but cannot prove it/);
    expect(nodes[2].logs.join('\n')).toMatch(/refused a connection from 127\.0\.0\.1:\d+: it claims rank 0 but cannot prove it/);
    // The real rank 2 still reaches rank 1, which lost nobody.
    nodes[2].network.post(1, Tag.SEGMENT_REQUEST, { file: 'file1', index: 0, hash: 'h' });
    nodes[2].network.flushAll();
    expect(await waitFor(() => nodes[1].mailbox.queued === 1, 3000)).toBe(true);
    expect(nodes[1].lost).toEqual([]);
  });

  it('binds a rank to the first connection that carried a frame: a second claim is refused and is no loss', async () => {
    const { nodes } = await job();
    // Rank 1 registers: its connection to the coordinator carries a frame.
    nodes[1].network.control(0, { type: 'hello' });
    nodes[1].network.flushAll();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A process with the job key claims rank 1 at the coordinator too, and sends as it.
    const second = await claim(nodes[0].port, 1, JOB_KEY);
    expect(await second.result).toBe(0);
    second.framed.write(FrameKind.CONTROL, JSON.stringify({ type: 'hello' }));
    expect(await waitFor(() => second.framed.closed, 3000)).toBe(true);
    expect(nodes[0].logs.join('\n')).toMatch(
      /refused a connection from 127\.0\.0\.1:\d+: it claims rank 1, already connected from 127\.0\.0\.1:\d+/,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(nodes[0].lost).toEqual([]);
    // Rank 1's own connection still carries its messages.
    nodes[1].network.post(0, Tag.SEGMENT_REQUEST, { file: 'file1', index: 1, hash: 'h' });
    nodes[1].network.flushAll();
    expect(await waitFor(() => nodes[0].mailbox.queued === 1, 3000)).toBe(true);
  });
});

describe("the job's hash lists between ranks that both loaded the whole job", () => {
  const hashes = (salt: string): string[] => Array.from({ length: 400 }, (_, i) => `${salt}${i}`.padEnd(32, '0'));
  // Each process's own copy of the job, as each loads it from the inputs.
  const jobOf = (): Job => ({
    dir: 'd',
    ranks: 3,
    clients: [],
    files: new Map([
      ['file1', hashes('a')],
      ['file2', hashes('b')],
    ]),
  });

  it('go by number to a rank the coordinator says holds them, by value to any other, and a number nobody has is refused', async () => {
    const coordinator = LinkKeys.issued(JOB_KEY, 0);
    const lists = [listsOf(jobOf()), listsOf(jobOf()), listsOf(jobOf())];
    const nodes = await Promise.all(
      [0, 1, 2].map((rank) => node(rank, rank === 0 ? coordinator : LinkKeys.held(JOB_KEY, rank, 0), undefined, lists[rank])),
    );
    const addresses = nodes.map((n) => ['127.0.0.1', n.port] as const);
    // Rank 2's process holds the same lists, but the coordinator does not list it (as if it had registered none).
    for (const rank of [0, 1, 2])
      nodes[rank].network.setTable(addresses, rank === 0 ? undefined : coordinator.rowFor(rank, SIZE), {
        digest: lists[0].digest,
        ranks: [0, 1],
      });
    const reply = (to: number, hashes: readonly string[]): void =>
      nodes[0].network.post(to, Tag.SWARM_REPLY, { file: 'file2', seeds: [0], peers: [], rates: [0], arrivals: [], hashes });
    reply(1, lists[0].table.lists[1]);
    reply(2, lists[0].table.lists[1]);
    nodes[0].network.flushAll();
    expect(await waitFor(() => nodes[1].mailbox.queued === 1 && nodes[2].mailbox.queued === 1, 3000)).toBe(true);
    const got = (rank: number): unknown => (nodes[rank].mailbox.take()?.payload as { hashes: unknown }).hashes;
    // Rank 1 gets its own table's list: it came as a number. Rank 2 gets a copy of the values.
    expect(got(1)).toBe(lists[1].table.lists[1]);
    const copy = got(2);
    expect(copy).toEqual(hashes('b'));
    expect(copy).not.toBe(lists[2].table.lists[1]);
    // A list this rank's process made for itself is not in the table: by value, even to rank 1.
    reply(1, hashes('b'));
    nodes[0].network.flushAll();
    expect(await waitFor(() => nodes[1].mailbox.queued === 1, 3000)).toBe(true);
    expect(got(1)).not.toBe(lists[1].table.lists[1]);
    // A peer that numbers a list past the table is refused, and delivers nothing.
    const forger = await claim(nodes[1].port, 2, Buffer.from(coordinator.rowFor(2, SIZE)[1], 'hex'));
    expect(await forger.result).toBe(1);
    forger.framed.write(FrameKind.BATCH, JSON.stringify([Tag.SWARM_REPLY, 'file2', [0], [], [0], [], 2]));
    expect(await waitFor(() => forger.framed.closed, 3000)).toBe(true);
    expect(nodes[1].logs.join('\n')).toContain(
      "it sent a batch that fails the protocol's schema (tag 4: hashes must be a list this rank knows (2 numbered))",
    );
    expect(nodes[1].mailbox.queued).toBe(0);
  });
});

describe('a link whose connection breaks while both ranks live', () => {
  // Cut both ways, or only on the dialer's side: rank 2 then learns of the break from the resumption itself.
  it.each([false, true])(
    'is resumed by its dialer (cut only on its side: %s): every message arrives once and in order, both ways, and nobody is lost',
    async (dialerOnly) => {
      const { coordinator, nodes } = await job();
      // Rank 1 reaches rank 2 through a relay that cuts their first connection mid-stream.
      const cutter = await relay(nodes[2].port, { cut: 40, dialerOnly });
      const addresses = nodes.map((n, rank) => ['127.0.0.1', rank === 2 ? cutter.port : n.port] as const);
      nodes[1].network.setTable(addresses, coordinator.rowFor(1, SIZE));
      const request = (from: number, to: number, index: number): void =>
        nodes[from].network.post(to, Tag.SEGMENT_REQUEST, { file: `file${from}`, index, hash: 'h' });
      // The first message opens the relayed connection, which rank 2 then also sends on.
      request(1, 2, 0);
      nodes[1].network.flushAll();
      expect(await waitFor(() => nodes[2].mailbox.queued === 1, 3000)).toBe(true);
      const sent = 15_000;
      for (let index = 0; index < sent; index++) {
        request(1, 2, index + 1);
        request(2, 1, index);
        if (index % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await waitFor(() => nodes[2].mailbox.queued === sent + 1 && nodes[1].mailbox.queued === sent, 10_000)).toBe(true);
      const indices = (node: Node): number[] =>
        Array.from({ length: node.mailbox.queued }, () => (node.mailbox.take()?.payload as { index: number }).index);
      expect(indices(nodes[2])).toEqual(Array.from({ length: sent + 1 }, (_, i) => i));
      expect(indices(nodes[1])).toEqual(Array.from({ length: sent }, (_, i) => i));
      cutter.close();
      expect([...nodes[1].lost, ...nodes[2].lost]).toEqual([]);
      expect(nodes[1].logs).toEqual(['resumed the link to rank 2']);
      expect(nodes[2].logs).toEqual([expect.stringMatching(/^resumed the link from rank 1 \(127\.0\.0\.1:\d+\)$/)]);
    },
  );

  it('is resumed when only the accepting end saw the break, though the dialer has nothing to send: its probe finds it', async () => {
    const { coordinator, nodes } = await job();
    const cutter = await relay(nodes[2].port);
    const addresses = nodes.map((n, rank) => ['127.0.0.1', rank === 2 ? cutter.port : n.port] as const);
    nodes[1].network.setTable(addresses, coordinator.rowFor(1, SIZE));
    nodes[1].network.post(2, Tag.SEGMENT_REQUEST, { file: 'file1', index: 0, hash: 'h' });
    nodes[1].network.flushAll();
    expect(await waitFor(() => nodes[2].mailbox.queued === 1, 3000)).toBe(true);
    cutter.cutAcceptorSide();
    // What rank 2 sends goes on the cut connection, or is held once it sees the cut; rank 1 sends nothing more.
    const sent = 100;
    for (let index = 0; index < sent; index++) nodes[2].network.post(1, Tag.SEGMENT_REQUEST, { file: 'file2', index, hash: 'h' });
    nodes[2].network.flushAll();
    // Within the accepting end's wait (RESUME_WAIT_MS, 5 s), which would otherwise take rank 1 for lost.
    expect(await waitFor(() => nodes[1].mailbox.queued === sent, 4000)).toBe(true);
    const indices = Array.from({ length: sent }, () => (nodes[1].mailbox.take()?.payload as { index: number }).index);
    expect(indices).toEqual(Array.from({ length: sent }, (_, i) => i));
    cutter.close();
    expect([...nodes[1].lost, ...nodes[2].lost]).toEqual([]);
    expect(nodes[1].logs).toEqual(['resumed the link to rank 2']);
    expect(nodes[2].logs).toEqual([expect.stringMatching(/^resumed the link from rank 1 \(127\.0\.0\.1:\d+\)$/)]);
  });
});

const pem = (name: string): string => readFileSync(join('test/fixtures/tls', `${name}.pem`), 'utf8');
const site = (who: 'site' | 'other'): SiteCertificates => ({ cert: pem(`${who}-rank`), key: pem(`${who}-rank-key`), ca: pem('site-ca') });

describe("a site's certificates in place of the PSK", () => {
  it('carries messages between ranks whose certificates the site CA signed', async () => {
    const { nodes } = await job(site('site'));
    nodes[1].network.post(2, Tag.SEGMENT_REQUEST, { file: 'file1', index: 3, hash: 'h' });
    nodes[1].network.flushAll();
    expect(await waitFor(() => nodes[2].mailbox.queued === 1, 3000)).toBe(true);
    expect([...nodes[1].logs, ...nodes[2].logs]).toEqual([]);
  });

  it('refuses a rank whose certificate another CA signed, at both ends, and logs why', async () => {
    const { nodes } = await job(site('site'), site('other'));
    // Rank 1 dials rank 2 and finds its certificate foreign; rank 2 dials rank 1, which finds the same.
    nodes[1].network.post(2, Tag.SEGMENT_REQUEST, { file: 'file1', index: 0, hash: 'h' });
    nodes[2].network.post(1, Tag.SEGMENT_REQUEST, { file: 'file1', index: 0, hash: 'h' });
    nodes[1].network.flushAll();
    nodes[2].network.flushAll();
    expect(await waitFor(() => nodes[1].lost.length > 0 && nodes[2].lost.length > 0, 5000)).toBe(true);
    expect(nodes[1].lost[0]).toMatch(/^2: cannot connect to 127\.0\.0\.1:\d+: its certificate is not one --tls-ca signed \(\w+\)$/);
    const refusal = /refused a connection from 127\.0\.0\.1:\d+: its certificate is not one --tls-ca signed \(\w+\)/;
    expect(nodes[1].logs.join('\n')).toMatch(refusal);
    expect(nodes[2].lost[0]).toMatch(
      /^1: cannot connect to 127\.0\.0\.1:\d+: refused this rank: its certificate is not one --tls-ca signed/,
    );
    expect(nodes[1].mailbox.queued + nodes[2].mailbox.queued).toBe(0);
  });

  it('runs a job under sim rank on the certificates, every output right', async () => {
    const dir = generated(['--ranks', '4', '--files', '2', '--segments', '30', '--wants', '2', '--seed', 'certified']);
    const port = await freePort();
    const tls = ['site-rank.pem', 'site-rank-key.pem', 'site-ca.pem'].map((name) => join('test/fixtures/tls', name));
    const env = { ...process.env, SIM_JOB_KEY: JOB_KEY.toString() };
    const extra = ['--tls-cert', tls[0], '--tls-key', tls[1], '--tls-ca', tls[2]];
    const ends = await Promise.all([0, 1, 2, 3].map((rank) => startRank(dir, rank, 4, port, { out: join(dir, 'out'), extra, env }).exited));
    expect(ends.map((end) => end.status)).toEqual([0, 0, 0, 0]);
    expect(ends[0].stdout).toMatch(/\d+ outputs written to .*, all correct/);
    expect(ends.map((end) => end.stderr).join('')).toBe('');
  });

  it('refuses --tls-cert without the other two, and files that make no TLS identity, with exit 2', () => {
    const dir = generated(['--ranks', '3', '--files', '1', '--segments', '2', '--wants', '1', '--seed', 'certs']);
    const rank = (...more: string[]) => {
      const args = ['rank', dir, '--rank', '1', '--size', '3', '--coordinator', '127.0.0.1:9', '--connect-timeout', '1', ...more];
      const env = { ...process.env, SIM_JOB_KEY: JOB_KEY.toString() };
      return spawnSync(process.execPath, [CLI_PATH, ...args], { env, encoding: 'utf8' });
    };
    const alone = rank('--tls-cert', 'test/fixtures/tls/site-rank.pem');
    expect([alone.status, alone.stderr]).toEqual([
      2,
      "sim: --tls-cert: a site's certificates need all three of --tls-cert, --tls-key and --tls-ca: --tls-key and --tls-ca missing\n",
    ]);
    const crossed = rank(
      '--tls-cert',
      'test/fixtures/tls/site-rank.pem',
      '--tls-key',
      'test/fixtures/tls/other-rank-key.pem',
      '--tls-ca',
      'test/fixtures/tls/site-ca.pem',
    );
    expect(crossed.status).toBe(2);
    expect(crossed.stderr).toMatch(
      /^sim: --tls-cert: test\/fixtures\/tls\/site-rank\.pem, .* do not make a TLS identity: .*key values mismatch/,
    );
  });
});

/**
 * A relay on the path to a rank, as an attacker without the key (or a flaky network) would
 * be: it records what the dialer sends, and may flip one byte of the dialer's `flip`-th
 * chunk, or cut the first connection at its `cut`-th: both ways at once, or with
 * `dialerOnly`, only the dialer's side (the other end sees nothing until the link resumes).
 * `cutAcceptorSide` cuts the first connection on the accepting end's side alone, as a
 * close lost on the way would: the dialer hears nothing until it writes, and is then reset.
 */
async function relay(
  target: number,
  change: { flip?: number; cut?: number; dialerOnly?: boolean } = {},
): Promise<{ port: number; sent: Buffer[]; close: () => void; cutAcceptorSide: () => void }> {
  const sent: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((inward) => {
    const outward = connect(target, '127.0.0.1');
    const first = sockets.length === 0;
    sockets.push(inward, outward);
    let chunks = 0;
    inward.on('data', (chunk: Buffer) => {
      chunks++;
      sent.push(Buffer.from(chunk));
      if (chunks === change.flip) chunk[chunk.length >> 1] ^= 0x01;
      if (first && chunks === change.cut) {
        // Cut on the dialer's side alone: the other end hears nothing of it, not even a close.
        if (change.dialerOnly) [inward, outward].forEach((socket) => socket.removeAllListeners('close').removeAllListeners('error'));
        inward.destroy();
        if (!change.dialerOnly) outward.destroy();
        return;
      }
      outward.write(chunk);
    });
    outward.on('data', (chunk: Buffer) => inward.write(chunk));
    for (const [from, to] of [
      [inward, outward],
      [outward, inward],
    ]) {
      from.on('error', () => to.destroy());
      // Ended, not destroyed: what one end said last (a TLS alert) must still reach the other.
      from.on('close', () => to.end());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const cutAcceptorSide = (): void => {
    const [inward, outward] = sockets;
    for (const socket of [inward, outward])
      socket
        .removeAllListeners('close')
        .removeAllListeners('error')
        .on('error', () => undefined);
    inward.removeAllListeners('data').on('data', () => inward.resetAndDestroy());
    outward.destroy();
  };
  return { port, sent, close: () => (server.close(), sockets.forEach((socket) => socket.destroy())), cutAcceptorSide };
}

describe('a relay on the path between ranks, without the key', () => {
  const keyed = { ...process.env, SIM_JOB_KEY: JOB_KEY.toString() };

  /** A 4-rank job under `sim rank`; rank 3 reaches rank 0 through a relay. */
  async function rankJob(seed: string, flipChunk?: number) {
    const dir = generated(['--ranks', '4', '--files', '3', '--segments', '200', '--wants', '2', '--seed', seed]);
    const port = await freePort();
    const tap = await relay(port, { flip: flipChunk });
    const start = (rank: number) => startRank(dir, rank, 4, rank === 3 ? tap.port : port, { out: join(dir, 'out'), env: keyed });
    return { port, tap, start };
  }

  it('cannot replay a recorded connection: rank 0 refuses it, logs it, and the job completes', async () => {
    const { port, tap, start } = await rankJob('replay');
    const ends = Promise.all([0, 1, 2, 3].map((rank) => start(rank).exited));
    expect(await waitFor(() => tap.sent.length >= 4, 10_000)).toBe(true);
    // Everything rank 3 sent so far, its TLS handshake and its registration, sent again on a connection of its own.
    const replay = connect(port, '127.0.0.1', () => replay.end(Buffer.concat(tap.sent)));
    replay.on('error', () => undefined);
    const [rank0, ...clients] = await ends;
    tap.close();
    expect([rank0.status, ...clients.map((end) => end.status)]).toEqual([0, 0, 0, 0]);
    expect(rank0.stdout).toMatch(/all correct/);
    expect(rank0.stderr).toMatch(
      /refused a connection from 127\.0\.0\.1:\d+: (a TLS record failed its integrity check|failed the TLS handshake)/,
    );
    expect(rank0.stderr).not.toMatch(/claims rank|register/);
  }, 30_000);

  it('cannot change a byte of an established connection: the end that finds it out says so, the link is resumed, and the job completes', async () => {
    // The client's 8th chunk is past its registration: the job has started.
    const { tap, start } = await rankJob('flip', 8);
    const [rank0, ...clients] = await Promise.all([0, 1, 2, 3].map((rank) => start(rank).exited));
    tap.close();
    // The end that received the changed record refuses it and says so; its dialer, rank 3, dials again (to
    // rank 0's own address, from the table) and both send again what the other did not take.
    expect(rank0.stderr).toMatch(
      /^sim: rank 0: the connection with rank 3 \(127\.0\.0\.1:\d+\) ended: a TLS record failed its integrity check \(changed on the way\): resuming the link$/m,
    );
    expect(rank0.stderr).toMatch(/^sim: rank 0: resumed the link from rank 3 \(127\.0\.0\.1:\d+\)$/m);
    expect(clients[2].stderr).toMatch(/^sim: rank 3: resumed the link to rank 0$/m);
    expect(`${rank0.stderr}${clients.map((end) => end.stderr).join('')}`).not.toMatch(/lost rank/);
    expect([rank0.status, ...clients.map((end) => end.status)]).toEqual([0, 0, 0, 0]);
    expect(rank0.stdout).toMatch(/outputs written to .*, all correct/);
  }, 30_000);
});
