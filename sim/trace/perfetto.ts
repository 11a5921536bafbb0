import { ALARM, RANK_LOST } from '../comm/comm.js';
import { Tag, TAG_NAMES, type OwnedFile } from '../../ranks/protocol.js';
import type { Roles } from '../../ranks/roles.js';
import {
  counterEvent,
  flowEvents,
  instantEvent,
  processEvents,
  rankName,
  sliceEvent,
  threadEvent,
  type FlowEnd,
} from './perfetto-events.js';
import { Lanes, RequestBook, type Closed } from './requests.js';
import { short, type TraceSink } from './trace.js';
import { TraceWriter } from './writer.js';

interface Segment {
  file: string;
  index: number;
}

/**
 * Writes the trace as Chrome trace event JSON for Perfetto UI or chrome://tracing: a
 * process per rank, a slice per segment request from its arrival at the holder to the
 * answer's arrival back (on the requester's lanes, and a serve slice on the holder's), an
 * arrow from uploader to downloader for each segment sent, a counter of the segments each
 * client holds (from what it owns at INIT, one more at each ACK), and an instant for every
 * other message. Streamed as the run goes: a slice is written when its answer arrives, so
 * memory holds only what is in flight.
 */
export class PerfettoTrace implements TraceSink {
  private readonly writer: TraceWriter;
  private readonly lanes = new Lanes();
  private readonly requests = new RequestBook();
  /** The thread id of each rank's lanes past the first (whose id is the rank). */
  private readonly laneTids = new Map<number, number[]>();
  private nextTid: number;
  /** Segments each client holds: what it owned, then what it was sent. */
  private readonly held = new Map<number, number>();
  private flows = 0;
  private lastNs = 0;
  private separator = '';
  private closed = false;

  constructor(
    path: string,
    private readonly roles: Roles,
  ) {
    this.writer = new TraceWriter(path);
    this.nextTid = roles.size;
    this.writer.write('{"displayTimeUnit":"ms","traceEvents":[\n');
    for (let rank = 0; rank < roles.size; rank++) this.emit(processEvents(rank, this.name(rank)));
  }

  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void {
    if (timeNs > this.lastNs) this.lastNs = timeNs;
    switch (tag) {
      case Tag.SEGMENT_REQUEST:
        return this.asked(timeNs, source, dest, payload as Segment);
      case Tag.ACK:
      case Tag.NACK:
        // Every ACK counts, matched or not: on a wall clock a request's record can come out of order or be missing.
        if (tag === Tag.ACK) this.count(dest, timeNs, 1);
        return this.ended(this.requests.answer(dest, source, payload as Segment, timeNs, TAG_NAMES[tag]));
      case Tag.PEER_LEFT:
        // The leaver's own answer to a request; the tracker's notice of a leaver is an instant.
        if ((payload as { rank: number }).rank === source) return this.ended(this.requests.left(dest, source, timeNs));
        break;
      case Tag.INIT:
        this.owns(timeNs, source, (payload as { files: OwnedFile[] }).files);
        break;
      case RANK_LOST:
        this.ended(this.requests.between(dest, source, timeNs));
        break;
    }
    if (tag !== ALARM) this.emit(instantEvent(dest, timeNs, TAG_NAMES[tag] ?? String(tag), source, short(payload)));
  }

  close(): void {
    // Closed once: a harness closes the sink whatever the run's end, after a transport may have.
    if (this.closed) return;
    this.closed = true;
    this.ended(this.requests.drain(this.lastNs));
    this.writer.write('\n]}\n');
    this.writer.close();
  }

  private asked(timeNs: number, requester: number, holder: number, segment: Segment): void {
    const requesterLane = this.lanes.take(requester);
    const holderLane = this.lanes.take(holder);
    this.requests.add({ requester, holder, file: segment.file, index: segment.index, startNs: timeNs, requesterLane, holderLane });
  }

  /** Writes each request's slices, and for an ACK its arrow. */
  private ended(closed: readonly Closed[]): void {
    for (const { request, endNs, reply } of closed) {
      const { requester, holder, startNs } = request;
      this.lanes.free(requester, request.requesterLane);
      this.lanes.free(holder, request.holderLane);
      const from: FlowEnd = { rank: holder, tid: this.tid(holder, request.holderLane), ns: startNs };
      const to: FlowEnd = { rank: requester, tid: this.tid(requester, request.requesterLane), ns: startNs };
      const slice = { name: `${request.file}[${request.index}]`, startNs, endNs };
      const answer = JSON.stringify(reply);
      this.emit(sliceEvent({ ...slice, category: 'serve', ...from, args: `{"requester":${requester},"reply":${answer}}` }));
      this.emit(sliceEvent({ ...slice, category: 'request', ...to, args: `{"holder":${holder},"reply":${answer}}` }));
      if (reply === 'ACK') this.emit(flowEvents(++this.flows, from, to));
    }
  }

  private owns(timeNs: number, client: number, files: readonly OwnedFile[]): void {
    // A client registers again with a tracker that took over: what it owns is counted once.
    if (this.held.has(client)) return;
    this.count(
      client,
      timeNs,
      files.reduce((n, file) => n + file.hashes.length, 0),
    );
  }

  private count(client: number, timeNs: number, more: number): void {
    const held = (this.held.get(client) ?? 0) + more;
    this.held.set(client, held);
    this.emit(counterEvent(client, timeNs, held));
  }

  /** A lane's thread id, named when first used. */
  private tid(rank: number, lane: number): number {
    if (lane === 0) return rank;
    let tids = this.laneTids.get(rank);
    if (!tids) this.laneTids.set(rank, (tids = []));
    let tid = tids[lane - 1];
    if (tid === undefined) {
      tid = tids[lane - 1] = this.nextTid++;
      this.emit(threadEvent(rank, tid, `${this.name(rank)} (lane ${lane + 1})`));
    }
    return tid;
  }

  private name(rank: number): string {
    return rankName(rank, this.roles.standby);
  }

  private emit(event: string): void {
    this.writer.write(`${this.separator}${event}`);
    this.separator = ',\n';
  }
}
