import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { Tag } from '../ranks/protocol.js';
import { Roles } from '../ranks/roles.js';
import { RANK_LOST } from '../sim/comm/comm.js';
import { loadJob } from '../sim/job/inputs.js';
import { PerfettoTrace } from '../sim/trace/perfetto.js';
import { generated, sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { leaversCase } from './helpers/churn.js';

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}

interface JsonlEvent {
  t: number;
  from: number;
  to: number;
  tag: string;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function readTrace(path: string): TraceEvent[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: TraceEvent[] };
  return parsed.traceEvents;
}

function run(
  dir: string,
  ...args: string[]
): { status: number | null; stderr: string; doc: MetricsDocument; events: TraceEvent[]; out: string } {
  const out = tempDir();
  const tracePath = join(out, 'trace.json');
  const result = sim(
    'run',
    dir,
    '--out',
    out,
    '--json',
    '--no-report',
    '--transport',
    'virtual',
    '--trace',
    tracePath,
    '--trace-format',
    'perfetto',
    ...args,
  );
  return {
    status: result.status,
    stderr: result.stderr,
    doc: JSON.parse(result.stdout) as MetricsDocument,
    events: readTrace(tracePath),
    out,
  };
}

const slices = (events: TraceEvent[], category: string): TraceEvent[] => events.filter((e) => e.ph === 'X' && e.cat === category);

/** Flow starts and ends by id: each id must have one of each. */
function flowPairs(events: TraceEvent[]): Map<number, { s: TraceEvent[]; f: TraceEvent[] }> {
  const pairs = new Map<number, { s: TraceEvent[]; f: TraceEvent[] }>();
  for (const e of events) {
    if ((e.ph !== 's' && e.ph !== 'f') || e.id === undefined) continue;
    const pair = pairs.get(e.id) ?? { s: [], f: [] };
    pair[e.ph].push(e);
    pairs.set(e.id, pair);
  }
  return pairs;
}

/** Slices on one thread must not overlap, or they would not nest. */
function expectLanesDisjoint(events: TraceEvent[]): void {
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events.filter((x) => x.ph === 'X')) byThread.set(`${e.pid}/${e.tid}`, [...(byThread.get(`${e.pid}/${e.tid}`) ?? []), e]);
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) expect(list[i].ts).toBeGreaterThanOrEqual(list[i - 1].ts + (list[i - 1].dur ?? 0) - 1e-3);
  }
}

/** The last `segments` counter value of each client. */
function lastCounters(events: TraceEvent[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const e of events.filter((x) => x.ph === 'C')) last.set(e.pid, e.args?.held as number);
  return last;
}

