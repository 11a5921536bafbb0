import { Alarms } from './alarms.js';
import { Tag, type SwarmComm, type SwarmPayloads } from './protocol.js';
import type { SegmentStore } from './segment-store.js';

type SegmentRequest = SwarmPayloads[typeof Tag.SEGMENT_REQUEST];

/** Requesters served at once under a priority (BitTorrent's four upload slots, the optimistic one among them). */
export const UPLOAD_SLOTS = 4;
/** How often the slots are given out again while some request waits, in milliseconds of the transport's clock. */
export const RECHOKE_MS = 1000;

export interface UploadOptions {
  /** Never uploads: every request is refused, and the holder reports holding nothing. */
  freeRider?: boolean;
  /**
   * When given, this holder chokes: only UPLOAD_SLOTS requesters are served at once, those
   * of highest priority when the slots were last given out; the others' requests wait (a
   * request is always answered, only later). Without it, each request is answered at once.
   */
  priority?: (requester: number) => number;
  /** Shared with the download activity (alarms.ts); default one of its own. */
  alarms?: Alarms;
}

/** The upload activity: answers each segment request with ACK or NACK. */
export class UploadActivity {
  /** Segments served (ACKs sent); reported to requesters as this holder's load. */
  uploaded = 0;
  nacksSent = 0;
  private readonly unchoked = new Set<number>();
  /** Requests from choked requesters, in arrival order. */
  private waiting: { requester: number; request: SegmentRequest }[] = [];
  /** Requesters heard since the slots were last given out: the candidates for them. */
  private readonly recent = new Set<number>();
  private alarmSet = false;
  private readonly alarms: Alarms;

  constructor(
    private readonly comm: SwarmComm,
    private readonly store: SegmentStore,
    private readonly options: UploadOptions = {},
  ) {
    this.alarms = options.alarms ?? new Alarms(comm);
  }

  /** A request was read: answered now, unless this holder chokes its requester. */
  take(requester: number, request: SegmentRequest): void {
    if (!this.options.priority) return this.serve(requester, request);
    this.recent.add(requester);
    // A free slot goes to whoever asks: nobody waits while the uplink is idle.
    if (!this.unchoked.has(requester) && this.unchoked.size < UPLOAD_SLOTS) this.unchoked.add(requester);
    if (this.unchoked.has(requester)) return this.serve(requester, request);
    this.waiting.push({ requester, request });
    if (!this.alarmSet) this.setAlarm();
  }

  /** A requester is lost: its waiting requests will never be read, and its slot is free. */
  peerLost(rank: number): void {
    this.unchoked.delete(rank);
    this.recent.delete(rank);
    if (this.waiting.some(({ requester }) => requester === rank)) this.waiting = this.waiting.filter(({ requester }) => requester !== rank);
  }

  /** The rechoke: the slots go to the requesters of highest priority, and their waiting requests are answered. */
  onAlarm(): void {
    const priority = this.options.priority;
    if (!priority || !this.alarmSet) return;
    this.alarmSet = false;
    // Those who have waited come first among equals (the sort is stable), then the others in the order heard: never by rank.
    const candidates = new Set(this.waiting.map(({ requester }) => requester));
    for (const requester of this.recent) candidates.add(requester);
    const ranked = [...candidates].map((requester) => ({ requester, value: priority(requester) }));
    ranked.sort((a, b) => descending(a.value, b.value));
    this.unchoked.clear();
    for (const { requester } of ranked.slice(0, UPLOAD_SLOTS)) this.unchoked.add(requester);
    this.recent.clear();
    const still: typeof this.waiting = [];
    for (const item of this.waiting) {
      if (this.unchoked.has(item.requester)) this.serve(item.requester, item.request);
      else still.push(item);
    }
    this.waiting = still;
    if (still.length > 0) this.setAlarm();
  }

  private setAlarm(): void {
    this.alarmSet = true;
    this.alarms.set('upload', RECHOKE_MS);
  }

  private serve(requester: number, request: SegmentRequest): void {
    const { file, index } = request;
    const stored = this.options.freeRider ? undefined : this.store.file(file);
    // ACK only for that segment of that file with that hash.
    const acked = stored !== undefined && stored.held[index] === 1 && stored.hashes[index] === request.hash;
    if (acked) this.uploaded++;
    else this.nacksSent++;
    const from = stored?.from ?? 0;
    const held = stored?.run ?? 0;
    this.comm.send(requester, acked ? Tag.ACK : Tag.NACK, { file, index, load: this.uploaded, from, held });
  }
}

/** Higher first; written out because Infinity - Infinity is NaN. */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}
