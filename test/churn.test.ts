import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import type { ChangeKind } from '../ranks/protocol.js';
import { TrackerState } from '../ranks/tracker-state.js';
import { sim } from './helpers/cli.js';
import { inputText, tempDir, writeInputs } from './helpers/files.js';
import { leaversCase } from './helpers/churn.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Ranks 1-3 share a small file A (rank 1 owns it, 2 and 3 want it), so they finish early;
 * ranks 4 and 5 trade two large files, B and C, and finish late. Under --seed-time 2 the
 * first three leave mid-run, and nothing the others need leaves with them.
 */
function earlyLeavers(): string {
  return writeInputs([
    inputText([['fileA', range(5)]], []),
    inputText([], ['fileA']),
    inputText([], ['fileA']),
    inputText([['fileB', range(200)]], ['fileC']),
    inputText([['fileC', range(200)]], ['fileB']),
  ]);
}

interface Run {
  status: number | null;
  stderr: string;
  doc: MetricsDocument;
  trace: { t: number; from: number; to: number; tag: string }[];
}

function run(dir: string, ...args: string[]): Run {
  const out = tempDir();
  const tracePath = join(out, 'trace.jsonl');
  const result = sim('run', dir, '--out', out, '--json', '--no-report', '--transport', 'virtual', '--trace', tracePath, ...args);
  const doc = JSON.parse(result.stdout) as MetricsDocument;
  const trace = readFileSync(tracePath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Run['trace'][number]);
  return { status: result.status, stderr: result.stderr, doc, trace };
}

describe('churn: clients that leave after seeding (--seed-time)', () => {
  it('a graceful departure loses nothing, where a kill at the same moment is a loss', () => {
    const dir = earlyLeavers();
    const left = run(dir, '--seed-time', '2');
    expect(left.status, left.stderr).toBe(0);
    expect(left.doc.outputs.problems).toEqual([]);
    expect(left.doc.faults).toBeUndefined();
    const byes = left.trace.filter((e) => e.tag === 'BYE').map((e) => e.from);
    expect(byes.sort()).toEqual([1, 2, 3]);
    // The tracker tells the members of the leaver's swarm, and a leaver serves nothing after its BYE.
    const byeAt = new Map(left.trace.filter((e) => e.tag === 'BYE').map((e) => [e.from, e.t]));
    // After its BYE a leaver answers only PEER_LEFT: a NACK would say it lacks a segment it may hold.
    for (const [rank, at] of byeAt)
      expect(left.trace.filter((e) => e.from === rank && (e.tag === 'ACK' || e.tag === 'NACK') && e.t > at)).toEqual([]);
    const bye1 = byeAt.get(1) ?? 0;
    expect(bye1).toBeGreaterThanOrEqual(2);
    // The swarm shrinks to the two traders.
    const sizes = left.doc.churn?.clients ?? [];
    expect(Math.max(...sizes.map((row) => row[1]))).toBe(5);
    expect(sizes[sizes.length - 1]?.[1]).toBe(2);
    expect(left.doc.run.seedTimeSeconds).toBe(2);

    const killed = run(dir, '--fault', `kill:1@time=${bye1.toFixed(3)}s`);
    expect(killed.status, killed.stderr).toBe(0);
    expect(killed.doc.faults?.lost).toEqual([1]);
    expect(left.doc.ranks.some((r) => r.lost)).toBe(false);
    expect(killed.doc.ranks.filter((r) => r.lost).map((r) => r.rank)).toEqual([1]);
    expect(killed.trace.some((e) => e.tag === 'BYE')).toBe(false);
  });

  it('a leaver answers PEER_LEFT to what is still asked of it, and is not asked again', () => {
    const { input, flags } = leaversCase();
    const result = run(input, ...flags);
    expect(result.status, result.stderr).toBe(4);
    expect(result.doc.outputs.problems).toEqual([]);
    expect(result.doc.faults?.missing.map((m) => m.output)).toEqual(['client1_fileH']);
    expect(result.doc.faults?.complete).toHaveLength(8);
    const byeAt = new Map(result.trace.filter((e) => e.tag === 'BYE').map((e) => [e.from, e.t]));
    expect([...byeAt.keys()].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The tracker tells the downloaders of fileA of each departure; the leavers answer what is still asked of them.
    expect(result.trace.filter((e) => e.tag === 'PEER_LEFT' && e.from === 0).length).toBeGreaterThan(0);
    const answers = result.trace.filter((e) => e.tag === 'PEER_LEFT' && e.from !== 0);
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.t).toBeGreaterThanOrEqual(byeAt.get(answer.from) ?? Infinity);
      // Once told, the asker asks the leaver nothing more.
      const toldAt = result.trace.find((e) => e.tag === 'PEER_LEFT' && e.from === answer.from && e.to === answer.to)?.t ?? 0;
      const after = result.trace.filter((e) => e.tag === 'SEGMENT_REQUEST' && e.from === answer.to && e.to === answer.from && e.t > toldAt);
      expect(after).toEqual([]);
    }
  });

  it.each([
    ['before the leavers leave', '1s'],
    ['after they left', '3s'],
  ])('leaves right when the standby tracker takes over %s', (_, at) => {
    const result = run(earlyLeavers(), '--seed-time', '2', '--trackers', '2', '--fault', `kill:0@time=${at}`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.doc.faults?.lost).toEqual([0]);
    expect(result.doc.faults?.missing).toEqual([]);
    expect(result.doc.outputs.problems).toEqual([]);
    // A leaver says BYE to the tracker that serves; one that left before the takeover says it again to the standby (rank 6).
    const byes = result.trace.filter((e) => e.tag === 'BYE');
    const killedAt = at === '1s' ? 1 : 3;
    for (const leaver of [1, 2, 3]) {
      const told = byes.filter((e) => e.from === leaver).map((e) => [e.t < killedAt ? 'before' : 'after', e.to]);
      expect(told[told.length - 1]).toEqual(['after', 6]);
      if (told.length > 1)
        expect(told).toEqual([
          ['before', 0],
          ['after', 6],
        ]);
    }
    if (at === '3s') expect(byes.filter((e) => e.to === 0).length).toBeGreaterThan(0);
  });

  it('ends with exit 4 when the last holder of a file leaves before every wanted copy exists', () => {
    const dir = writeInputs([inputText([['fileA', range(300)]], []), inputText([], ['fileA']), inputText([], ['fileA'])]);
    const result = run(dir, '--seed-time', '0.5');
    expect(result.status, result.stderr).toBe(4);
    expect(result.doc.exitCode).toBe(4);
    expect(result.doc.faults?.lost).toEqual([]);
    expect(result.doc.faults?.unasked).toBeUndefined();
    expect(result.doc.faults?.missing.map((m) => [m.output, m.kind])).toEqual([
      ['client2_fileA', 'unavailable'],
      ['client3_fileA', 'unavailable'],
    ]);
  });
});

