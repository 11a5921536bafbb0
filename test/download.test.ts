import { describe, expect, it } from 'vitest';
import { DownloadActivity } from '../ranks/download.js';
import { FileDownload } from '../ranks/file-download.js';
import { InFlight } from '../ranks/in-flight.js';
import { Losses } from '../ranks/losses.js';
import { newDownloadCounters } from '../ranks/download-counters.js';
import { RequestRuns } from '../ranks/request-runs.js';
import { Tag, type SwarmPayloads } from '../ranks/protocol.js';
import { SegmentStore } from '../ranks/segment-store.js';
import { STRATEGIES } from '../ranks/strategies/index.js';
import { SEED } from '../ranks/swarm-view.js';
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
  const download = new DownloadActivity({
    comm,
    tracker: new TrackerLink(comm, [0]),
    wanted,
    store: new SegmentStore(),
    strategy: STRATEGIES['round-robin'](3, 4, '1'),
    pipeline,
    sink: () => undefined,
  });
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
    download.onSwarm({ file: 'big', seeds: [1], peers: [], rates: [], arrivals: [], hashes: hashes('big', 40) });
    download.onSwarm({ file: 'small', seeds: [2], peers: [], rates: [], arrivals: [], hashes: hashes('small', 6) });
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
    download.onSwarm({ file: 'small', seeds: [], peers: [3], rates: [], arrivals: [], hashes: null });
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
    download.onSwarm({ file: 'f', seeds: [], peers: [2], rates: [], arrivals: [], hashes: hashes('f', 4) });
    download.pump();
    // Rank 2 holds nothing of `f`; its NACKs say so, but the swarm was listed before the loss.
    nack(requests());
    download.pump();
    expect(requests()).toEqual([]);
    download.onSwarm({ file: 'f', seeds: [], peers: [2], rates: [], arrivals: [], hashes: null });
    download.pump();
    const again = requests();
    expect(again.length).toBeGreaterThan(0);
    nack(again);
    download.pump();
    expect(sent.filter(({ tag }) => tag === Tag.FILE_UNAVAILABLE).map(({ payload }) => payload)).toEqual([{ file: 'f' }]);
    expect(download.done).toBe(true);
  });
});

/** File `f` of `segments` segments begun by a client whose first swarm listed `members`. */
function begun(members: number[], segments = 4, timesOut = false) {
  const losses = new Losses();
  const inFlight = new InFlight(8, timesOut);
  const file = new FileDownload('f', losses, inFlight);
  file.swarmRequested();
  file.listed(members);
  file.begin(hashes('f', segments), 0);
  file.refreshed([]);
  /** `holder` is asked for `segment` and answers NACK. */
  const refusal = (segment: number, holder: number): void => {
    file.asked(segment, holder);
    file.answered(segment, holder, 0, 0);
    file.refused(segment, holder);
  };
  /** Client `rank` is lost and a swarm listing `after` is asked for and arrives. */
  const lossThenListing = (rank: number, after: number[]): void => {
    losses.add(rank);
    file.memberLost(rank);
    file.swarmRequested();
    file.listed(after);
  };
  return { losses, inFlight, file, refusal, lossThenListing };
}

