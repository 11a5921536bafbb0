import { connect, type Socket } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClient } from '../sim/job/inputs.js';
import { FramedSocket } from '../sim/transports/tcp/framed-socket.js';
import { encodeFrame, FrameKind } from '../sim/transports/tcp/frames.js';
import { connectHandshake } from '../sim/transports/tcp/handshake.js';
import { linkSecurity, openSecureSocket } from '../sim/transports/tcp/secure-socket.js';
import { generated, sim } from './helpers/cli.js';
import { outputsOf } from './helpers/files.js';
import { freePort, processesWith, startRank, startSim, waitFor } from './helpers/processes.js';

/** The generated suite without its 64-rank case, which takes 64 processes on 2 cores at one process per rank. */
const SMALL_SUITE_CASES = readdirSync('test/suite')
  .filter((name) => !name.startsWith('r64'))
  .map((name) => join('test/suite', name));
const KEY = 'tcp-test-job-key-0123456789abcdef';
const keyed = { ...process.env, SIM_JOB_KEY: KEY };

/** Opens a connection to rank 0 and sends `bytes`, leaving it open. */
function hostile(port: number, bytes: Buffer): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      resolve(() => socket.destroy());
    });
    socket.on('error', reject);
  });
}

/** A 5-rank TCP run that cannot finish on its own: rank 1 stops reading its messages. One process per rank, to count them. */
function stalledRun(seed: string): { dir: string; run: ReturnType<typeof startSim> } {
  const dir = generated(['--ranks', '5', '--files', '3', '--segments', '30', '--wants', '2', '--seed', seed]);
  const stalled = ['--fault', 'stall:1', '--stall-timeout', '60'];
  return { dir, run: startSim(['run', dir, '--transport', 'tcp', '--processes', 'all', '--out', join(dir, 'out'), '--quiet', ...stalled]) };
}

