import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SWARM_LAYOUT, Tag } from '../ranks/protocol.js';
import { InputError } from '../sim/run/failures.js';
import { resolveWorld } from '../sim/transports/tcp/launcher-world.js';
import { encodeFrame, FrameError, FrameKind, FrameReader, MAX_FRAME_BYTES } from '../sim/transports/tcp/frames.js';
import { FramedSocket } from '../sim/transports/tcp/framed-socket.js';
import { acceptHandshake, connectHandshake, HandshakeError } from '../sim/transports/tcp/handshake.js';
import { readJobKey } from '../sim/transports/tcp/job-key.js';
import { tempDir } from './helpers/files.js';
import { socketProblem } from '../sim/transports/tcp/tls-errors.js';
import { OutputAssembly } from '../sim/transports/tcp/output-assembly.js';
import type { RankFailure } from '../sim/run/failures.js';
import { RefusalLog } from '../sim/transports/tcp/refusal-log.js';
import { batchProblem, encodeInto, InternedLists } from '../sim/comm/wire-layout.js';
import type { Job } from '../sim/job/inputs.js';
import { LinkLists, listsOf } from '../sim/transports/tcp/job-lists.js';
import { Registrations } from '../sim/transports/tcp/registrations.js';
import { RankLives } from '../sim/transports/tcp/rank-lives.js';
import { RunLedger } from '../sim/run/ledger.js';
import { emptyPlan } from '../sim/faults/plan.js';
import { Roles } from '../ranks/roles.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { FlushQueue } from '../sim/transports/batched-link.js';
import { UNREAD_LIMIT } from '../sim/transports/tcp/framed-socket.js';
import { PeerLink } from '../sim/transports/tcp/peer-link.js';
import {
  CLIENT_MESSAGES,
  COORDINATOR_MESSAGES,
  parseClientControl,
  parseCoordinatorControl,
  PRECOMPILED_FILE,
  precompiledName,
  schemaDigest,
} from '../sim/transports/tcp/control.js';
import { createRequire } from 'node:module';

