import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Alarms } from '../ranks/alarms.js';
import { SegmentStore } from '../ranks/segment-store.js';
import { Tag, type SwarmPayloads } from '../ranks/protocol.js';
import { RECHOKE_MS, UPLOAD_SLOTS } from '../ranks/choke.js';
import { UploadActivity } from '../ranks/upload.js';
import type { MetricsDocument } from '../reports/document.js';
import { MailboxComm } from '../sim/comm/local-comm.js';
import { sim } from './helpers/cli.js';
import { hash, inputText, outputsOf, tempDir, writeInputs } from './helpers/files.js';

/** One seed of a 400-segment file uploading at 40 Mbit/s (twice the others), and 14 clients that want it. */
function flashCrowd(): { dir: string; network: string } {
  const dir = writeInputs([
    inputText([['file1', Array.from({ length: 400 }, (_, i) => i)]], []),
    ...Array.from({ length: 14 }, () => inputText([], ['file1'])),
  ]);
  const network = join(dir, 'seed-40.json');
  writeFileSync(network, JSON.stringify({ ranks: [{ ranks: '1', uploadMbps: 40 }] }));
  return { dir, network };
}

function runDoc(args: string[]): MetricsDocument {
  const result = sim('run', ...args, '--out', tempDir(), '--json', '--no-report');
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as MetricsDocument;
}

/** Mean completion of the free riders and of the others, over seeds 1 to 6. */
function meanCompletion(strategy: string): { riders: number; others: number } {
  const { dir, network } = flashCrowd();
  const riders: number[] = [];
  const others: number[] = [];
  for (let seed = 1; seed <= 6; seed++) {
    const doc = runDoc([
      dir,
      '--transport',
      'virtual',
      '--seed',
      String(seed),
      '--strategy',
      strategy,
      '--network',
      network,
      '--free-riders',
      '4',
    ]);
    expect(doc.run.freeRiders).toEqual([12, 13, 14, 15]);
    for (const rank of doc.ranks) {
      if (rank.role !== 'client' || rank.completedSeconds === null) continue;
      (doc.run.freeRiders?.includes(rank.rank) ? riders : others).push(rank.completedSeconds);
    }
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  expect(riders).toHaveLength(24);
  return { riders: mean(riders), others: mean(others) };
}

describe('free riders (--free-riders K)', () => {
  it.each(['threads', 'virtual', 'tcp'])('never upload, and still get every file right (%s)', (transport) => {
    const dir = writeInputs([inputText([['a', [1, 2, 3, 4, 5, 6]]], []), inputText([], ['a']), inputText([], ['a']), inputText([], ['a'])]);
    const out = tempDir();
    const result = sim('run', dir, '--transport', transport, '--free-riders', '2', '--out', out, '--json', '--no-report');
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as MetricsDocument;
    expect(doc.run.freeRiders).toEqual([3, 4]);
    expect(doc.ranks.filter((rank) => rank.rank >= 3).map((rank) => rank.uploaded)).toEqual([0, 0]);
    expect(outputsOf(out).get('client4_a')).toBe(`${[1, 2, 3, 4, 5, 6].map(hash).join('\n')}\n`);
    expect(outputsOf(out).size).toBe(3);
  });

  it('are shown apart in the summary', () => {
    const dir = writeInputs([inputText([['a', [1, 2, 3]]], []), inputText([], ['a']), inputText([], ['a'])]);
    const result = sim('run', dir, '--transport', 'virtual', '--free-riders', '1', '--out', tempDir(), '--no-report');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^free riders \(ranks 3, never uploading\): median done at \d+\.\d{3} s, last at \d+\.\d{3} s; the other clients: median done at/m,
    );
  });

  it('must own nothing: asking for more than there are is refused before anything runs', () => {
    const dir = writeInputs([inputText([['a', [1]]], []), inputText([['b', [2]]], ['a']), inputText([], ['a', 'b'])]);
    const result = sim('run', dir, '--free-riders', '2', '--out', join(tempDir(), 'out'));
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'sim: --free-riders: 2 asked, but only 1 of the 3 clients own nothing (a free rider must own nothing: a file only it owned could never be served)\n',
    );
    expect(sim('run', dir, '--free-riders', '-1').stderr).toMatch(/^sim: --free-riders: expected a whole number/);
  });

  it('under tit-for-tat finish later than the others, on average over seeds; under round-robin they do not', () => {
    const tft = meanCompletion('tit-for-tat');
    const plain = meanCompletion('round-robin');
    expect(tft.riders).toBeGreaterThan(tft.others * 1.02);
    expect(tft.riders - tft.others).toBeGreaterThan(plain.riders - plain.others + 1);
  });
});

describe('choking (the upload side of tit-for-tat)', () => {
  it('serves the first requesters in its slots at once, makes the next wait, and gives the slots to the highest priorities at the rechoke', () => {
    const sent: string[] = [];
    const comm = new MailboxComm<SwarmPayloads>(1, 8, (dest, tag) => sent.push(`${tag === Tag.ACK ? 'ACK' : 'NACK'}->${dest}`));
    let clock = 0;
    comm.now = () => clock;
    const armed: number[] = [];
    comm.alarm = (ms) => void armed.push(ms);
    const store = new SegmentStore();
    store.addOwned({ name: 'f', hashes: [hash(0)] });
    // Requester 7 has given most, then 6; 2 to 5 nothing.
    const alarms = new Alarms(comm);
    const upload = new UploadActivity(comm, store, { alarms, priority: (requester) => (requester >= 6 ? requester : 0) });
    const ask = (requester: number): void => upload.take(requester, { file: 'f', index: 0, hash: hash(0) });
    for (const requester of [2, 3, 4, 5, 6, 7]) ask(requester);
    expect(UPLOAD_SLOTS).toBe(4);
    expect(sent).toEqual(['ACK->2', 'ACK->3', 'ACK->4', 'ACK->5']);
    expect(armed).toEqual([RECHOKE_MS]);
    // The download's timeout alarm, due later, is told apart: an alarm now is not the upload's yet.
    alarms.set('download', 2 * RECHOKE_MS);
    expect(alarms.fired()).toEqual([]);
    clock = RECHOKE_MS;
    expect(alarms.fired()).toEqual(['upload']);
    upload.onAlarm();
    // 7 and 6 take two of the slots, 2 and 3 (heard first among those who gave nothing) the others.
    expect(sent.slice(4)).toEqual(['ACK->6', 'ACK->7']);
    ask(5);
    ask(2);
    expect(sent.slice(6)).toEqual(['ACK->2']);
    clock = 2 * RECHOKE_MS;
    expect(alarms.fired()).toEqual(['download', 'upload']);
  });
});
