/**
 * What the replay page (`sim view`) embeds: a run's trace reduced to the events that change
 * what the page shows, in flat typed arrays (base64), plus what each client held at the
 * start. The page steps through these events forwards and backwards; it never parses JSON
 * per event, so a run of 1,000 clients loads and seeks quickly.
 */
import type { MetricsDocument } from './document.js';

/** One line of a trace: `{"t":seconds,"from":R,"to":R,"tag":"ACK","p":"file3[12]"}`. */
export interface TraceRecord {
  t: number;
  from: number;
  to: number;
  tag: string;
  p: string;
}

/** The files a client owns (holds whole from the start) and the ones it wants, by name. */
export interface ClientHoldings {
  owned: readonly string[];
  wanted: readonly string[];
}

/** Event kinds, as the page reads them from `kind`. */
export const ReplayKind = {
  /** A segment reached a downloader that did not hold it: from = uploader, to = downloader. */
  TRANSFER: 0,
  /**
   * An ACK the downloader does not count: for a segment it held already (a late answer to an
   * abandoned request), from a rank it was told is lost, or reaching it after it was lost.
   */
  REPEAT: 1,
  /** from = the client that refused, to = the requester. */
  NACK: 2,
  /** from = the requester, to = the holder asked. */
  REQUEST: 3,
  /** `from` joined the swarm (its registration reached a tracker). */
  JOIN: 4,
  /** `from` left the swarm (BYE). */
  LEAVE: 5,
} as const;

export interface ReplayData {
  title: string;
  transport: string;
  strategy: string;
  /** Whether times are simulated seconds (virtual transport) or wall-clock seconds. */
  simulated: boolean;
  duration: number;
  ranks: number;
  /** Client ranks, ascending. */
  clients: number[];
  files: { name: string; segments: number; offset: number }[];
  segments: number;
  /** Per client (same order as `clients`): indices into `files`, in CSR form (`start` has clients + 1 entries). */
  ownedStart: number[];
  ownedFiles: number[];
  wantedStart: number[];
  wantedFiles: number[];
  /** Per client: seconds at which it held every wanted segment, or -1 (never, or nothing wanted). */
  completion: number[];
  /** Events, in time order; base64 of Float32Array, Uint8Array, Int32Array, Int32Array, Int32Array. */
  events: { count: number; t: string; kind: string; from: string; to: string; seg: string };
}

/** Why a trace could not be replayed: the caller names the file and line. */
export class TraceProblem extends Error {}

const SEGMENT = /^(.*)\[(\d+)\]$/;