describe('churn: clients that arrive over time (--arrivals)', () => {
  const dir = (): string =>
    writeInputs([
      inputText([['fileA', range(40)]], []),
      ...range(5).map(() => inputText([], ['fileA'])),
      inputText([['fileB', range(10)]], ['fileA']),
    ]);

  it('draws the arrivals from the seed: the same seed, the same run; another seed, other arrivals', () => {
    const input = dir();
    const first = run(input, '--arrivals', 'poisson:2', '--seed', '7');
    const again = run(input, '--arrivals', 'poisson:2', '--seed', '7');
    const other = run(input, '--arrivals', 'poisson:2', '--seed', '8');
    for (const r of [first, again, other]) expect(r.status, r.stderr).toBe(0);
    const same = (doc: MetricsDocument): string => JSON.stringify({ ...doc, run: { ...doc.run, outDir: '' } });
    expect(same(again.doc)).toBe(same(first.doc));
    expect(again.trace).toEqual(first.trace);
    const arrivals = first.doc.churn?.arrivalSeconds ?? [];
    expect(arrivals).toHaveLength(7);
    expect(arrivals[0]).toBe(0);
    expect(other.doc.churn?.arrivalSeconds).not.toEqual(arrivals);
    // Each client registers no sooner than it arrives; the go-ahead did not wait for the late ones.
    for (const [i, at] of arrivals.entries()) {
      const init = first.trace.find((e) => e.tag === 'INIT' && e.from === i + 1);
      expect(init?.t).toBeGreaterThanOrEqual(at);
    }
    const firstAck = first.trace.find((e) => e.tag === 'INIT_ACK')?.t ?? Infinity;
    expect(firstAck).toBeLessThan(Math.max(...arrivals));
  });

  it('takes arrivals from a file; a request for a file whose only owner is yet to arrive waits for it', () => {
    const input = dir();
    const schedule = join(tempDir(), 'arrivals.txt');
    writeFileSync(schedule, '# rank seconds\n7 3\n1 1.5\n');
    const result = run(input, '--arrivals', `file:${schedule}`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.doc.churn?.arrivalSeconds).toEqual([1.5, 0, 0, 0, 0, 0, 3]);
    expect(result.trace.find((e) => e.tag === 'INIT' && e.from === 1)?.t).toBeGreaterThanOrEqual(1.5);
    // Nobody obtains a segment of fileA before its owner has arrived.
    expect(result.trace.find((e) => e.tag === 'ACK')?.t).toBeGreaterThanOrEqual(1.5);
  });

  // Who leaves when on a wall clock depends on the machine's speed: the departures themselves are tested in virtual time.
  it.each(['threads', 'tcp'])('runs on %s by the wall clock, every output right', (transport) => {
    const out = tempDir();
    const result = sim(
      'run',
      dir(),
      '--transport',
      transport,
      '--arrivals',
      'poisson:40',
      '--seed-time',
      '5',
      '--out',
      out,
      '--json',
      '--no-report',
    );
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as MetricsDocument;
    expect(doc.outputs.problems).toEqual([]);
    expect(doc.outputs.written).toBe(6);
    expect(doc.run.arrivals).toBe('poisson:40');
    expect(doc.churn?.arrivalSeconds).toHaveLength(7);
  });
});

