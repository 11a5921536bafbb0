import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChangeKind, ReplicatedChange, SwarmPayloads } from '../ranks/protocol.js';
import { restoreState, snapshotOf } from '../ranks/tracker-snapshot.js';
import { TrackerState } from '../ranks/tracker-state.js';
import type { MetricsDocument } from '../reports/document.js';
import { loadJob } from '../sim/job/inputs.js';
import { FileJournal, JournalDamaged, LOG_FILE, logLine, SNAPSHOT_FILE } from '../sim/rank-host/tracker-journal.js';
import { generated, sim } from './helpers/cli.js';
import { hash, outputsOf, tempDir } from './helpers/files.js';

/** A job's worth of changes: registrations, the go-ahead, peers joining, completions, a drop and a leaver. */
function changes(count: number): ReplicatedChange[] {
  const kinds: [ChangeKind, number, string][] = [
    ['register', 1, ''],
    ['register', 2, ''],
    ['later', 5, ''],
    ['go', 0, ''],
  ];
  for (let rank = 3; kinds.length < count; rank++) {
    kinds.push(['peer', rank, 'a'], ['peer', rank, 'b'], ['complete', rank, 'a']);
    if (rank % 4 === 0) kinds.push(['drop', rank, '']);
    if (rank % 5 === 0) kinds.push(['done', rank, ''], ['leave', rank, '']);
  }
  return kinds.slice(0, count).map(([kind, rank, file], i) => ({
    seq: i + 1,
    kind,
    rank,
    file,
    files: kind === 'register' ? [{ name: rank === 1 ? 'a' : 'b', hashes: [hash(rank), hash(rank + 10)] }] : [],
    uploadKbps: kind === 'register' ? 1000 * rank : 0,
  }));
}

/** The state these changes build, applied one by one as a standby would. */
function stateOf(list: readonly ReplicatedChange[]): TrackerState {
  const state = new TrackerState();
  for (const change of list) state.apply(change);
  return state;
}

/** Writes the changes through a journal, syncing every `batch`, and closes it. */
function journalled(dir: string, list: readonly ReplicatedChange[], batch: number, snapshotEvery?: number): void {
  const journal = new FileJournal(dir, true, snapshotEvery);
  const state = new TrackerState();
  list.forEach((change, i) => {
    state.apply(change);
    journal.append(change);
    if ((i + 1) % batch === 0 || i === list.length - 1) journal.sync(() => snapshotOf(state, change.seq));
  });
}

function reopened(dir: string): FileJournal {
  return new FileJournal(dir, false);
}