function base64(array: Float32Array | Uint8Array | Int32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Growable columns of events. */
class Columns {
  count = 0;
  t = new Float32Array(1024);
  kind = new Uint8Array(1024);
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  seg = new Int32Array(1024);

  push(t: number, kind: number, from: number, to: number, seg: number): void {
    if (this.count === this.t.length) this.grow();
    const i = this.count++;
    this.t[i] = t;
    this.kind[i] = kind;
    this.from[i] = from;
    this.to[i] = to;
    this.seg[i] = seg;
  }

  private grow(): void {
    const size = this.t.length * 2;
    const bigger = <T extends Float32Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.t = bigger(this.t, (n) => new Float32Array(n));
    this.kind = bigger(this.kind, (n) => new Uint8Array(n));
    this.from = bigger(this.from, (n) => new Int32Array(n));
    this.to = bigger(this.to, (n) => new Int32Array(n));
    this.seg = bigger(this.seg, (n) => new Int32Array(n));
  }
}

/**
 * Takes a trace's records one by one (`add`), in the order the run delivered them, and
 * gives the page's data (`finish`). Holdings are tracked here so that a repeated ACK is not
 * drawn as a segment gained and each client's completion time is known.
 */
export class ReplayBuilder {
  private readonly columns = new Columns();
  private readonly fileIndex = new Map<string, number>();
  private readonly files: ReplayData['files'] = [];
  private readonly clientIndex = new Map<number, number>();
  private readonly clients: number[];
  /** Per client: the files it owns, held whole from the start. */
  private readonly owned: Set<number>[];
  /** Per client, per file it downloads from: a byte per segment, 1 once held (a client holds only its own files' segments). */
  private readonly held: Map<number, Uint8Array>[];
  private readonly wantedLeft: number[];
  private readonly completion: number[];
  private readonly inSwarm: Uint8Array;
  /** Ranks lost, and `downloader:uploader` pairs where the downloader was told the uploader is. */
  private readonly lost = new Set<number>();
  private readonly toldLost = new Set<string>();
  private lastTime = 0;
  transfers = 0;

  constructor(
    private readonly doc: MetricsDocument,
    private readonly holdings: ReadonlyMap<number, ClientHoldings>,
  ) {
    let offset = 0;
    for (const file of doc.files) {
      this.fileIndex.set(file.name, this.files.length);
      this.files.push({ name: file.name, segments: file.segments, offset });
      offset += file.segments;
    }
    this.clients = doc.ranks.filter((rank) => rank.role === 'client').map((rank) => rank.rank);
    this.clients.forEach((rank, i) => this.clientIndex.set(rank, i));
    this.owned = this.clients.map((rank) => new Set(this.ownedOf(rank)));
    this.held = this.clients.map((rank) => new Map(this.wantedOf(rank).map((f) => [f, new Uint8Array(this.files[f].segments)])));
    this.wantedLeft = this.clients.map((rank) => this.wantedOf(rank).reduce((n, f) => n + this.files[f].segments, 0));
    this.completion = this.wantedLeft.map(() => -1);
    this.inSwarm = new Uint8Array(this.clients.length);
  }

  private filesOf(names: readonly string[] | undefined): number[] {
    return (names ?? []).flatMap((name) => this.fileIndex.get(name) ?? []);
  }

  private ownedOf(rank: number): number[] {
    return this.filesOf(this.holdings.get(rank)?.owned);
  }

  private wantedOf(rank: number): number[] {
    const owned = new Set(this.ownedOf(rank));
    return this.filesOf(this.holdings.get(rank)?.wanted).filter((file) => !owned.has(file));
  }

  /** The global segment index a payload such as `file3[12]` names. */
  private segmentOf(payload: string): number {
    const match = SEGMENT.exec(payload);
    const file = match ? this.fileIndex.get(match[1]) : undefined;
    if (!match || file === undefined) throw new TraceProblem(`"${payload}" names no segment of the run's files`);
    const index = Number(match[2]);
    if (index >= this.files[file].segments) throw new TraceProblem(`${payload}: ${match[1]} has ${this.files[file].segments} segments`);
    return this.files[file].offset + index;
  }

  private client(rank: number): number {
    const index = this.clientIndex.get(rank);
    if (index === undefined) throw new TraceProblem(`rank ${rank} is not a client of this run`);
    return index;
  }

  add(record: TraceRecord): void {
    // Threads and TCP stamp lines from several clocks' readings: a line a little earlier
    // than the one before is replayed at the same instant.
    const t = Math.max(record.t, this.lastTime);
    this.lastTime = t;
    const { from, to } = record;
    switch (record.tag) {
      case 'ACK':
        return this.ack(t, from, to, this.segmentOf(record.p));
      case 'NACK':
        return this.columns.push(t, ReplayKind.NACK, from, to, this.segmentOf(record.p));
      case 'SEGMENT_REQUEST':
        return this.columns.push(t, ReplayKind.REQUEST, from, to, this.segmentOf(record.p));
      case 'INIT':
      case 'REJOIN':
        return this.swarm(t, from, 1);
      case 'BYE':
        return this.swarm(t, from, 0);
      case 'RANK_LOST':
        return this.rankLost(t, from, to);
    }
  }

  private ack(t: number, uploader: number, downloader: number, seg: number): void {
    const client = this.client(downloader);
    const file = this.fileAt(seg);
    // These two are sure from the trace alone; an ACK a client dropped as the late answer to
    // a request it had given up on (after a loss or a departure) is not, and counts.
    const ignored = this.lost.has(downloader) || this.toldLost.has(`${downloader}:${uploader}`);
    if (ignored || this.owned[client].has(file)) return this.columns.push(t, ReplayKind.REPEAT, uploader, downloader, seg);
    let held = this.held[client].get(file);
    // A segment of a file the client never asked for counts as gained, not towards its completion.
    const wanted = held !== undefined;
    if (!held) this.held[client].set(file, (held = new Uint8Array(this.files[file].segments)));
    const index = seg - this.files[file].offset;
    if (held[index]) return this.columns.push(t, ReplayKind.REPEAT, uploader, downloader, seg);
    held[index] = 1;
    this.transfers++;
    this.columns.push(t, ReplayKind.TRANSFER, uploader, downloader, seg);
    if (wanted && --this.wantedLeft[client] === 0) this.completion[client] = t;
  }

  /** The file a global segment index falls in. */
  private fileAt(seg: number): number {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid].offset <= seg) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `rank` is lost and `told` is told so: `told` takes no more answers from it, and `rank` leaves the swarm. */
  private rankLost(t: number, rank: number, told: number): void {
    this.lost.add(rank);
    this.toldLost.add(`${told}:${rank}`);
    this.swarm(t, rank, 0);
  }

  private swarm(t: number, rank: number, inside: 0 | 1): void {
    const client = this.clientIndex.get(rank);
    // A tracker's own messages, or a second registration (a REJOIN after a takeover), change nothing.
    if (client === undefined || this.inSwarm[client] === inside) return;
    this.inSwarm[client] = inside;
    this.columns.push(t, inside ? ReplayKind.JOIN : ReplayKind.LEAVE, rank, 0, -1);
  }

  finish(): ReplayData {
    const c = this.columns;
    const csr = (lists: number[][]): { start: number[]; items: number[] } => {
      const start = [0];
      for (const list of lists) start.push(start[start.length - 1] + list.length);
      return { start, items: lists.flat() };
    };
    const owned = csr(this.clients.map((rank) => this.ownedOf(rank)));
    const wanted = csr(this.clients.map((rank) => this.wantedOf(rank)));
    const { run } = this.doc;
    return {
      title: `${run.inputDir}: ${run.ranks} ranks, ${run.strategy}`,
      transport: run.transport,
      strategy: run.strategy,
      simulated: run.transport === 'virtual',
      // Times travel as 32-bit floats: the last may round up past the 64-bit one.
      duration: Math.max(this.lastTime, Math.fround(this.lastTime), 1e-3),
      ranks: run.ranks,
      clients: this.clients,
      files: this.files,
      segments: this.files.reduce((n, file) => n + file.segments, 0),
      ownedStart: owned.start,
      ownedFiles: owned.items,
      wantedStart: wanted.start,
      wantedFiles: wanted.items,
      completion: this.completion,
      events: {
        count: c.count,
        t: base64(c.t.subarray(0, c.count)),
        kind: base64(c.kind.subarray(0, c.count)),
        from: base64(c.from.subarray(0, c.count)),
        to: base64(c.to.subarray(0, c.count)),
        seg: base64(c.seg.subarray(0, c.count)),
      },
    };
  }
}