describe('churn on a wall clock', () => {
  /**
   * Ranks 2-4 want the small file A of rank 1, finish in well under a second, and leave 2 s
   * later; rank 1 also wants file H, whose owner (rank 5) arrives only at 3 s, so the run
   * lasts past their departure, and A keeps its owner to the end.
   */
  it.each(['threads', 'tcp'])('clients leave mid-run on %s, and every output is right', (transport) => {
    const input = writeInputs([
      inputText([['fileA', range(5)]], ['fileH']),
      ...range(3).map(() => inputText([], ['fileA'])),
      inputText([['fileH', range(5)]], []),
    ]);
    const schedule = join(tempDir(), 'arrivals.txt');
    writeFileSync(schedule, '5 3\n');
    const args = ['--transport', transport, '--arrivals', `file:${schedule}`, '--seed-time', '2', '--json', '--no-report'];
    const result = sim('run', input, ...args, '--out', tempDir());
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as MetricsDocument;
    expect(doc.outputs.problems).toEqual([]);
    expect(doc.outputs.written).toBe(4);
    expect(doc.faults).toBeUndefined();
    // Four in the swarm, one left after the departures, two once the owner of H arrives.
    const sizes = (doc.churn?.clients ?? []).map((row) => row[1]);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.slice(sizes.indexOf(4))).toContain(1);
    expect(sizes[sizes.length - 1]).toBe(2);
    // Each client counts its arrival from its own start, each rank process its clock from its own: allow for the skew.
    expect(doc.ranks[1].completedSeconds).toBeGreaterThan(2.5);
  });
});