describe('--trace-format perfetto', () => {
  const dir = generated(['--ranks', '7', '--files', '3', '--segments', '20-40', '--wants', '2', '--seed', 'perfetto']);

  it('writes a track per rank, a slice per request, an arrow per segment sent and a counter of segments held, as the run was', () => {
    const { status, stderr, doc, events } = run(dir, '--seed', '3');
    expect(status, stderr).toBe(0);
    const names = events.filter((e) => e.ph === 'M' && e.name === 'process_name');
    expect(names.map((e) => [e.pid, e.args?.name])).toEqual([[0, 'tracker (rank 0)'], ...range(6).map((i) => [i + 1, `client ${i + 1}`])]);

    const transferred = doc.run.segmentsTransferred;
    expect(transferred).toBeGreaterThan(50);
    const pairs = flowPairs(events);
    expect(pairs.size).toBe(transferred);
    for (const { s, f } of pairs.values()) {
      expect([s.length, f.length]).toEqual([1, 1]);
      expect(s[0].pid).not.toBe(f[0].pid);
    }

    const requests = slices(events, 'request');
    expect(requests.filter((e) => e.args?.reply === 'ACK')).toHaveLength(transferred);
    expect(requests.every((e) => ['ACK', 'NACK'].includes(e.args?.reply as string))).toBe(true);
    expect(requests.every((e) => (e.dur ?? -1) >= 0 && /^file\d+\[\d+\]$/.test(e.name))).toBe(true);
    // Each segment a client was sent ends one of its slices, asked of the rank the arrow starts at.
    expect(slices(events, 'serve')).toHaveLength(requests.length);
    expectLanesDisjoint(events);

    const job = loadJob(dir);
    const counters = lastCounters(events);
    for (const rank of doc.ranks.filter((r) => r.rank > 0)) {
      const owned = job.clients[rank.rank - 1].owned.reduce((n, file) => n + file.hashes.length, 0);
      expect(counters.get(rank.rank), `client ${rank.rank}`).toBe(owned + rank.downloaded);
    }
  });

  it('closes the slices of requests a leaver answers PEER_LEFT, beside the JSON Lines of a determinism check', () => {
    const { input, flags } = leaversCase();
    const { status, stderr, events, out } = run(input, ...flags, '--check-determinism');
    expect(status, stderr).toBe(4);
    const lines = readFileSync(join(out, 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JsonlEvent);
    const requests = slices(events, 'request');
    expect(requests).toHaveLength(lines.filter((e) => e.tag === 'SEGMENT_REQUEST').length);
    const leftAnswers = lines.filter((e) => e.tag === 'PEER_LEFT' && e.from !== 0).length;
    expect(leftAnswers).toBeGreaterThan(0);
    expect(requests.filter((e) => e.args?.reply === 'PEER_LEFT')).toHaveLength(leftAnswers);
    // Every request was answered: the PEER_LEFTs took the requests they answered, never one an ACK still owed.
    expect(requests.filter((e) => !['ACK', 'NACK', 'PEER_LEFT'].includes(e.args?.reply as string))).toEqual([]);
    expect(flowPairs(events).size).toBe(lines.filter((e) => e.tag === 'ACK').length);
    // The tracker's notices of a leaver are instants on the told client's track.
    expect(events.filter((e) => e.ph === 'i' && e.name === 'PEER_LEFT' && e.args?.from === 0).length).toBeGreaterThan(0);
    expectLanesDisjoint(events);
  });

  it('is refused without --trace, and takes only the formats it knows', () => {
    const out = join(tempDir(), 'out');
    const alone = sim('run', dir, '--out', out, '--transport', 'virtual', '--trace-format', 'perfetto');
    expect(alone.status).toBe(2);
    expect(alone.stderr.trim()).toBe('sim: --trace-format: needs --trace <file>, the file it is the format of');
    const bad = sim('run', dir, '--out', out, '--transport', 'virtual', '--trace', join(out, 't.json'), '--trace-format', 'chrome');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--trace-format.*expected one of jsonl, perfetto, got "chrome"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('PerfettoTrace', () => {
  it('ends a request at its answer, at a loss, or at the end of the trace, on lanes that never overlap', () => {
    const path = join(tempDir(), 'trace.json');
    const trace = new PerfettoTrace(path, new Roles(4, 1));
    const ask = (ns: number, from: number, to: number, index: number): void =>
      trace.event(ns, from, to, Tag.SEGMENT_REQUEST, { file: 'f', index, hash: 'h' });
    trace.event(0, 1, 0, Tag.INIT, { files: [{ name: 'f', hashes: ['a', 'b'] }], uploadKbps: 0 });
    ask(1000, 2, 1, 0);
    ask(1000, 2, 1, 1);
    ask(2000, 3, 1, 0);
    ask(2000, 3, 2, 5);
    // Answered out of order: each answer ends its own segment's slice.
    trace.event(5000, 1, 2, Tag.ACK, { file: 'f', index: 1, load: 1, from: 0, held: 2 });
    trace.event(6000, 1, 2, Tag.NACK, { file: 'f', index: 0, load: 1, from: 0, held: 2 });
    trace.event(7000, 1, 3, Tag.PEER_LEFT, { rank: 1 });
    trace.event(8000, 2, 3, RANK_LOST, { reason: 'killed' });
    ask(9000, 3, 1, 1);
    trace.event(9500, 0, 3, Tag.TERMINATE, null);
    trace.close();

    const events = readTrace(path);
    const requests = slices(events, 'request').map((e) => [e.pid, e.name, e.ts, e.dur, e.args?.reply]);
    expect(requests).toEqual([
      [2, 'f[1]', 1, 4, 'ACK'],
      [2, 'f[0]', 1, 5, 'NACK'],
      [3, 'f[0]', 2, 5, 'PEER_LEFT'],
      [3, 'f[5]', 2, 6, 'RANK_LOST'],
      [3, 'f[1]', 9, 0.5, 'none'],
    ]);
    expect([...flowPairs(events).values()].map(({ s, f }) => [s[0].pid, f[0].pid])).toEqual([[1, 2]]);
    expect(events.filter((e) => e.ph === 'C').map((e) => [e.pid, e.args?.held])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(events.filter((e) => e.ph === 'i').map((e) => e.name)).toEqual(['INIT', 'RANK_LOST', 'TERMINATE']);
    expectLanesDisjoint(events);
    // Rank 1 served three requests at once: three lanes, each a named thread of its process.
    const lanes = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === 1).map((e) => e.args?.name);
    expect(lanes).toEqual(['client 1', 'client 1 (lane 2)', 'client 1 (lane 3)']);
  });

  it("matches a leaver's PEER_LEFT to its request even when it overtakes an earlier ACK", () => {
    const path = join(tempDir(), 'trace.json');
    const trace = new PerfettoTrace(path, new Roles(3, 1));
    trace.event(1000, 2, 1, Tag.SEGMENT_REQUEST, { file: 'f', index: 2, hash: 'h' });
    trace.event(1000, 2, 1, Tag.SEGMENT_REQUEST, { file: 'f', index: 3, hash: 'h' });
    trace.event(2000, 1, 2, Tag.PEER_LEFT, { rank: 1 });
    trace.event(3000, 1, 2, Tag.ACK, { file: 'f', index: 2, load: 1, from: 0, held: 4 });
    trace.close();
    const events = readTrace(path);
    expect(slices(events, 'request').map((e) => [e.name, e.ts + (e.dur ?? 0), e.args?.reply])).toEqual([
      ['f[2]', 3, 'ACK'],
      ['f[3]', 2, 'PEER_LEFT'],
    ]);
    expect(flowPairs(events).size).toBe(1);
  });
});
