import type { Alarms } from './alarms.js';
import type { SwarmPayloads, Tag } from './protocol.js';

export type SegmentRequest = SwarmPayloads[typeof Tag.SEGMENT_REQUEST];

/** Requesters served at once under a priority (BitTorrent's four upload slots, the optimistic one among them). */
export const UPLOAD_SLOTS = 4;
/** How often the slots are given out again while some request waits, in milliseconds of the transport's clock. */
export const RECHOKE_MS = 1000;

/**
 * An uploader that chokes: only UPLOAD_SLOTS requesters are served at once, those of
 * highest priority when the slots were last given out; the others' requests wait (a request
 * is always answered, only later), and the slots are given out again every RECHOKE_MS while
 * some request waits. Only a client whose strategy ranks requesters has one.
 */
export class Choke {
  private readonly unchoked = new Set<number>();
  /** Requests from choked requesters, in arrival order. */
  private waiting: { requester: number; request: SegmentRequest }[] = [];
  /** Requesters heard since the slots were last given out: the candidates for them. */
  private readonly recent = new Set<number>();
  private alarmSet = false;

  constructor(
    private readonly priority: (requester: number) => number,
    private readonly alarms: Alarms,
    private readonly serve: (requester: number, request: SegmentRequest) => void,
  ) {}

  /** A request was read: served now if its requester holds a slot or one is free, else it waits. */
  take(requester: number, request: SegmentRequest): void {
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

  /** Every waiting request, taken off: the holder answers them all at once (it is leaving). */
  release(): { requester: number; request: SegmentRequest }[] {
    const waiting = this.waiting;
    this.waiting = [];
    return waiting;
  }

  /** The rechoke: the slots go to the requesters of highest priority, and their waiting requests are answered. */
  onAlarm(): void {
    if (!this.alarmSet) return;
    this.alarmSet = false;
    // Those who have waited come first among equals (the sort is stable), then the others in the order heard: never by rank.
    const candidates = new Set(this.waiting.map(({ requester }) => requester));
    for (const requester of this.recent) candidates.add(requester);
    const ranked = [...candidates].map((requester) => ({ requester, value: this.priority(requester) }));
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
}

/** Higher first; written out because Infinity - Infinity is NaN. */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}
