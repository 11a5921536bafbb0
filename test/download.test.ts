import { describe, expect, it } from 'vitest';
import { DownloadActivity } from '../ranks/download.js';
import { Tag, type SwarmPayloads } from '../ranks/protocol.js';
import { SegmentStore } from '../ranks/segment-store.js';
import { STRATEGIES } from '../ranks/strategies/index.js';
import { TrackerLink } from '../ranks/tracker-link.js';
import { MailboxComm } from '../sim/comm/local-comm.js';

interface Sent {
  dest: number;
  tag: number;
  payload: unknown;
}

const hashes = (file: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${file}${i}`.padEnd(32, '0').slice(0, 32));

/** Rank 3 of 4 downloading `wanted`; the test plays the tracker and the holders, and reads what it sends. */
function client(wanted: string[], pipeline: number) {
  const sent: Sent[] = [];
  const comm = new MailboxComm<SwarmPayloads>(3, 4, (dest, tag, payload) => sent.push({ dest, tag, payload }));
  const download = new DownloadActivity(
    comm,
    new TrackerLink(comm, [0]),
    wanted,
    new SegmentStore(),
    STRATEGIES['round-robin'](3, 4),
    pipeline,
    () => undefined,
  );
  let read = 0;
  /** Segment requests sent since the last call, as `file[index]->rank`. */
  const requests = (): string[] =>
    sent.slice(read, (read = sent.length)).flatMap(({ dest, tag, payload }) => {
      if (tag !== Tag.SEGMENT_REQUEST) return [];
      const { file, index } = payload as SwarmPayloads[typeof Tag.SEGMENT_REQUEST];
      return [`${file}[${index}]->${dest}`];
    });
  /** Answers every listed request: ACK, or NACK from a holder that holds nothing of the file. */
  const answer = (asked: string[], acked: boolean): void => {
    for (const request of asked) {
      const [, file, index, holder] = /^(\w+)\[(\d+)\]->(\d+)$/.exec(request) as RegExpExecArray;
      download.onReply(Number(holder), acked, { file, index: Number(index), load: 0, from: 0, held: 0 });
    }
  };
  const ack = (asked: string[]): void => answer(asked, true);
  const nack = (asked: string[]): void => answer(asked, false);
  return { download, sent, requests, ack, nack };
}

describe('the download activity', () => {
  it('goes on with the other files in the same turn when it gives one up', () => {
    const { download, sent, requests, ack } = client(['big', 'small'], 8);
    download.start();
    download.onSwarm({ file: 'big', seeds: [1], peers: [], hashes: hashes('big', 40) });
    download.onSwarm({ file: 'small', seeds: [2], peers: [], hashes: hashes('small', 6) });
    download.pump();
    const first = requests();
    ack(first.slice(0, 4));
    download.pump();
    const second = requests();
    expect(second.filter((r) => r.startsWith('small')).length).toBeGreaterThan(0);
    // The only holder of `small` is lost: its requests are abandoned, and only a swarm listed
    // after the loss can prove nobody else holds it.
    download.peerLost(2);
    const sinceLoss = sent.length;
    ack([...first.slice(4), ...second.filter((r) => r.startsWith('big'))]);
    download.pump();
    ack(requests().filter((r) => r.startsWith('big')));
    download.pump();
    ack(requests());
    const askedSwarm = sent
      .slice(sinceLoss)
      .filter(({ tag, payload }) => tag === Tag.SWARM_REQUEST && (payload as { file: string }).file === 'small');
    expect(askedSwarm.map(({ payload }) => payload)).toEqual([{ file: 'small', withHashes: false }]);
    download.onSwarm({ file: 'small', seeds: [], peers: [3], hashes: null });
    const beforeTurn = sent.length;
    // Nothing is in flight: this turn both gives `small` up and asks for more of `big`.
    download.pump();
    expect(
      sent
        .slice(beforeTurn)
        .filter(({ tag }) => tag === Tag.FILE_UNAVAILABLE)
        .map(({ payload }) => payload),
    ).toEqual([{ file: 'small' }]);
    expect(requests().filter((r) => r.startsWith('big')).length).toBeGreaterThan(0);
    expect(download.counters.gaveUp).toEqual(['small']);
  });

  it('asks every member of a file begun after a loss, so that their refusals can prove a segment lost', () => {
    const { download, sent, requests, nack } = client(['f'], 8);
    download.start();
    // A client lost before the first swarm of `f` arrives: nothing of `f` was in flight.
    download.peerLost(1);
    download.onSwarm({ file: 'f', seeds: [], peers: [2], hashes: hashes('f', 4) });
    download.pump();
    // Rank 2 holds nothing of `f`; its NACKs say so, but the swarm was listed before the loss.
    nack(requests());
    download.pump();
    expect(requests()).toEqual([]);
    download.onSwarm({ file: 'f', seeds: [], peers: [2], hashes: null });
    download.pump();
    const again = requests();
    expect(again.length).toBeGreaterThan(0);
    nack(again);
    download.pump();
    expect(sent.filter(({ tag }) => tag === Tag.FILE_UNAVAILABLE).map(({ payload }) => payload)).toEqual([{ file: 'f' }]);
    expect(download.done).toBe(true);
  });
});
