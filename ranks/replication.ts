import { Tag, type ReplicatedChange, type SwarmComm, type SwarmPayloads, type TrackerChange } from './protocol.js';
import type { TrackerJournal } from './tracker-journal.js';
import { snapshotOf } from './tracker-snapshot.js';
import type { TrackerState } from './tracker-state.js';

type ReplyTag = typeof Tag.SWARM_REPLY | typeof Tag.INIT_ACK;

interface HeldReply {
  seq: number;
  dest: number;
  tag: ReplyTag;
  payload: SwarmPayloads[ReplyTag];
}

/**
 * The serving tracker's side of replication. Every change is applied here, numbered and
 * sent to the standby in order; a reply that lets a client act on a change is held until
 * the standby has acknowledged it, so a standby that takes over knows everything any
 * client was told. With a journal (`--tracker-state`), a reply is likewise held until its
 * change is on disk, so a tracker reloaded from there knows everything any client was
 * told; changes go to disk in batches, one flush each time the tracker has nothing left to
 * read (`sync`). Without either, replies go at once.
 */
export class Replicator {
  /** The last change applied. */
  seq: number;
  private acked: number;
  private readonly held: HeldReply[] = [];
  /** The standby, while one is in step or catching up. */
  private standby: number | undefined;
  /** The last change on disk; Infinity without a journal, where nothing waits for the disk. */
  private durable: number;

  constructor(
    private readonly comm: SwarmComm,
    private readonly state: TrackerState,
    /** Every change since the start, for a tracker that restarts; undefined when none can. */
    private readonly log: ReplicatedChange[] | undefined,
    standby: number | undefined,
    private readonly journal?: TrackerJournal,
    /** The last change a tracker reloaded from its journal had applied. */
    reloaded = 0,
  ) {
    this.seq = log?.length ?? reloaded;
    this.acked = this.seq;
    this.durable = journal ? this.seq : Infinity;
    this.standby = standby;
  }

  commit(change: TrackerChange): void {
    this.state.apply(change);
    const entry = { ...change, seq: ++this.seq };
    this.log?.push(entry);
    this.journal?.append(entry);
    if (this.standby !== undefined) this.comm.send(this.standby, Tag.REPLICATE, entry);
  }

  reply<T extends ReplyTag>(dest: number, tag: T, payload: SwarmPayloads[T]): void {
    if (this.releasable() >= this.seq) this.comm.send(dest, tag, payload);
    else this.held.push({ seq: this.seq, dest, tag, payload });
  }

  /** Every change is acknowledged by the standby, or there is none, and on disk, or there is no journal. */
  get synced(): boolean {
    return this.releasable() >= this.seq;
  }

  /**
   * Puts every change so far on disk and releases what waited for it; false if there was
   * nothing to put. Only a held reply, or the job's end (`ending`), is worth an fsync: a
   * change no client was answered about is told again by every client that rejoins a
   * tracker come back, so losing it with the process loses nothing.
   */
  sync(ending = false): boolean {
    if (!this.journal || this.durable >= this.seq || (this.held.length === 0 && !ending)) return false;
    this.journal.sync(() => snapshotOf(this.state, this.seq));
    this.durable = this.seq;
    this.release(this.releasable());
    return true;
  }

  /** Replies for changes up to this one may go. */
  private releasable(): number {
    return Math.min(this.standby === undefined ? Infinity : this.acked, this.durable);
  }

  /** Replies held and what they wait for, for stall reports; empty when nothing is held. */
  describe(): string {
    if (this.held.length === 0) return '';
    if (this.durable < this.held[0].seq) return `${this.held.length} replies held until change ${this.held[0].seq} is on disk`;
    return `${this.held.length} replies held until rank ${this.standby} acknowledges change ${this.held[0].seq} (it has acknowledged ${this.acked} of ${this.seq})`;
  }

  /** The tracker following this one, if any. */
  get follower(): number | undefined {
    return this.standby;
  }

  acknowledged(from: number, seq: number): void {
    if (from !== this.standby) return;
    this.acked = Math.max(this.acked, seq);
    this.release(this.releasable());
  }

  /** The standby is gone: nothing waits for it any more. */
  standbyLost(rank: number): void {
    if (rank !== this.standby) return;
    this.standby = undefined;
    this.release(this.releasable());
  }

  /** A restarted tracker asks for the whole log; it is the standby from now on. */
  catchUp(rank: number): void {
    if (!this.log) return;
    this.standby = rank;
    for (const entry of this.log) this.comm.send(rank, Tag.REPLICATE, entry);
    // Replies wait for the newcomer too: were this tracker to die before the newcomer is
    // in step, the newcomer would take over without what those replies promised.
    this.acked = 0;
  }

  private release(upTo: number): void {
    let released = 0;
    while (released < this.held.length && this.held[released].seq <= upTo) {
      const { dest, tag, payload } = this.held[released++];
      this.comm.send(dest, tag, payload as never);
    }
    if (released > 0) this.held.splice(0, released);
  }
}