describe('a file download', () => {
  it('proves a segment lost only once every member listed after the latest loss has refused it', () => {
    const { file, refusal, lossThenListing } = begun([1, 2, 4, 5]);
    for (const member of [1, 2, 4, 5]) refusal(0, member);
    // No loss yet: refusals prove nothing (a member may still be downloading the segment).
    expect(file.provenLost(0)).toBe(false);
    lossThenListing(5, [1, 2, 4]);
    refusal(0, 1);
    refusal(0, 2);
    expect(file.provenLost(0)).toBe(false);
    expect(file.askable(4, 0)).toBe(true);
    expect(file.askable(1, 0)).toBe(false);
    refusal(0, 4);
    expect(file.provenLost(0)).toBe(true);
    // Another segment keeps its own refusals.
    expect(file.provenLost(1)).toBe(false);
  });

  it('does not count a refusal to a request sent before the latest loss', () => {
    const { file, refusal, lossThenListing } = begun([1, 5]);
    file.asked(0, 1);
    lossThenListing(5, [1]);
    file.answered(0, 1, 0, 0);
    file.refused(0, 1);
    expect(file.provenLost(0)).toBe(false);
    expect(file.askable(1, 0)).toBe(true);
    refusal(0, 1);
    expect(file.provenLost(0)).toBe(true);
  });

  it('takes no proof from a listing that answers a swarm request sent before the latest loss', () => {
    const { losses, file, refusal } = begun([1, 5]);
    file.swarmRequested();
    losses.add(5);
    file.memberLost(5);
    // Asked again while the first request is unanswered: the next reply may answer that one.
    file.swarmRequested();
    file.listed([1]);
    refusal(0, 1);
    expect(file.provenLost(0)).toBe(false);
    expect(file.nobodyLeft).toBe(false);
    file.swarmRequested();
    file.listed([1]);
    expect(file.provenLost(0)).toBe(true);
  });

  it('forgets every refusal at a loss: a member that refused may have got the segment from the lost client', () => {
    const { file, refusal, lossThenListing } = begun([1, 2, 5, 6]);
    lossThenListing(5, [1, 2, 6]);
    refusal(0, 1);
    refusal(0, 2);
    lossThenListing(6, [1, 2]);
    expect(file.provenLost(0)).toBe(false);
    expect(file.askable(1, 0)).toBe(true);
    refusal(0, 1);
    refusal(0, 2);
    expect(file.provenLost(0)).toBe(true);
  });

  it('knows nobody is left only from an empty listing after the latest loss', () => {
    const first = begun([]);
    expect(first.file.nobodyLeft).toBe(false);
    first.lossThenListing(5, []);
    expect(first.file.nobodyLeft).toBe(true);
    const second = begun([5]);
    second.lossThenListing(5, [2]);
    expect(second.file.nobodyLeft).toBe(false);
  });

  it('parks a segment every member refused and asks it again, refusals forgotten, after a fresh swarm', () => {
    const { file, refusal, lossThenListing } = begun([1, 2, 5]);
    lossThenListing(5, [1, 2]);
    refusal(3, 1);
    refusal(3, 2);
    expect(file.nextRetry).toBe(3);
    file.takeNextRetry();
    expect(file.nextRetry).toBe(3);
    file.parkNextRetry();
    expect(file.nextRetry).toBeUndefined();
    expect(file.segmentsParked).toBe(1);
    file.swarmRequested();
    file.listed([1, 2]);
    file.refreshed([]);
    expect(file.segmentsParked).toBe(0);
    expect(file.nextRetry).toBe(3);
    expect(file.askable(1, 3)).toBe(true);
    expect(file.provenLost(3)).toBe(false);
    // A loss sends parked segments back to be asked too.
    file.parkNextRetry();
    lossThenListing(2, [1]);
    expect(file.segmentsParked).toBe(0);
    expect(file.nextRetry).toBe(3);
  });

  it('drops its listing when complete, and a listing that comes after does not bring it back', () => {
    const { file } = begun([1, 2], 2);
    for (const segment of [0, 1]) {
      file.asked(segment, 1);
      file.answered(segment, 1, 0, 2);
      file.arrived(segment);
    }
    expect(file.finished).toBe(true);
    expect(file.members).toEqual([1, 2]);
    file.completed();
    expect(file.members).toEqual([]);
    file.swarmRequested();
    file.listed([1, 2, 3]);
    file.refreshed([3]);
    expect(file.members).toEqual([]);
    expect(file.awaitingSwarm).toBe(false);
    // A reply owed to an abandoned request is not taken for an answer.
    expect(file.awaits(0, 1)).toBe(false);
  });

  it('keeps the requests in flight of every file in one count, through answers, losses, timeouts and giving up', () => {
    const losses = new Losses();
    const inFlight = new InFlight(4, true);
    const files = ['a', 'b'].map((name) => new FileDownload(name, losses, inFlight));
    for (const file of files) {
      file.swarmRequested();
      file.listed([1, 2]);
      file.begin(hashes(file.name, 6), 0);
    }
    const [a, b] = files;
    a.asked(0, 1);
    a.asked(1, 2);
    b.asked(0, 2);
    expect(inFlight.total).toBe(3);
    expect(inFlight.full).toBe(false);
    b.asked(1, 1);
    expect(inFlight.full).toBe(true);
    a.answered(0, 1, 0, 0);
    expect(inFlight.total).toBe(3);
    losses.add(2);
    expect([...a.memberLost(2), ...b.memberLost(2)]).toEqual([2, 2]);
    expect([...a.requestsInFlight(), ...b.requestsInFlight()]).toEqual([[1, 1]]);
    expect(inFlight.total).toBe(1);
    // Stamped at tick 0, the request expires at the second alarm, not the first.
    expect(b.timedOut(inFlight.alarm())).toEqual([]);
    b.asked(2, 1);
    expect(b.timedOut(inFlight.alarm())).toEqual([1]);
    expect(inFlight.total).toBe(1);
    expect(b.giveUp()).toEqual([1]);
    expect(b.nextRetry).toBeUndefined();
    expect(inFlight.total).toBe(0);
  });
});

