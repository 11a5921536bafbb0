import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { ReplayBuilder, ReplayKind, type ClientHoldings, type ReplayData } from '../reports/replay-data.js';
import { replayData } from '../sim/commands/view.js';
import { tempDir } from './helpers/files.js';
import { handMadeDoc } from './helpers/metrics.js';
import { tracedRun } from './helpers/replay.js';

const column = <T>(text: string, Type: new (buffer: ArrayBufferLike) => T): T => {
  const bytes = Buffer.from(text, 'base64');
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

function decoded(data: ReplayData): { kind: Uint8Array; from: Int32Array; to: Int32Array; seg: Int32Array; t: Float32Array } {
  const { events } = data;
  return {
    t: column(events.t, Float32Array),
    kind: column(events.kind, Uint8Array),
    from: column(events.from, Int32Array),
    to: column(events.to, Int32Array),
    seg: column(events.seg, Int32Array),
  };
}

describe('the replay data of a virtual-time run', () => {
  let run: { out: string; doc: MetricsDocument };
  let data: ReplayData;
  let transfers: number;

  beforeAll(async () => {
    run = tracedRun(8, 3, '20-50', 'replay-data');
    ({ data, transfers } = await replayData(run.doc, join(run.out, 'trace.jsonl'), 'trace'));
  }, 60_000);

  it('holds one transfer per segment the run transferred, and every client ends with all it wanted', () => {
    const { doc } = run;
    const events = decoded(data);
    expect(events.kind).toHaveLength(data.events.count);
    const kinds = (kind: number): number => events.kind.filter((k) => k === kind).length;
    expect(transfers).toBe(doc.run.segmentsTransferred);
    expect(kinds(ReplayKind.TRANSFER)).toBe(doc.run.segmentsTransferred);
    expect(kinds(ReplayKind.JOIN)).toBe(data.clients.length);
    // Replayed to the end, each client holds its own files and every segment it wanted.
    const held = data.clients.map((rank, i) => {
      const mine = new Set<number>();
      for (const f of data.ownedFiles.slice(data.ownedStart[i], data.ownedStart[i + 1]))
        for (let s = 0; s < data.files[f].segments; s++) mine.add(data.files[f].offset + s);
      for (let e = 0; e < data.events.count; e++)
        if (events.kind[e] === ReplayKind.TRANSFER && events.to[e] === rank) mine.add(events.seg[e]);
      return data.wantedFiles
        .slice(data.wantedStart[i], data.wantedStart[i + 1])
        .reduce(
          (n, f) => n + [...mine].filter((s) => s >= data.files[f].offset && s < data.files[f].offset + data.files[f].segments).length,
          0,
        );
    });
    expect(held).toEqual(data.clients.map((rank) => doc.ranks[rank].wanted));
    expect(held.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("counts each client's uploads, downloads, requests and NACKs as its counters do, and its completion time", () => {
    const events = decoded(data);
    for (const rank of data.clients) {
      const count = (kinds: number[], side: 'from' | 'to'): number =>
        events.kind.filter((k, e) => kinds.includes(k) && events[side][e] === rank).length;
      const r = run.doc.ranks[rank];
      expect(count([ReplayKind.TRANSFER, ReplayKind.REPEAT], 'from'), `rank ${rank} uploaded`).toBe(r.uploaded);
      expect(count([ReplayKind.TRANSFER], 'to'), `rank ${rank} downloaded`).toBe(r.downloaded);
      expect(count([ReplayKind.REQUEST], 'from'), `rank ${rank} requests`).toBe(r.requestsSent);
      expect(count([ReplayKind.NACK], 'from'), `rank ${rank} NACKs sent`).toBe(r.nacksSent);
      expect(count([ReplayKind.NACK], 'to'), `rank ${rank} NACKs received`).toBe(r.nacksReceived);
      const completion = data.completion[data.clients.indexOf(rank)];
      expect(completion, `rank ${rank} completion`).toBeCloseTo(r.completedSeconds ?? -1, 6);
    }
    expect([...events.t].every((t, e) => e === 0 || t >= events.t[e - 1])).toBe(true);
    expect(data.duration).toBeCloseTo(run.doc.run.wallSeconds, 3);
  });

  it('names the trace and its line when a line is not a trace line or names no segment of the run', async () => {
    const lines = readFileSync(join(run.out, 'trace.jsonl'), 'utf8').split('\n');
    const ack = lines.findIndex((line) => line.includes('"ACK"'));
    const file = join(tempDir(), 'trace.jsonl');
    writeFileSync(file, [...lines.slice(0, ack), lines[ack].replace(/"p":"[^"]*"/, '"p":"nofile[3]"')].join('\n'));
    await expect(replayData(run.doc, file, `--trace ${file}`)).rejects.toThrow(
      `--trace ${file}:${ack + 1}: "nofile[3]" names no segment of the run's files`,
    );
    writeFileSync(file, `${lines[0]}\n{"t":1,"from":1}\n`);
    await expect(replayData(run.doc, file, 'T')).rejects.toThrow('T:2: "from" or "to" is not a rank: expected a trace line');
  });
});

describe('ReplayBuilder', () => {
  it('draws a repeated ACK as a repeat, not a segment gained, and replays an earlier stamp at the instant before', () => {
    const doc = handMadeDoc([3, 3]);
    const holdings = new Map([
      [1, { owned: [doc.files[0].name], wanted: [] }],
      [2, { owned: [], wanted: [doc.files[0].name] }],
    ]);
    const builder = new ReplayBuilder(doc, holdings);
    const ack = (t: number, index: number) => ({ t, from: 1, to: 2, tag: 'ACK', p: `${doc.files[0].name}[${index}]` });
    builder.add({ t: 0, from: 2, to: 0, tag: 'INIT', p: '0 files' });
    builder.add(ack(0.5, 0));
    builder.add(ack(0.4, 0));
    builder.add({ t: 0.6, from: 9, to: 0, tag: 'PEER_UPDATE', p: 'x' });
    // A segment of a file client 2 never wanted is gained, but does not finish it.
    builder.add({ t: 0.7, from: 1, to: 2, tag: 'ACK', p: `${doc.files[1].name}[0]` });
    builder.add(ack(0.75, 1));
    expect(builder.finish().completion).toEqual([-1, -1]);
    builder.add(ack(0.8, 2));
    const data = builder.finish();
    const events = decoded(data);
    const { TRANSFER, REPEAT, JOIN } = ReplayKind;
    expect([...events.kind]).toEqual([JOIN, TRANSFER, REPEAT, TRANSFER, TRANSFER, TRANSFER]);
    expect([...events.t]).toEqual([0, 0.5, 0.5, 0.7, 0.75, 0.8].map(Math.fround));
    expect(builder.transfers).toBe(4);
    expect(data.completion).toEqual([-1, 0.8]);
  });

  it('counts no ACK from a rank its downloader was told is lost, nor one reaching a lost rank; a lost client leaves the swarm', () => {
    const doc = handMadeDoc([3, 3, 3]);
    const wants: ClientHoldings = { owned: [], wanted: [doc.files[0].name] };
    const builder = new ReplayBuilder(
      doc,
      new Map<number, ClientHoldings>([
        [1, { owned: [doc.files[0].name], wanted: [] }],
        [2, wants],
        [3, wants],
      ]),
    );
    const ack = (t: number, from: number, to: number, index: number) => ({ t, from, to, tag: 'ACK', p: `${doc.files[0].name}[${index}]` });
    for (const rank of [1, 2, 3]) builder.add({ t: 0, from: rank, to: 0, tag: 'INIT', p: '' });
    builder.add(ack(0.1, 1, 2, 0));
    builder.add({ t: 0.2, from: 1, to: 2, tag: 'RANK_LOST', p: '' });
    builder.add(ack(0.3, 1, 2, 1));
    builder.add(ack(0.3, 1, 3, 1));
    builder.add({ t: 0.4, from: 3, to: 2, tag: 'RANK_LOST', p: '' });
    builder.add(ack(0.5, 2, 3, 0));
    const { kind } = decoded(builder.finish());
    const { TRANSFER, REPEAT, JOIN, LEAVE } = ReplayKind;
    expect([...kind]).toEqual([JOIN, JOIN, JOIN, TRANSFER, LEAVE, REPEAT, TRANSFER, LEAVE, REPEAT]);
    expect(builder.transfers).toBe(2);
  });
});
