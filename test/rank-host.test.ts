import { describe, expect, it } from 'vitest';
import { Tag, type SwarmPayloads } from '../ranks/protocol.js';
import { Roles } from '../ranks/roles.js';
import { STRATEGIES } from '../ranks/strategies/index.js';
import type { MailboxComm } from '../sim/comm/local-comm.js';
import { ClientHost, TrackerHost, type OutputSink } from '../sim/rank-host/rank-host.js';
import { withTestFault, type RankFault } from '../sim/rank-host/test-faults.js';
import { parseClientControl } from '../sim/transports/tcp/control.js';
import { loopback } from './helpers/loopback.js';

const HASHES = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const roles = new Roles(3, 1);

/** Rank 1 owns `f`, rank 2 wants it. */
function client(comm: MailboxComm<SwarmPayloads>, options: { fault?: RankFault; output?: OutputSink } = {}): ClientHost {
  const owner = comm.rank === 1;
  return new ClientHost({
    comm,
    roles,
    fault: options.fault,
    files: owner ? { owned: [{ name: 'f', hashes: HASHES }], wanted: [] } : { owned: [], wanted: ['f'] },
    strategy: STRATEGIES['round-robin'],
    pipeline: 2,
    clock: () => 0,
    output: options.output ?? ((file) => Promise.resolve(`client${comm.rank}_${file}`)),
  });
}

/** A promise's value, or 'pending' if it has not settled after a few turns of the event loop. */
async function settled<T>(promise: Promise<T>): Promise<T | 'pending'> {
  const later = new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20));
  return Promise.race([promise, later]);
}

/** The TCP coordinator's view of a report: the frame it would receive, parsed and checked. */
const overTcp = (report: unknown): unknown => parseClientControl(Buffer.from(JSON.stringify(report)));

describe('the rank host', () => {
  it('runs a tracker and two clients to their ends, and every end passes the TCP schema unchanged', async () => {
    const comms = loopback<SwarmPayloads>(3);
    const tracker = new TrackerHost({ comm: comms[0], roles, start: 'primary' });
    const [trackerEnd, ownerEnd, wanterEnd] = await Promise.all([tracker.run(), client(comms[1]).run(), client(comms[2]).run()]);
    expect(trackerEnd).toEqual({
      type: 'tracker-done',
      served: true,
      follower: null,
      swarms: [{ file: 'f', segments: 3, seeds: [1, 2], peers: [], completed: 1, gaveUp: [] }],
      messagesIn: comms[0].messagesIn,
      messagesOut: comms[0].messagesOut,
    });
    expect(wanterEnd).toMatchObject({
      type: 'done',
      report: { downloaded: 3, downloadedFrom: [[1, 3]], uploaded: 0, gaveUp: [] },
      messagesIn: comms[2].messagesIn,
      messagesOut: comms[2].messagesOut,
      outputs: ['client2_f'],
      timeline: [
        [0, 0],
        [0, 3],
      ],
    });
    expect(ownerEnd).toMatchObject({ type: 'done', report: { downloaded: 0, uploaded: 3 }, outputs: [] });
    for (const end of [trackerEnd, ownerEnd, wanterEnd]) expect(overTcp(end)).toEqual(end);
  });

  it('ends a client whose only tracker is lost "stranded", with its counters so far', async () => {
    const [, comm] = loopback<SwarmPayloads>(3);
    comm.rankLost(0, 'its process died');
    const end = await client(comm).run();
    expect(end).toMatchObject({ type: 'stranded', reason: 'lost rank 0, the last tracker (its process died)', outputs: [] });
    expect(overTcp(end)).toEqual(end);
  });

  it('ends a client "failed" when an output cannot be written', async () => {
    const comms = loopback<SwarmPayloads>(3);
    void new TrackerHost({ comm: comms[0], roles, start: 'primary' }).run();
    void client(comms[1]).run();
    const end = await client(comms[2], { output: () => Promise.reject(new Error('no space left on device')) }).run();
    expect(end).toMatchObject({ type: 'failed', code: 1, message: 'no space left on device' });
  });
});

describe('the test faults', () => {
  it('crash fails the client and exit ends it with code 3, before it sends anything', async () => {
    const comms = loopback<SwarmPayloads>(3);
    expect(await client(comms[1], { fault: 'crash' }).run()).toMatchObject({
      type: 'failed',
      code: 1,
      message: 'injected crash (--fault crash)',
    });
    expect(await client(comms[2], { fault: 'exit' }).run()).toEqual({ type: 'exit', code: 3 });
    expect(comms[1].messagesOut + comms[2].messagesOut).toBe(0);
  });

  it('refuse sends every ACK as a NACK, and every other tag as it is', async () => {
    const comms = loopback<SwarmPayloads>(3);
    const { comm } = withTestFault(comms[1], 'refuse');
    const reply = { file: 'f', index: 0, load: 0, from: 1, held: 3 };
    comm.send(2, Tag.ACK, reply);
    comm.send(2, Tag.PEER_UPDATE, { file: 'f' });
    const first = await comms[2].recv();
    const second = await comms[2].recv();
    expect([first, second]).toEqual([
      { source: 1, tag: Tag.NACK, payload: reply },
      { source: 1, tag: Tag.PEER_UPDATE, payload: { file: 'f' } },
    ]);
    expect(comms[1].messagesOut).toBe(2);
  });

  it('stall: receives never complete, what arrives is dropped unread, and the stall answer shows the wait', async () => {
    const comms = loopback<SwarmPayloads>(3);
    const host = client(comms[2], { fault: 'stall' });
    const run = host.run();
    comms[0].send(2, Tag.INIT_ACK, null);
    comms[1].send(2, Tag.SEGMENT_REQUEST, { file: 'f', index: 0, hash: HASHES[0] });
    expect(await settled(run)).toBe('pending');
    // The transport delivered both; the rank took neither, and its own mailbox holds nothing.
    expect(comms[2].messagesIn).toBe(2);
    expect(comms[2].mailbox.queued).toBe(0);
    expect(host.status()).toEqual({
      type: 'status',
      waiting: [{ source: 0, tag: Tag.INIT_ACK }],
      queued: 0,
      detail: 'has not had the go-ahead yet',
    });
    expect(comms[0].tryRecv()).toMatchObject({ source: 2, tag: Tag.INIT });
  });
});

describe('the TCP control schema, derived from the same declaration', () => {
  const done = {
    type: 'done',
    report: {
      downloaded: 0,
      nacksReceived: 0,
      requestsSent: 0,
      swarmRequests: 0,
      downloadedFrom: [],
      uploaded: 0,
      nacksSent: 0,
      gaveUp: [],
      lateReplies: 0,
    },
    messagesIn: 1,
    messagesOut: 1,
    outputs: ['client2_f'],
    timeline: [],
  };

  it('refuses an output name that would leave the output folder, a field nobody declared, and a pair that is not one', () => {
    expect(overTcp(done)).toEqual(done);
    expect(overTcp({ ...done, outputs: ['client2_../../etc/passwd'] })).toBe(
      'a done frame that fails its schema: /outputs/0 must match pattern "^client[0-9]+_[A-Za-z0-9._-]+$"',
    );
    expect(overTcp({ ...done, extra: 1 })).toBe('a done frame that fails its schema: (top) must NOT have additional properties');
    expect(overTcp({ ...done, report: { ...done.report, downloadedFrom: [[1, 2, 3]] } })).toBe(
      'a done frame that fails its schema: /report/downloadedFrom/0 must NOT have more than 2 items',
    );
    expect(overTcp({ type: 'file-done', file: 'f' })).toBe('a control frame of unknown type "file-done"');
  });
});
