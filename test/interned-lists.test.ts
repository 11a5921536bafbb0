import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SWARM_LAYOUT, Tag } from '../ranks/protocol.js';
import { decodeBatch, encodeInto, InternedLists } from '../sim/comm/wire-layout.js';
import { loadJob } from '../sim/job/inputs.js';
import { JobLists } from '../sim/transports/threads/job-lists.js';
import type { HostedRank } from '../sim/transports/threads/protocol.js';

const hashes = (n: number, salt: string): string[] =>
  Array.from({ length: n }, (_, i) => `${salt}${String(i).padStart(31, '0')}`.slice(0, 32));

function roundTrip(tag: number, payload: unknown, sender?: InternedLists, receiver?: InternedLists): { text: string; got: unknown[] } {
  const batch: unknown[] = [];
  encodeInto(batch, SWARM_LAYOUT, tag, payload, sender);
  const text = JSON.stringify(batch);
  const got: unknown[] = [];
  expect(decodeBatch(JSON.parse(text) as unknown[], SWARM_LAYOUT, (_, p) => got.push(p), receiver)).toBe(true);
  return { text, got };
}

describe('interned lists on a link', () => {
  const a = hashes(500, 'a');
  const b = hashes(500, 'b');
  // Each end's own copies, as a worker gets them by structured clone.
  const sender = new InternedLists([a, b]);
  const receiver = new InternedLists([[...a], [...b]]);
  const reply = { file: 'f', seeds: [1], peers: [2, 3], rates: [0, 0, 0], arrivals: [0, 1], hashes: b };

  it('sends a known list as its number and the receiver gets its own copy of it', () => {
    const plain = roundTrip(Tag.SWARM_REPLY, reply);
    const interned = roundTrip(Tag.SWARM_REPLY, reply, sender, receiver);
    expect(interned.got).toEqual(plain.got);
    expect((interned.got[0] as { hashes: unknown }).hashes).toBe(receiver.lists[1]);
    expect(interned.text.length).toBeLessThan(plain.text.length / 50);
  });

  it('interns lists inside records, without changing what was sent', () => {
    const init = { files: [{ name: 'f', hashes: a }], uploadKbps: 0 };
    const { got } = roundTrip(Tag.INIT, init, sender, receiver);
    expect((got[0] as typeof init).files[0].hashes).toBe(receiver.lists[0]);
    expect(init.files[0].hashes).toBe(a);
  });

  it('sends an unknown list, an empty one and null by value', () => {
    const other = hashes(3, 'c');
    const { text, got } = roundTrip(Tag.SWARM_REPLY, { ...reply, hashes: other }, sender, receiver);
    expect(text).toContain(other[2]);
    expect((got[0] as typeof reply).hashes).toEqual(other);
    expect((roundTrip(Tag.SWARM_REPLY, { ...reply, hashes: [] }, sender, receiver).got[0] as typeof reply).hashes).toEqual([]);
    expect((roundTrip(Tag.SWARM_REPLY, { ...reply, hashes: null }, sender, receiver).got[0] as typeof reply).hashes).toBeNull();
  });

  it('refuses a batch that numbers a list the receiver does not have, or a list where a worker was given none', () => {
    const batch: unknown[] = [];
    encodeInto(batch, SWARM_LAYOUT, Tag.SWARM_REPLY, reply, sender);
    expect(batch[batch.length - 1]).toBe(1);
    expect(decodeBatch(batch, SWARM_LAYOUT, () => undefined, new InternedLists([a]))).toBe(false);
    const sparse = new Array<readonly string[]>(2);
    sparse[0] = a;
    expect(decodeBatch(batch, SWARM_LAYOUT, () => undefined, new InternedLists(sparse))).toBe(false);
    batch[batch.length - 1] = 7;
    expect(decodeBatch(batch, SWARM_LAYOUT, () => undefined, receiver)).toBe(false);
  });

  it('numbers nothing in a request or an answer, whose fields are never lists', () => {
    const request = { file: 'f', index: 1, hash: a[1] };
    expect(roundTrip(Tag.SEGMENT_REQUEST, request, sender, receiver).text).toBe(roundTrip(Tag.SEGMENT_REQUEST, request).text);
  });

  it('keeps the sharing through structured clone, as a worker gets its ranks files and its lists in one message', () => {
    const setup = structuredClone({ owned: [{ name: 'f', hashes: a }], interned: [a, b] });
    expect(setup.owned[0].hashes).toBe(setup.interned[0]);
    const sparse = new Array<readonly string[]>(2);
    sparse[1] = b;
    const cloned = structuredClone(sparse);
    expect(0 in cloned).toBe(false);
    expect(cloned[1]).toEqual(b);
  });
});

describe('a job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmsim-interned-'));
  const f = hashes(4, 'd').join('\n');
  const g = hashes(2, 'e').join('\n');
  writeFileSync(join(dir, 'in1.txt'), `2\nf 4\n${f}\ng 2\n${g}\n0\n`);
  writeFileSync(join(dir, 'in2.txt'), `1\nf 4\n${f}\n0\n`);
  writeFileSync(join(dir, 'in3.txt'), `0\n1\nf\n`);
  const job = loadJob(dir);

  it('gives every owner of a file the same list of its hashes', () => {
    expect(job.clients[0].owned[0].hashes).toBe(job.files.get('f'));
    expect(job.clients[1].owned[0].hashes).toBe(job.files.get('f'));
  });

  it('gives a worker the lists of the files its ranks own or want, at their numbers, and the standby every list', () => {
    const lists = new JobLists(job);
    const hosted = (rank: number, role: 'client' | 'standby' = 'client') =>
      ({
        rank,
        role,
        files: { owned: job.clients[rank - 1]?.owned ?? [], wanted: job.clients[rank - 1]?.wanted ?? [] },
      }) as unknown as HostedRank;
    const third = lists.forWorker([hosted(3)]);
    expect([0 in third, 1 in third]).toEqual([true, false]);
    expect(third[0]).toBe(job.files.get('f'));
    expect(lists.forWorker([hosted(1)])).toEqual([job.files.get('f'), job.files.get('g')]);
    expect(lists.forWorker([hosted(4, 'standby')])).toEqual([job.files.get('f'), job.files.get('g')]);
  });
});