describe('frames', () => {
  it('reassembles frames split anywhere and joined together', () => {
    const bytes = Buffer.concat([encodeFrame(FrameKind.BATCH, '[1,2]'), encodeFrame(FrameKind.CONTROL, '{"type":"finish"}')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader(1000);
      reader.push(bytes.subarray(0, cut));
      const got = [];
      for (let frame = reader.next(); frame; frame = reader.next()) got.push(frame);
      reader.push(bytes.subarray(cut));
      for (let frame = reader.next(); frame; frame = reader.next()) got.push(frame);
      expect(got.map((f) => [f.kind, f.body.toString()])).toEqual([
        [FrameKind.BATCH, '[1,2]'],
        [FrameKind.CONTROL, '{"type":"finish"}'],
      ]);
    }
  });

  it('refuses an oversized length prefix before any body arrives', () => {
    const reader = new FrameReader(MAX_FRAME_BYTES);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(0xffffffff);
    reader.push(prefix);
    expect(() => reader.next()).toThrow(new FrameError(`a frame of 4294967295 bytes, over the limit of ${MAX_FRAME_BYTES}`));
  });

  it('refuses a frame of unknown kind and one of length 0', () => {
    const unknown = new FrameReader(100);
    unknown.push(Buffer.from([0, 0, 0, 2, 99, 0]));
    expect(() => unknown.next()).toThrow('a frame of unknown kind 99');
    const empty = new FrameReader(100);
    empty.push(Buffer.from([0, 0, 0, 0]));
    expect(() => empty.next()).toThrow('a frame of length 0');
  });
});

describe('batch schema check', () => {
  const batch = (tag: number, payload: unknown): unknown[] => {
    const out: unknown[] = [];
    encodeInto(out, SWARM_LAYOUT, tag, payload);
    return out;
  };

  it('accepts every well-formed message', () => {
    const good = [
      ...batch(Tag.INIT, { files: [{ name: 'file1', hashes: ['a', 'b'] }], uploadKbps: 0 }),
      ...batch(Tag.INIT_ACK, null),
      ...batch(Tag.SWARM_REPLY, { file: 'file1', seeds: [1], peers: [], rates: [0], arrivals: [], hashes: null }),
      ...batch(Tag.ACK, { file: 'file1', index: 3, load: 0, from: 0, held: 4 }),
    ];
    expect(batchProblem(good, SWARM_LAYOUT)).toBeUndefined();
  });

  it('names the first field of the wrong kind, an unknown tag and a cut-short message', () => {
    expect(batchProblem(batch(Tag.SEGMENT_REQUEST, { file: 'f', index: 1.5, hash: 'h' }), SWARM_LAYOUT)).toBe(
      'tag 6: index must be an integer',
    );
    expect(batchProblem(batch(Tag.INIT, { files: [{ name: 'f', hashes: [1] }] }), SWARM_LAYOUT)).toBe(
      'tag 1: files must be records whose hashes is a list of short strings',
    );
    expect(batchProblem([Tag.SWARM_REQUEST, 'f', 'yes'], SWARM_LAYOUT)).toBe('tag 3: withHashes must be true or false');
    // A name of a megabyte would sit in a mailbox until read: longer than any name may be.
    expect(batchProblem(batch(Tag.SEGMENT_REQUEST, { file: 'f'.repeat(257), index: 1, hash: 'h' }), SWARM_LAYOUT)).toBe(
      'tag 6: file must be a string of at most 256 characters',
    );
    expect(batchProblem([42], SWARM_LAYOUT)).toBe('unknown tag 42 at position 0');
    expect(batchProblem([Tag.PEER_UPDATE], SWARM_LAYOUT)).toBe('tag 5 cut short at the end of the batch');
    expect(batchProblem({ not: 'a list' }, SWARM_LAYOUT)).toBe('a batch is not a list');
  });

  it('takes a list as a number only into a table that has it', () => {
    const table = new InternedLists([['a'], ['b']]);
    const reply = (hashes: unknown): unknown[] => [Tag.SWARM_REPLY, 'file1', [1], [], [0], [], hashes];
    expect(batchProblem(reply(1), SWARM_LAYOUT, table)).toBeUndefined();
    expect(batchProblem([Tag.INIT, [{ name: 'f', hashes: 0 }], 0], SWARM_LAYOUT, table)).toBeUndefined();
    for (const bad of [2, -1, 0.5]) {
      expect(batchProblem(reply(bad), SWARM_LAYOUT, table)).toBe('tag 4: hashes must be a list this rank knows (2 numbered)');
    }
    expect(batchProblem(reply(0), SWARM_LAYOUT)).toBe('tag 4: hashes must be a list this rank knows (0 numbered)');
    expect(batchProblem([Tag.INIT, [{ name: 'f', hashes: 5 }], 0], SWARM_LAYOUT, table)).toBe(
      'tag 1: files must be records whose hashes is a list this rank knows (2 numbered)',
    );
  });
});

describe('a tracker started again by hand (sim rank --coordinate)', () => {
  const lives = (restartRank?: (rank: number) => void, started = true) => {
    const roles = new Roles(4, 1);
    const told: [number, string][] = [];
    const logs: string[] = [];
    const host = {
      ledger: new RunLedger(roles, emptyPlan(), () => 0),
      roles,
      harness: true,
      exitsReported: false,
      started: () => started,
      finished: () => false,
      obtained: () => 0,
      restartRank,
      trackerState: 'state',
      log: (line: string) => void logs.push(line),
      fail: (failure: Error) => {
        throw failure;
      },
      tellLost: (rank: number, reason: string) => void told.push([rank, reason]),
      tellBack: () => undefined,
    };
    return { lives: new RankLives(host), told, logs };
  };

  it('is taken back when its new process registers before its old one is known lost, and only then', () => {
    const byHand = lives();
    expect(byHand.lives.registersAgain(1)).toBe(false);
    expect(byHand.lives.registersAgain(0)).toBe(true);
    expect(byHand.told).toEqual([[0, 'a new process of it registered']]);
    expect(byHand.logs).toEqual([
      'lost rank 0 (tracker): a new process of it registered',
      'waiting for rank 0 (tracker) to be started again (its sim rank command, with --tracker-state state)',
    ]);
    // sim run starts it again itself, once it knows it lost: a second process before that claims a rank that lives.
    expect(lives(() => undefined).lives.registersAgain(0)).toBe(false);
    // Before the job starts, two processes of one rank are a mistake, not a restart.
    expect(lives(undefined, false).lives.registersAgain(0)).toBe(false);
  });
});

describe('the job lists two ranks share (job-lists.ts)', () => {
  const job = (hashes: string[][]): Job => ({
    dir: 'd',
    ranks: 3,
    clients: [],
    files: new Map(hashes.map((list, i) => [`file${i + 1}`, list])),
  });

  it('numbers lists only towards ranks the coordinator says hold the same table, and for a new process only once it is told', () => {
    const mine = listsOf(job([['a'], ['b']]));
    expect(listsOf(job([['a'], ['b']])).digest).toBe(mine.digest);
    expect(listsOf(job([['a'], ['c']])).digest).not.toBe(mine.digest);
    const lists = new LinkLists(mine);
    lists.learn({ digest: mine.digest, ranks: [0, 2] });
    expect(lists.towards(2)).toBe(mine.table);
    expect(lists.towards(1)).toBeUndefined();
    lists.set(2, false);
    expect(lists.towards(2)).toBeUndefined();
    lists.set(1, true);
    expect(lists.towards(1)).toBe(mine.table);
    // A coordinator with another table: this rank's numbers would mean nothing to anyone.
    lists.learn({ digest: listsOf(job([['x']])).digest, ranks: [0, 1, 2] });
    expect([0, 1, 2].map((rank) => lists.towards(rank))).toEqual([undefined, undefined, undefined]);
    lists.set(1, true);
    expect(lists.towards(1)).toBeUndefined();
    const none = new LinkLists(undefined);
    none.learn({ digest: mine.digest, ranks: [0, 1] });
    expect(none.towards(0)).toBeUndefined();
  });

  it("lists the ranks registered with the coordinator's table, rank 0 with them when it is the coordinator", () => {
    const input = { file: 'in1.txt', owned: [], wanted: [], ownedLines: [], wantedLines: [] };
    for (const firstRank of [0, 1] as const) {
      const registered = new Registrations({ size: 4, firstRank, name: 'rank 0', address: 'h:1', timeoutMs: 1000 });
      const register = (lists: string | null) => ({ type: 'register' as const, size: 4, host: 'h', port: 2, files: input, lists });
      const digest = 'a'.repeat(64);
      registered.take(1, register(digest), false);
      registered.take(2, register(null), false);
      registered.take(3, register('b'.repeat(64)), false);
      expect(registered.listsTable(digest)).toEqual({ digest, ranks: firstRank === 1 ? [0, 1] : [1] });
      expect(registered.listsTable(null)).toEqual({ digest: null, ranks: [] });
      // A restarted process says again what it holds.
      expect(registered.take(2, register(digest), true)).toBe('again');
      expect(registered.listsTable(digest).ranks).toContain(2);
      registered.stop();
    }
  });
});

describe('control frames', () => {
  const frame = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  // A rank compiles each schema when its first frame comes, without ajv's check of the schema itself: it is made here.
  it('declares every message with a schema ajv takes in strict mode', () => {
    const ajv = new Ajv({ strict: true, strictTuples: false, validateSchema: true });
    for (const [type, schema] of [...Object.entries(CLIENT_MESSAGES), ...Object.entries(COORDINATOR_MESSAGES)]) {
      expect(() => ajv.compile(schema), type).not.toThrow();
    }
    expect(Object.keys(CLIENT_MESSAGES)).toContain('register');
    expect(Object.keys(COORDINATOR_MESSAGES)).toContain('table');
  });

  // The build writes every validator as code (sim/build/control-validators.ts): rank processes use those, not ajv.
  it('has built validators that judge every frame as ajv compiles its schema', () => {
    const built = createRequire(import.meta.url)(`../dist/sim/transports/tcp/${PRECOMPILED_FILE}`) as Record<string, ValidateFunction> & {
      schemaDigest?: string;
    };
    // Made from these very schemas: rank processes use it (ajv is not even loaded), and a file from other schemas is not.
    expect(built.schemaDigest).toBe(schemaDigest());
    const ajv = new Ajv({ strict: true, strictTuples: false, allErrors: false });
    const input = { file: 'in1.txt', owned: [{ name: 'f', hashes: ['a'] }], wanted: ['g'], ownedLines: [1], wantedLines: [2] };
    const samples: Record<string, unknown[]> = {
      register: [
        { type: 'register', size: 4, host: 'h', port: 9, files: input, lists: null },
        { type: 'register', size: 4, host: 'h', port: 9, files: input, lists: 'a'.repeat(64) },
        { type: 'register', size: 4, host: 'h', port: 9, files: input, lists: 'A'.repeat(64) },
        { type: 'register', size: 4, host: 'h', port: 0, files: input, lists: null },
      ],
      'rank-lost': [{ type: 'rank-lost', rank: 3, reason: 'gone' }, { type: 'rank-lost', rank: -1, reason: 'gone' }, { type: 'rank-lost' }],
      'rank-back': [
        { type: 'rank-back', rank: 0, host: 'h', port: 1, holdsLists: true },
        { type: 'rank-back', rank: 0, host: 'h', port: 1 },
      ],
      progress: [
        { type: 'progress', delivered: 1, obtained: 2, firstRequestMs: null },
        { type: 'progress', delivered: 1, obtained: 2.5 },
      ],
    };
    for (const [side, table] of [
      ['client', CLIENT_MESSAGES],
      ['coordinator', COORDINATOR_MESSAGES],
    ] as const) {
      for (const [type, schema] of Object.entries(table)) {
        const generated = built[precompiledName(side, type)];
        expect(generated, type).toBeTypeOf('function');
        const compiled = ajv.compile(schema);
        for (const sample of [...(samples[type] ?? []), { type }, { type, extra: 1 }]) {
          expect(generated(sample), `${type}: ${JSON.stringify(sample)}`).toBe(compiled(sample));
          expect(generated.errors?.[0]?.message).toBe(compiled.errors?.[0]?.message);
        }
      }
    }
  });

  it('takes a well-formed frame and names what is wrong with any other', () => {
    expect(parseCoordinatorControl(frame({ type: 'rank-lost', rank: 3, reason: 'gone' }))).toEqual({
      type: 'rank-lost',
      rank: 3,
      reason: 'gone',
    });
    expect(parseCoordinatorControl(frame({ type: 'rank-lost', rank: -1, reason: 'gone' }))).toBe(
      'a rank-lost frame that fails its schema: /rank must be >= 0',
    );
    expect(parseCoordinatorControl(frame({ type: 'toString' }))).toBe('a control frame of unknown type "toString"');
    expect(parseClientControl(frame({ type: 'table' }))).toBe('a control frame of unknown type "table"');
    expect(parseClientControl(Buffer.from('{"type":'))).toBe('a control frame that is not JSON');
  });
});

describe('what a link holds for its peer until acknowledged', () => {
  /** A connection as a link writes to it: what it wrote, and why it was closed. */
  const connection = () => {
    const fake = { closed: false, written: [] as Buffer[], reason: '' };
    const socket = {
      get closed() {
        return fake.closed;
      },
      writeEncoded: (frame: Buffer) => void fake.written.push(frame),
      destroy: (reason: string) => {
        fake.closed = true;
        fake.reason = reason;
      },
    } as unknown as FramedSocket;
    return { fake, socket };
  };

  it('sends again, on a connection that resumes it, exactly what the peer did not take, and refuses counts out of step', () => {
    const link = new PeerLink(new FlushQueue());
    const first = connection();
    expect(link.take(first.socket, true)).toBe('first');
    for (let i = 1; i <= 5; i++) link.control({ type: 'n', i });
    expect(first.fake.written).toHaveLength(5);
    expect(link.acknowledge(2)).toBe(true);
    expect(link.acknowledge(1)).toBe(false);
    expect(link.acknowledge(6)).toBe(false);
    first.fake.closed = true;
    link.control({ type: 'n', i: 6 });
    const second = connection();
    // The peer took 3: frames 4, 5 and the one held while no connection was up go again, in order.
    expect(link.take(second.socket, true, 3)).toBe('resumed');
    expect(second.fake.written.map((frame) => JSON.parse(frame.subarray(5).toString()).i)).toEqual([4, 5, 6]);
    // Another connection resuming while this one lives: only its count is news, and it may not go back.
    expect(link.take(connection().socket, true, 3)).toBe('kept');
    expect(link.take(connection().socket, true, 2)).toBe('refused');
    expect(link.take(connection().socket, false, 9)).toBe('refused');
  });

  it('writes a batch after three more flush turns, gathering what they add, and at once ahead of a control frame', async () => {
    const link = new PeerLink(new FlushQueue());
    const { fake, socket } = connection();
    link.take(socket, true);
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const values = (frame: Buffer): unknown[] => JSON.parse(frame.subarray(5).toString()) as unknown[];
    link.push(Tag.PEER_UPDATE, { file: 'a' });
    const turnsToWrite = async (): Promise<number> => {
      for (let turns = 1; turns <= 10; turns++) {
        await turn();
        if (fake.written.length > 0) return turns;
        link.push(Tag.PEER_UPDATE, { file: `b${turns}` });
      }
      return -1;
    };
    // The first turn's flush, then three turns waited: everything pushed meanwhile goes in the one frame.
    expect(await turnsToWrite()).toBe(4);
    expect(values(fake.written[0])).toEqual([Tag.PEER_UPDATE, 'a', Tag.PEER_UPDATE, 'b1', Tag.PEER_UPDATE, 'b2', Tag.PEER_UPDATE, 'b3']);
    link.push(Tag.PEER_UPDATE, { file: 'c' });
    link.control({ type: 'n' });
    expect(fake.written.map(values)).toEqual([values(fake.written[0]), [Tag.PEER_UPDATE, 'c'], { type: 'n' }]);
  });

  it('closes for good the connection of a peer that reads but never acknowledges, past the unread limit', () => {
    const link = new PeerLink(new FlushQueue());
    const { fake, socket } = connection();
    link.take(socket, true);
    const piece = 'x'.repeat(2 ** 20);
    for (let i = 0; i * 2 ** 20 <= UNREAD_LIMIT + 2 ** 20 && !fake.closed; i++) link.control({ type: 'output', text: piece });
    expect(fake.reason).toMatch(/^was closed: it left 25[67] MiB unacknowledged \(it does not acknowledge what it is sent\)$/);
    expect(fake.written.length).toBeLessThanOrEqual(256);
  });
});

describe('handshake', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    server?.close();
  });

  async function pair(): Promise<{ acceptor: FramedSocket; connector: FramedSocket }> {
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
    });
    const port = await new Promise<number>((resolve) =>
      server?.listen(0, '127.0.0.1', () => resolve((server?.address() as { port: number }).port)),
    );
    const client = connect(port, '127.0.0.1');
    const serverSide = await accepted;
    sockets.push(client, serverSide);
    return { acceptor: new FramedSocket(serverSide), connector: new FramedSocket(client) };
  }

  it('admits a connector with the same key, each side learning the other rank', async () => {
    const { acceptor, connector } = await pair();
    const key = Buffer.from('0123456789abcdef0123');
    const [connectorRank, acceptorRank] = await Promise.all([acceptHandshake(acceptor, key, 0), connectHandshake(connector, key, 4, 0)]);
    expect([connectorRank, acceptorRank]).toEqual([4, 0]);
  });

  it('refuses a wrong key, and the connector learns nothing from the acceptor', async () => {
    const { acceptor, connector } = await pair();
    const accepting = acceptHandshake(acceptor, Buffer.from('the-right-key-0123456'), 0);
    const connecting = connectHandshake(connector, Buffer.from('a-wrong-key-000000000'), 2, 0);
    await expect(accepting).rejects.toThrow(new HandshakeError('wrong job key'));
    // The acceptor says it refused, so that the connector does not take it for a busy one and retry.
    await expect(connecting).rejects.toThrow(new HandshakeError('refused this rank: wrong job key'));
  });

  it('refuses a connector that stalls mid-frame once the handshake time is up', async () => {
    const { acceptor, connector } = await pair();
    connector.socket.write(Buffer.from([0, 0, 0, 69, FrameKind.PROOF, 1, 2]));
    await expect(acceptHandshake(acceptor, Buffer.from('0123456789abcdef0123'), 0, 200)).rejects.toThrow(
      'proof of the job key did not come within 0.2 s',
    );
  });

  it('closes a connection whose peer leaves more than the unread limit unread', async () => {
    const { connector } = await pair();
    // The acceptor's end never reads: every frame written waits in the connector's buffer.
    const body = Buffer.alloc(1 << 20);
    let written = 0;
    while (!connector.closed && written < 400) {
      connector.write(FrameKind.BATCH, body);
      written++;
    }
    expect(connector.closed).toBe(true);
    expect(written).toBeGreaterThan(200);
    expect(connector.reason).toMatch(/^was closed: it left \d+ MiB unread \(it does not read what it is sent\)$/);
  });

  it('pings a connection only when nothing else was written since the last look; past the handshake a ping is dropped unread', async () => {
    const { acceptor, connector } = await pair();
    const wire: Buffer[] = [];
    acceptor.socket.prependListener('data', (chunk: Buffer) => wire.push(chunk));
    const seen: string[] = [];
    acceptor.listen((frame) => seen.push(`${frame.kind}:${frame.body.toString()}`));
    connector.write(FrameKind.CONTROL, 'a');
    connector.pingIfQuiet(); // something was written since: no ping
    connector.pingIfQuiet(); // quiet: a ping
    connector.pingIfQuiet(); // its own ping is not something written: a ping again
    connector.write(FrameKind.CONTROL, 'b');
    await vi.waitFor(() => expect(seen).toEqual([`${FrameKind.CONTROL}:a`, `${FrameKind.CONTROL}:b`]));
    const reader = new FrameReader(1 << 20);
    reader.push(Buffer.concat(wire));
    const kinds: number[] = [];
    for (let frame = reader.next(); frame; frame = reader.next()) kinds.push(frame.kind);
    expect(kinds).toEqual([FrameKind.CONTROL, FrameKind.PING, FrameKind.PING, FrameKind.CONTROL]);
  });

  it('refuses a ping in place of a handshake frame', async () => {
    const { acceptor, connector } = await pair();
    const accepting = acceptHandshake(acceptor, Buffer.from('0123456789abcdef0123'), 0);
    connector.socket.write(encodeFrame(FrameKind.PING, ''));
    await expect(accepting).rejects.toThrow(new HandshakeError('sent something other than a proof of the job key'));
  });

  it('refuses a frame over the handshake limit before the key is proved', async () => {
    const { acceptor, connector } = await pair();
    const accepting = acceptHandshake(acceptor, Buffer.from('0123456789abcdef0123'), 0);
    connector.socket.write(encodeFrame(FrameKind.BATCH, 'x'.repeat(1000)));
    await expect(accepting).rejects.toThrow('sent a frame of 1001 bytes, over the limit of 128');
  });
});