describe('the tracker journal (--tracker-state)', () => {
  it('gives back every change synced, in order, and a fresh tracker starts it empty', () => {
    const dir = tempDir();
    const list = changes(40);
    journalled(dir, list, 7);
    expect(reopened(dir).saved).toEqual({ snapshot: undefined, changes: list });
    new FileJournal(dir, true);
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toBe('');
  });

  it('keeps nothing that was appended but never synced', () => {
    const dir = tempDir();
    const journal = new FileJournal(dir, true);
    const list = changes(5);
    list.forEach((change) => journal.append(change));
    expect(reopened(dir).saved.changes).toEqual([]);
  });

  it('drops a torn last line, cuts it off the file, and appends after the last whole line', () => {
    const list = changes(12);
    const cases: [string, string][] = [
      ['cut short', logLine(list[10]).slice(0, 30)],
      ['a line end but a wrong digest', logLine(list[10]).replace('"seq":11', '"seq": 11')],
      ['zeros the file system left', '\0'.repeat(64)],
    ];
    for (const [what, tail] of cases) {
      const dir = tempDir();
      journalled(dir, list.slice(0, 10), 4);
      const whole = statSync(join(dir, LOG_FILE)).size;
      appendFileSync(join(dir, LOG_FILE), tail);
      const journal = new FileJournal(dir, false);
      expect(journal.saved.changes, what).toEqual(list.slice(0, 10));
      expect(journal.tornLines, what).toBe(1);
      expect(statSync(join(dir, LOG_FILE)).size, what).toBe(whole);
      journal.append(list[10]);
      journal.sync(() => snapshotOf(stateOf(list.slice(0, 11)), 11));
      expect(reopened(dir).saved.changes, what).toEqual(list.slice(0, 11));
    }
  });

  it('refuses damage before the last line, and a gap in the numbers, naming the file and line', () => {
    const list = changes(10);
    const dir = tempDir();
    journalled(dir, list, 10);
    const path = join(dir, LOG_FILE);
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [...lines.slice(0, 3), lines[3].replace('"rank":', '"rank": '), ...lines.slice(4)].join('\n'));
    expect(() => reopened(dir)).toThrow(new JournalDamaged(`${path} line 4: not a change this tracker wrote (its digest does not match)`));
    writeFileSync(path, [...lines.slice(0, 3), ...lines.slice(4)].join('\n'));
    expect(() => reopened(dir)).toThrow(new JournalDamaged(`${path} line 4: change 5 after change 3`));
  });

  it('snapshots now and then, and a snapshot plus the log after it rebuild the same state', () => {
    const dir = tempDir();
    const list = changes(103);
    journalled(dir, list, 3, 20);
    // A snapshot a killed tracker never finished writing is no state, and goes when the folder is opened.
    writeFileSync(join(dir, `${SNAPSHOT_FILE}.token.1-0-9.tmp`), '{"seq":');
    const journal = reopened(dir);
    expect(readdirSync(dir).sort()).toEqual([LOG_FILE, SNAPSHOT_FILE]);
    const { snapshot, changes: after } = journal.saved;
    expect(snapshot?.seq).toBeGreaterThanOrEqual(80);
    expect(after.map((change) => change.seq)).toEqual(list.slice(snapshot?.seq).map((change) => change.seq));
    const rebuilt = new TrackerState();
    expect(restoreState(rebuilt, snapshot, after)).toBe(103);
    const whole = stateOf(list);
    expect(snapshotOf(rebuilt, 103)).toEqual(snapshotOf(whole, 103));
    // What the counters behind settled and allRegistered say must match too.
    expect([rebuilt.settled(30), rebuilt.allRegistered(30, true)]).toEqual([whole.settled(30), whole.allRegistered(30, true)]);
  });

  it('skips the changes a snapshot covers when the process died before the log was started again', () => {
    const dir = tempDir();
    const list = changes(30);
    journalled(dir, list, 30);
    // As if the snapshot at 20 had been renamed into place, and the log not yet emptied.
    writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify(snapshotOf(stateOf(list.slice(0, 20)), 20)));
    const { snapshot, changes: after } = reopened(dir).saved;
    expect(snapshot?.seq).toBe(20);
    expect(after).toEqual(list.slice(20));
  });

  it('refuses a snapshot it cannot read, naming it', () => {
    const dir = tempDir();
    journalled(dir, changes(3), 3);
    writeFileSync(join(dir, SNAPSHOT_FILE), '{"seq":');
    expect(() => reopened(dir)).toThrow(JournalDamaged);
    expect(() => reopened(dir)).toThrow(join(dir, SNAPSHOT_FILE));
  });
});

/** Two owners per file, so that nothing depends on which client a fault hits. */
const CASE = ['--ranks', '9', '--files', '4', '--segments', '30-60', '--wants', '3', '--seeders', '2', '--seed', 'tracker-state'];

function runDoc(...args: string[]): { status: number | null; stderr: string; doc?: MetricsDocument } {
  const result = sim('run', ...args, '--quiet', '--json', '--no-report');
  return { status: result.status, stderr: result.stderr, doc: result.stdout ? (JSON.parse(result.stdout) as MetricsDocument) : undefined };
}