describe('sim run --transport tcp', () => {
  it('passes the generated suite in rank groups, and with one process per rank, checked against the expected outputs', () => {
    const grouped = sim('check', 'test/suite', '--transport', 'tcp', '--processes', '2');
    expect(grouped.stderr).toBe('');
    expect(grouped.stdout).toMatch(/^check: 6 passed, 0 failed$/m);
    expect(grouped.status).toBe(0);
    const result = sim('check', ...SMALL_SUITE_CASES, '--transport', 'tcp', '--processes', 'all');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^check: 5 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('writes the same output files as the threads transport, one process per rank or in rank groups', () => {
    const dir = generated(['--ranks', '7', '--files', '4', '--segments', '20-60', '--wants', '3', '--seed', 'tcp']);
    const threads = join(dir, 'threads');
    expect(sim('run', dir, '--out', threads, '--quiet').status).toBe(0);
    expect(outputsOf(threads).size).toBeGreaterThan(0);
    const layouts = [
      ['all', ['0', '1', '2', '3', '4', '5', '6']],
      ['2', ['0', '1-3', '4-6']],
      ['1', ['0', '1-6']],
    ] as const;
    for (const [processes, layout] of layouts) {
      const tcp = join(dir, `tcp-${processes}`);
      const started = performance.now();
      const run = sim('run', dir, '--transport', 'tcp', '--processes', processes, '--out', tcp, '--quiet', '--json');
      const seconds = (performance.now() - started) / 1000;
      expect(run.status, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout) as {
        run: { transport: string; ok: boolean; workers: number; processes: string[]; firstRequestSeconds?: number };
      };
      expect(doc.run).toMatchObject({ transport: 'tcp', ok: true, workers: layout.length - 1, processes: layout });
      // Told by the clients, in their processes: within the life of the whole command.
      expect(doc.run.firstRequestSeconds).toBeGreaterThan(0);
      expect(doc.run.firstRequestSeconds).toBeLessThan(seconds);
      expect(outputsOf(tcp)).toEqual(outputsOf(threads));
      expect(readdirSync(join(tcp, 'report'))).toContain('index.html');
    }
  });

  it('gives each client a fault kills a process of its own, so its group lives on; --processes and --hosted are checked', () => {
    const dir = generated(['--ranks', '7', '--files', '2', '--segments', '40', '--seeders', '2', '--seed', 'alone']);
    const args = [
      '--transport',
      'tcp',
      '--processes',
      '1',
      '--out',
      join(dir, 'out'),
      '--fault',
      'kill:3@segments=10',
      '--json',
      '--quiet',
    ];
    const result = sim('run', dir, ...args);
    expect([0, 4]).toContain(result.status);
    const doc = JSON.parse(result.stdout) as { run: { processes: string[] }; faults?: { lost: number[] } };
    expect(doc.run.processes).toEqual(['0', '1-2,4-6', '3']);
    expect(doc.faults?.lost).toEqual([3]);
    const refused = (...more: string[]): [number | null, string] => {
      const { status, stderr } = sim(...more);
      return [status, stderr];
    };
    expect(refused('run', dir, '--processes', '2')).toEqual([2, 'sim: --processes: applies to the tcp transport only\n']);
    const rank = ['rank', dir, '--size', '7', '--coordinator', '127.0.0.1:9', '--connect-timeout', '1'];
    expect(refused(...rank, '--hosted', '1-2', '--rank', '1')).toEqual([
      2,
      'sim: --hosted: names the ranks of this process: give it, or --rank or --ranks, not both\n',
    ]);
    expect(refused(...rank, '--hosted', '5-7')).toEqual([
      2,
      'sim: --hosted: rank 7 is not a client of this 7-rank job (clients are 1 to 6)\n',
    ]);
    expect(refused(...rank, '--hosted', '3,2')).toEqual([2, 'sim: --hosted: expected ascending ranks from 1, as 1-15,17, got "3,2"\n']);
  });

  it('ends the run naming a rank whose process exits, and leaves no process behind', () => {
    const dir = generated(['--ranks', '5', '--files', '3', '--segments', '30', '--wants', '2', '--seed', 'exit']);
    const result = sim('run', dir, '--transport', 'tcp', '--out', join(dir, 'out'), '--quiet', '--fault', 'exit:2');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^sim: rank 2 failed: (its process exited with code 3|its connection closed)/m);
    expect(processesWith(dir)).toEqual([]);
  });

  it('forwards Ctrl-C to every rank and exits 130', async () => {
    const { dir, run } = stalledRun('sigint');
    expect(await waitFor(() => processesWith(dir).length === 5, 10_000)).toBe(true);
    process.kill(run.pid, 'SIGINT');
    expect((await run.exited).status).toBe(130);
    expect(await waitFor(() => processesWith(dir).length === 0, 3000)).toBe(true);
  });
});

describe('sim rank', () => {
  async function job(dir: string, size: number, extra: (rank: number) => string[] = () => []) {
    const port = await freePort();
    const start = (rank: number) =>
      startRank(dir, rank, size, port, { out: join(dir, `out${rank}`), extra: ['--no-report', ...extra(rank)], env: keyed });
    return { port, start };
  }

  it('with --ranks, hosts a block of ranks per launcher process, prints and records the assignment, and writes what threads writes', async () => {
    const dir = generated(['--ranks', '9', '--files', '3', '--segments', '20-60', '--wants', '2', '--seed', 'blocks']);
    const threads = join(dir, 'threads');
    expect(sim('run', dir, '--out', threads, '--quiet').status).toBe(0);
    // As mpirun -np 3 sim rank DIR --ranks 9 starts it: the launcher's rank and size count processes.
    const { start } = await job(dir, 3, () => ['--ranks', '9', '--json']);
    const processes = [0, 1, 2].map(start);
    const ends = await Promise.all(processes.map((running) => running.exited));
    expect(ends.map((end) => end.status)).toEqual([0, 0, 0]);
    expect(ends[0].stderr).toBe('sim: rank 0: 9 ranks in 3 processes: 0-2 | 3-5 | 6-8\n');
    const doc = JSON.parse(ends[0].stdout) as { ok: boolean; run: { workers: number; processes: string[]; firstRequestSeconds?: number } };
    expect(doc).toMatchObject({ ok: true, run: { workers: 3, processes: ['0-2', '3-5', '6-8'] } });
    expect(doc.run.firstRequestSeconds).toBeGreaterThan(0);
    // Each process writes its own clients' outputs: together, what threads wrote.
    const written = new Map([0, 1, 2].flatMap((rank) => [...outputsOf(join(dir, `out${rank}`))]));
    expect(written).toEqual(outputsOf(threads));
    const refused = sim('rank', dir, '--ranks', '9', '--rank', '0', '--size', '10', '--coordinator', '127.0.0.1:9');
    expect([refused.status, refused.stderr]).toEqual([
      2,
      'sim: --size: 10 processes cannot share a job of 9 ranks (--ranks): each needs one rank at least\n',
    ]);
  });

  it('refuses an impostor with the key that sends an output in pieces bigger than its file, naming it', async () => {
    const dir = generated(['--ranks', '3', '--files', '2', '--segments', '20', '--wants', '1', '--seed', 'impostor']);
    const { port, start } = await job(dir, 3, () => ['--connect-timeout', '10']);
    const rank0 = start(0);
    const rank2 = start(2);
    // Rank 1 is played here: it proves the key, registers with rank 1's input, then floods.
    const socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = (): void => {
        openSecureSocket('127.0.0.1', port, linkSecurity(Buffer.from(KEY))).then(resolve, () => setTimeout(attempt, 100));
      };
      attempt();
      setTimeout(() => reject(new Error('rank 0 never listened')), 10_000).unref();
    });
    const framed = new FramedSocket(socket);
    expect(await connectHandshake(framed, Buffer.from(KEY), 1, 0)).toBe(0);
    const input = parseClient(join(dir, 'in1.txt'), readFileSync(join(dir, 'in1.txt'), 'utf8'));
    const control = (message: object): void => framed.write(FrameKind.CONTROL, JSON.stringify(message));
    const tableCame = new Promise<void>((resolve) => framed.listen((frame) => frame.kind === FrameKind.CONTROL && resolve()));
    control({ type: 'register', size: 3, host: '127.0.0.1', port: 9, files: input, lists: null });
    await tableCame;
    const piece = 'f'.repeat(1 << 20);
    const name = `client1_${input.wanted[0]}`;
    for (let n = 0; n < 300 && !framed.closed; n++) {
      control({ type: 'output', name, text: piece, last: false });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ends = await Promise.all([rank0.exited, rank2.exited]);
    framed.destroy('done');
    expect(ends[0].status).toBe(1);
    expect(ends[0].stderr).toMatch(new RegExp(`rank 1 failed: sent ${name} in pieces more than the \\d+ bytes its segments take: refused`));
  });

  it('survives a wrong key, HTTP, an oversized prefix, a stalled TLS handshake and a plain-TCP rank, and completes the job', async () => {
    const dir = generated(['--ranks', '4', '--files', '2', '--segments', '20', '--wants', '2', '--seed', 'hostile']);
    const { port, start } = await job(dir, 4);
    const rank0 = start(0);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0x7fffffff);
    const wrongKey = startSim(['rank', dir, '--rank', '1', '--size', '4', '--coordinator', `127.0.0.1:${port}`, '--connect-timeout', '5'], {
      ...process.env,
      SIM_JOB_KEY: 'not-the-job-key-at-all',
    });
    // Refused by rank 0, so rank 0 listens by now.
    const bad = await wrongKey.exited;
    const closers = await Promise.all([
      hostile(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      hostile(port, huge),
      // The start of a TLS record, then nothing.
      hostile(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x80, 0x01])),
      // A rank of a version before TLS: the handshake's first frame in the clear.
      hostile(port, encodeFrame(FrameKind.PROOF, Buffer.alloc(68))),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/rank 0 at 127\.0\.0\.1:\d+ did not accept this rank \(refused this rank: wrong job key\).*same job key/);
    // The stalled one is refused when its time is up, before the clients start.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const clients = [1, 2, 3].map(start);
    const ends = await Promise.all([rank0.exited, ...clients.map((client) => client.exited)]);
    for (const close of closers) close();
    expect(ends.map((end) => end.status)).toEqual([0, 0, 0, 0]);
    expect(ends[0].stdout).toMatch(/all correct/);
    const log = ends[0].stderr;
    expect(log).toMatch(/sim: rank 0: refused a connection from 127\.0\.0\.1:\d+: wrong job key/);
    expect(log).toMatch(/refused a connection from 127\.0\.0\.1:\d+: spoke something other than TLS \(http request\)/);
    // The plain-TCP rank; the oversized prefix is short of a TLS record header, so it stalls too.
    expect(log).toMatch(/refused a connection from 127\.0\.0\.1:\d+: spoke something other than TLS \(wrong version number\)/);
    expect(log.match(/refused a connection from 127\.0\.0\.1:\d+: the TLS handshake did not finish within 5 s/g)).toHaveLength(2);
    // Rank 0 holds every output though each client wrote only its own.
    const all = [...outputsOf(join(dir, 'out0')).keys()];
    const own = [1, 2, 3].flatMap((rank) => [...outputsOf(join(dir, `out${rank}`)).keys()]);
    expect(all.sort()).toEqual(own.sort());
  }, 30_000);

  it("ends every rank when one rank's input is bad, naming the file and line", async () => {
    const dir = generated(['--ranks', '4', '--files', '2', '--segments', '5', '--wants', '1', '--seed', 'bad']);
    writeFileSync(join(dir, 'in2.txt'), '1\nfile1 x\n');
    // A rank that starts after rank 0 has ended the job keeps trying to reach it until its connect timeout.
    const { start } = await job(dir, 4, () => ['--connect-timeout', '5']);
    const ends = await Promise.all([0, 1, 2, 3].map((rank) => start(rank).exited));
    // Rank 0 and the rank with the bad file say it is bad input; the others are told or lose rank 0.
    expect([ends[0].status, ends[2].status]).toEqual([2, 2]);
    expect(ends.every((end) => end.status !== 0)).toBe(true);
    expect(ends[0].stderr).toMatch(/in2\.txt:2: expected a number of segments >= 1 for file1, got "x"/);
  });

  it('a registered rank whose rank 0 stops before the table ends within its connect timeout, naming rank 0', async () => {
    const dir = generated(['--ranks', '4', '--files', '2', '--segments', '5', '--wants', '1', '--seed', 'stopped0']);
    const { start } = await job(dir, 4, () => ['--connect-timeout', '2']);
    const rank0 = start(0);
    // Rank 3 never starts: the table can never go out, and rank 0 is stopped before it could say so.
    const clients = [1, 2].map(start);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    process.kill(rank0.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const ends = await Promise.all(clients.map((client) => client.exited));
      expect(ends.map((end) => end.status)).toEqual([1, 1]);
      for (const end of ends) expect(end.stderr).toMatch(/rank 0 (sent no address table within 7 s|.*did not accept this rank)/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      process.kill(rank0.pid, 'SIGKILL');
    }
  });

  it('refuses a rank started for a job of another size', async () => {
    const dir = generated(['--ranks', '4', '--files', '2', '--segments', '5', '--wants', '1', '--seed', 'size']);
    // A rank that starts after rank 0 has refused the job keeps trying to reach it until its connect timeout.
    const { start } = await job(dir, 4, (rank) => [...(rank === 2 ? ['--size', '5'] : []), '--connect-timeout', '5']);
    const ends = await Promise.all([0, 1, 2, 3].map((rank) => start(rank).exited));
    expect(ends[0].status).toBe(2);
    expect(ends[0].stderr).toMatch(/^sim: rank 2: was started for a 5-rank job, but rank 0 for a 4-rank job/m);
    expect(ends.slice(1).every((end) => end.status !== 0)).toBe(true);
  });
});