describe('rarest-first', () => {
  /** A file of 12 segments listed with seed 1 and peers 2 and 3, whose replies said: 2 holds 4-7, 3 holds 6-9. */
  function requestsAfterReplies(strategyName: 'rarest-first' | 'round-robin'): string[] {
    const sent: string[] = [];
    const comm = new MailboxComm<SwarmPayloads>(4, 5, (dest, tag, payload) => {
      if (tag === Tag.SEGMENT_REQUEST) sent.push(`${(payload as { index: number }).index}->${dest}`);
    });
    const inFlight = new InFlight(16, false);
    inFlight.wanted(12);
    const file = new FileDownload('f', new Losses(), inFlight);
    file.begin(hashes('f', 12), 0);
    file.listed([1, 2, 3], Int32Array.of(SEED, 0, 1));
    file.refreshed([1]);
    file.asked(0, 2);
    file.answered(0, 2, 4, 4);
    file.asked(1, 3);
    file.answered(1, 3, 6, 4);
    const runs = new RequestRuns(comm, STRATEGIES[strategyName](4, 5, '1'), inFlight, newDownloadCounters());
    expect(runs.turn(file)).toBe('sent');
    return sent;
  }

  it('judges a member heard from by its reply, even when a listing calls it a seed', () => {
    const inFlight = new InFlight(16, false);
    const file = new FileDownload('f', new Losses(), inFlight);
    file.begin(hashes('f', 12), 0);
    file.listed([1, 2], Int32Array.of(SEED, SEED));
    file.asked(0, 2);
    // Its reply, sent before it finished, comes after the listing that calls it a seed: it holds 4-7.
    file.answered(0, 2, 4, 4);
    expect([3, 4, 8].map((segment) => file.knownHolders(segment))).toEqual([1, 2, 1]);
    // Listed as a seed again, it is known to hold everything.
    file.refreshed([1, 2]);
    expect([3, 4, 8].map((segment) => file.knownHolders(segment))).toEqual([2, 2, 2]);
  });

  it('asks first for the segments fewest members are known to hold', () => {
    // Known holders: 2-3 and 10-11 only the seed; 4-5 two; 6-7 three; 8-9 two.
    expect(requestsAfterReplies('rarest-first')).toEqual(['2->1', '3->1', '10->1', '11->1']);
    expect(requestsAfterReplies('round-robin')).toEqual(['2->1', '3->1', '4->1', '5->1']);
  });
});