describe('churn options', () => {
  const input = (): string => writeInputs([inputText([['fileA', range(4)]], []), inputText([], ['fileA'])]);

  it.each([
    [['--arrivals', 'poisson:0'], '--arrivals: expected flash, poisson:RATE'],
    [['--arrivals', 'sometimes'], '--arrivals: expected flash, poisson:RATE'],
    [['--seed-time', '-1'], '--seed-time: expected a number of seconds, 0 or more'],
    [['--seed-time', 'soon'], '--seed-time: expected a number of seconds'],
  ])('%j is refused before anything runs', (args, message) => {
    const out = join(tempDir(), 'out');
    const result = sim('run', input(), '--out', out, ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['2 1\n2 3\n', ':2: rank 2 is listed twice (first on line 1)'],
    ['5 1\n', ':1: rank 5 is not a client (clients are ranks 1 to 2)'],
    ['\n1 -3\n', ':2: expected "RANK SECONDS"'],
    ['1\n', ':1: expected "RANK SECONDS"'],
  ])('an arrivals file %j is refused naming its line', (text, message) => {
    const schedule = join(tempDir(), 'arrivals.txt');
    writeFileSync(schedule, text);
    const result = sim('run', input(), '--transport', 'virtual', '--out', tempDir(), '--arrivals', `file:${schedule}`);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${schedule}${message}`);
  });

  it('refuses, on a wall clock, a gap between arrivals the stall watch would take for a stall', () => {
    const schedule = join(tempDir(), 'arrivals.txt');
    writeFileSync(schedule, '2 12\n');
    const result = sim('run', input(), '--out', tempDir(), '--arrivals', `file:${schedule}`);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('12.000 s pass between two arrivals, as long as --stall-timeout (10 s)');
    const missing = sim('run', input(), '--out', tempDir(), '--arrivals', 'file:/no/such/arrivals.txt');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--arrivals: /no/such/arrivals.txt: missing');
  });
});

describe('churn in a sweep', () => {
  it('draws each seed its own arrivals, and refuses a bad arrivals file before any run', () => {
    const input = writeInputs([inputText([['fileA', range(30)]], []), ...range(4).map(() => inputText([], ['fileA']))]);
    const args = ['--strategy', 'round-robin', '--seeds', '1..3', '--json', '--quiet'];
    const flash = sim('sweep', input, ...args, '--out', tempDir());
    const late = sim('sweep', input, ...args, '--out', tempDir(), '--arrivals', 'poisson:0.2', '--seed-time', '60');
    expect(flash.status, flash.stderr).toBe(0);
    expect(late.status, late.stderr).toBe(0);
    type Rows = { rows: { seed: string; ok: boolean; completionSeconds: number }[] };
    const flashRows = (JSON.parse(flash.stdout) as Rows).rows;
    const lateRows = (JSON.parse(late.stdout) as Rows).rows;
    expect(lateRows.every((row) => row.ok)).toBe(true);
    // Arrivals 5 s apart on average: the last client cannot finish as early as in a flash crowd, and the seeds differ.
    for (const [i, row] of lateRows.entries()) expect(row.completionSeconds).toBeGreaterThan(flashRows[i].completionSeconds);
    expect(new Set(lateRows.map((row) => row.completionSeconds)).size).toBe(3);
    const schedule = join(tempDir(), 'arrivals.txt');
    writeFileSync(schedule, '9 1\n');
    const bad = sim('sweep', input, ...args, '--out', tempDir(), '--arrivals', `file:${schedule}`);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${schedule}:1: rank 9 is not a client`);
  });
});

describe("the tracker's state under churn", () => {
  const change = (kind: ChangeKind, rank: number, file = '', files: { name: string; hashes: string[] }[] = []) => ({
    kind,
    rank,
    file,
    files,
    uploadKbps: 0,
  });

  it('never lists a leaver again, whatever comes after its BYE, and counts it done', () => {
    const state = new TrackerState();
    state.apply(change('register', 1, '', [{ name: 'fileA', hashes: ['a'] }]));
    state.apply(change('peer', 2, 'fileA'));
    state.apply(change('leave', 2));
    expect(state.left.has(2) && state.done.has(2)).toBe(true);
    expect(state.settled(2)).toBe(false);
    // Its completion, sent before the BYE, may come after it: counted, not listed.
    state.apply(change('complete', 2, 'fileA'));
    state.apply(change('peer', 2, 'fileA'));
    state.apply(change('done', 2));
    const swarm = state.swarms.get('fileA');
    expect([...(swarm?.members.keys() ?? [])]).toEqual([1]);
    expect(swarm?.completedBy.has(2)).toBe(true);
    expect([...(swarm?.listing.peers ?? [])]).toEqual([]);
    state.apply(change('done', 1));
    expect(state.settled(2)).toBe(true);
  });

  it('lets the go-ahead skip a client that arrives later, until it registers', () => {
    const state = new TrackerState();
    state.apply(change('later', 2));
    expect(state.allRegistered(2, true)).toBe(false);
    state.apply(change('register', 1));
    expect(state.allRegistered(2, true)).toBe(true);
    expect(state.allRegistered(2, false)).toBe(false);
    state.apply(change('register', 2));
    state.apply(change('later', 2));
    expect(state.later.size).toBe(0);
    expect(state.allRegistered(2, false)).toBe(true);
  });
});