describe('where a rank stands', () => {
  it('reads flags first, then the launchers in order', () => {
    expect(resolveWorld({ rank: 2, size: 4, coordinator: 'h:7077' }, { OMPI_COMM_WORLD_RANK: '1' })).toEqual({
      rank: 2,
      size: 4,
      coordinator: { host: 'h', port: 7077 },
    });
    const slurm = { SLURM_PROCID: '3', SLURM_NTASKS: '6', MASTER_ADDR: 'fe80::1', MASTER_PORT: '9000' };
    expect(resolveWorld({}, slurm)).toEqual({ rank: 3, size: 6, coordinator: { host: 'fe80::1', port: 9000 } });
    expect(resolveWorld({}, { PMIX_RANK: '0', PMI_SIZE: '3', RANK: '0', MASTER_ADDR: 'a', MASTER_PORT: '1' }).rank).toBe(0);
  });

  it('says what is missing or contradictory', () => {
    const world = (env: NodeJS.ProcessEnv, coordinator: string | null = 'h:1'): string => {
      try {
        resolveWorld({ coordinator: coordinator ?? undefined }, env);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(world({})).toMatch(/^rank: unknown: pass --rank, or start under a launcher that sets one of OMPI_COMM_WORLD_RANK/);
    expect(world({ RANK: '1' })).toMatch(/^size: unknown \(rank 1 from RANK\): pass --size/);
    expect(world({ OMPI_COMM_WORLD_RANK: '1', PMI_RANK: '2', OMPI_COMM_WORLD_SIZE: '4' })).toBe(
      'rank: the launcher variables disagree: OMPI_COMM_WORLD_RANK=1 but PMI_RANK=2 (pass --rank and --size to choose)',
    );
    expect(world({ RANK: '5', WORLD_SIZE: '5' })).toBe('RANK: rank 5 does not exist in a job of 5 ranks (WORLD_SIZE)');
    expect(world({ RANK: 'x', WORLD_SIZE: '5' })).toBe('RANK: expected a whole number, got "x"');
    expect(world({ RANK: '1', WORLD_SIZE: '5' }, null)).toMatch(/^coordinator: unknown: pass --coordinator HOST:PORT/);
    expect(world({ RANK: '1', WORLD_SIZE: '5', MASTER_ADDR: 'h' }, null)).toBe(
      'MASTER_ADDR: is set but its partner is not: set both, or pass --coordinator HOST:PORT',
    );
    expect(world({ RANK: '1', WORLD_SIZE: '5' }, 'h:99999')).toBe(
      '--coordinator: expected HOST:PORT with a port from 1 to 65535, got "h:99999"',
    );
  });

  it('with --ranks, gives each launcher process its block of the ranks, and names processes where they are meant', () => {
    const blocks = [0, 1, 2, 3].map((rank) => resolveWorld({ ranks: 10, rank, size: 4, coordinator: 'h:1' }).group?.ranks);
    expect(blocks).toEqual([
      [0, 1],
      [2, 3, 4],
      [5, 6],
      [7, 8, 9],
    ]);
    expect(resolveWorld({ ranks: 10, coordinator: 'h:1' }, { SLURM_PROCID: '1', SLURM_NTASKS: '2' })).toMatchObject({
      rank: 5,
      size: 10,
      group: { index: 1, processes: 2, ranks: [5, 6, 7, 8, 9] },
    });
    const refused = (flags: Parameters<typeof resolveWorld>[0], env: NodeJS.ProcessEnv = {}): string =>
      (() => {
        try {
          resolveWorld({ coordinator: 'h:1', ...flags }, env);
          return 'no error';
        } catch (error) {
          return (error as Error).message;
        }
      })();
    expect(refused({ ranks: 4, rank: 0, size: 5 })).toBe(
      '--size: 5 processes cannot share a job of 4 ranks (--ranks): each needs one rank at least',
    );
    expect(refused({ ranks: 4 }, { RANK: '1' })).toMatch(/^size: unknown \(process 1 from RANK\)/);
    expect(refused({ rank: 7, rankFrom: '--hosted', size: 7 })).toBe('--hosted: rank 7 does not exist in a job of 7 ranks (--size)');
  });

  it('wants a job key of some length, and never a default', () => {
    expect(() => readJobKey(undefined, {})).toThrow(/job key: none given: set SIM_JOB_KEY/);
    expect(() => readJobKey(undefined, { SIM_JOB_KEY: 'short' })).toThrow('SIM_JOB_KEY: the job key must have at least 16 characters');
    expect(readJobKey(undefined, { SIM_JOB_KEY: ' 0123456789abcdef \n' }).toString()).toBe('0123456789abcdef');
  });
});

describe('the log of refused connections', () => {
  it('logs the first five, then one line per interval with a count and the last reason', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const refusals = new RefusalLog((line) => lines.push(line));
      for (let n = 1; n <= 4214; n++) refusals.refused(`refused a connection from 10.0.0.1:${n}: wrong job key`);
      expect(lines).toHaveLength(5);
      vi.advanceTimersByTime(5000);
      expect(lines).toHaveLength(6);
      expect(lines[5]).toBe('4209 more connections refused (the last: from 10.0.0.1:4214: wrong job key)');
      refusals.refused('refused a connection from 10.0.0.2:1: garbage');
      refusals.flush();
      expect(lines.slice(6)).toEqual(['1 more connection refused (the last: from 10.0.0.2:1: garbage)']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('outputs sent to the coordinator', () => {
  it('takes a name alone only where the clients write into its own folder', async () => {
    const job = { clients: [{ wanted: ['file1'] }], files: new Map([['file1', ['a'.repeat(32)]]]) } as unknown as Parameters<
      OutputAssembly['expect']
    >[0];
    for (const shared of [true, false]) {
      const written: string[] = [];
      const failures: string[] = [];
      const outputs = new OutputAssembly(
        tempDir(),
        (_, name) => written.push(name),
        (failure: RankFailure) => failures.push(failure.message),
        shared,
      );
      await outputs.expect(job);
      outputs.take(1, { type: 'written', name: 'client1_file1' });
      outputs.take(1, { type: 'written', name: 'client1_file2' });
      expect(written).toEqual(shared ? ['client1_file1'] : []);
      expect(failures).toEqual([
        ...(shared ? [] : ['rank 1 failed: sent only the name of client1_file1, whose text rank 0 must write']),
        'rank 1 failed: sent an output named client1_file2, which is not one it wants',
      ]);
    }
  });
});

describe('why an established TLS link ended', () => {
  const error = (
    code: string,
    message = `error:0A000000:SSL routines:ssl3_get_record:${code.slice(8).toLowerCase().replaceAll('_', ' ')}:`,
  ) => Object.assign(new Error(message), { code });
  it('calls any record this end refuses a change on the way, whichever check caught it, and says an alert as it is', () => {
    const tampered = 'ended: a TLS record failed its integrity check (changed on the way)';
    for (const code of [
      'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
      'ERR_SSL_BAD_RECORD_TYPE',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'ERR_SSL_PACKET_LENGTH_TOO_LONG',
    ])
      expect(socketProblem(error(code)), code).toBe(tampered);
    expect(socketProblem(error('ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC'))).toBe(tampered);
    expect(socketProblem(error('ERR_SSL_TLSV1_ALERT_DECODE_ERROR'))).toBe('ended: the other end ended TLS (tlsv1 alert decode error)');
    expect(socketProblem(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('read ECONNRESET');
  });
});