describe('the only tracker restarted from --tracker-state', () => {
  const dir = generated(CASE);
  const job = loadJob(dir);
  const expected = new Map<string, string>();
  job.clients.forEach((client, i) => {
    for (const file of client.wanted) expected.set(`client${i + 1}_${file}`, `${(job.files.get(file) ?? []).join('\n')}\n`);
  });

  it.each([
    ['virtual', ['--check-determinism'], ['segments=1', 'segments=150', 'segments=400', 'time=0s']],
    ['threads', [], ['segments=1', 'segments=150', 'segments=400', 'time=0s']],
    ['tcp', [], ['segments=1', 'segments=400']],
  ])('over %s, the job completes with every output correct, wherever the restart falls', (transport, extra, points) => {
    for (const at of points) {
      const out = tempDir();
      const state = join(out, 'state');
      const faults = ['--fault', `restart:0@${at}`, '--fault', `kill:3@${at}`];
      const { status, stderr, doc } = runDoc(dir, '--out', out, '--transport', transport, '--tracker-state', state, ...faults, ...extra);
      // Over TCP the coordinator says what it saw of each process; nothing else may go to stderr.
      expect(
        stderr.split('\n').filter((line) => line !== '' && !line.startsWith('sim: coordinator: ')),
        at,
      ).toEqual([]);
      expect(status, at).toBe(0);
      expect(doc?.faults?.fired.map((fired) => fired.spec).sort(), at).toEqual([`kill:3@${at}`, `restart:0@${at}`]);
      // Rank 3 was killed: every other client's outputs are on disk, byte for byte.
      const written = outputsOf(out);
      for (const [name, text] of expected) if (!name.startsWith('client3_')) expect(written.get(name), name).toBe(text);
      for (const [name, text] of written) expect(text, name).toBe(expected.get(name));
      expect(doc?.outputs.problems, at).toEqual([]);
      // The restarted life kept numbering where the first stopped: no change was logged twice.
      const numbers = readFileSync(join(state, LOG_FILE), 'utf8')
        .trim()
        .split('\n')
        .map((line) => Number(line.split(' ')[0]));
      expect(numbers, at).toEqual(numbers.map((_, i) => numbers[0] + i));
      expect(existsSync(join(state, SNAPSHOT_FILE)), at).toBe(false);
    }
  });

  it('leaves no file open behind a killed tracker, run after run in one process', async () => {
    const { runJob, defaultNetwork } = await import('../sim/run/pipeline.js');
    const { addFault, emptyPlan } = await import('../sim/faults/plan.js');
    const { builtinChoice } = await import('../sim/strategies/choice.js');
    const open = (): number => readdirSync('/proc/self/fd').length;
    const run = async (): Promise<number> => {
      const out = tempDir();
      const faults = addFault(addFault(emptyPlan(), 'restart:0@segments=100'), 'restart:0@segments=300');
      const doc = await runJob(job, {
        transport: 'virtual',
        virtual: { seed: '1', network: defaultNetwork() },
        strategy: builtinChoice('round-robin'),
        pipeline: 'auto',
        outDir: out,
        stallTimeoutMs: 10_000,
        trackerState: join(out, 'state'),
        faults,
      });
      return doc.exitCode ?? 1;
    };
    expect(await run()).toBe(0);
    const before = open();
    for (let i = 0; i < 5; i++) expect(await run()).toBe(0);
    expect(open()).toBe(before);
  });

  it('is refused, before anything runs, beside a standby, and where the tracker would never come back', () => {
    const out = tempDir();
    const cases: [string[], string][] = [
      [['--trackers', '2'], "--tracker-state STATE: keeps the only tracker's state: with --trackers 2 the standby keeps it"],
      [
        ['--transport', 'tcp', '--trackers', '2'],
        "--tracker-state STATE: keeps the only tracker's state: with --trackers 2 the standby keeps it",
      ],
    ];
    cases.push([
      ['--fault', 'kill:0@segments=5'],
      '--fault kill:0@segments=5: with --tracker-state the clients wait for the tracker to come back: add restart:0@...',
    ]);
    for (const [args, message] of cases) {
      const result = sim('run', dir, '--out', out, '--tracker-state', join(out, 'state'), ...args);
      expect(result.stderr).toBe(`sim: ${message.replace('STATE', join(out, 'state'))}\n`);
      expect(result.status).toBe(2);
    }
  });
});

describe('replies wait for the disk', () => {
  it('holds a reply until its change is synced, and says so', async () => {
    const { Replicator } = await import('../ranks/replication.js');
    const { Tag } = await import('../ranks/protocol.js');
    const sent: number[] = [];
    const comm = { send: (dest: number) => sent.push(dest) } as unknown as ConstructorParameters<typeof Replicator>[0];
    const synced: number[] = [];
    const journal = { saved: { snapshot: undefined, changes: [] }, append: () => undefined, sync: () => synced.push(1) };
    const replicator = new Replicator(comm, new TrackerState(), undefined, undefined, journal);
    const [register] = changes(1);
    replicator.commit(register);
    replicator.reply(1, Tag.INIT_ACK, null);
    expect(sent).toEqual([]);
    expect(replicator.synced).toBe(false);
    expect(replicator.describe()).toBe('1 replies held until change 1 is on disk');
    expect(replicator.sync()).toBe(true);
    expect([sent, synced, replicator.synced]).toEqual([[1], [1], true]);
    // Nothing new: no write, and a reply goes at once.
    expect(replicator.sync()).toBe(false);
    replicator.reply(2, Tag.INIT_ACK, null);
    expect([sent, synced]).toEqual([[1, 2], [1]]);
  });
});

describe('a tracker whose saved state cannot be read', () => {
  it('fails, naming the folder or the file and line, instead of serving from a wrong state', async () => {
    const { TrackerHost } = await import('../sim/rank-host/rank-host.js');
    const { Roles } = await import('../ranks/roles.js');
    const { loopback } = await import('./helpers/loopback.js');
    const roles = new Roles(3, 1);
    const dir = tempDir();
    journalled(dir, changes(6), 6);
    const path = join(dir, LOG_FILE);
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [lines[0], lines[1].replace('"rank":2', '"rank":1'), ...lines.slice(2)].join('\n'));
    const restarted = (stateDir: string) =>
      new TrackerHost({ comm: loopback<SwarmPayloads>(3)[0], roles, start: 'restarted', stateDir }).run();
    expect(await restarted(dir)).toMatchObject({
      type: 'failed',
      message: `${path} line 2: not a change this tracker wrote (its digest does not match)`,
    });
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    expect(await restarted(file)).toMatchObject({
      type: 'failed',
      message: expect.stringMatching(new RegExp(`^--tracker-state ${file}: EEXIST`)),
    });
  });
});
