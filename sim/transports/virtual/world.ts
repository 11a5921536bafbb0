/**
 * The virtual-time scheduler. Every rank runs in this thread as an async task on the
 * unchanged rank code; exactly the ranks woken at one virtual instant run, one after
 * another in delivery order, until each blocks in a receive. Then the next instant's
 * messages are delivered. Each rank draws from its own seeded stream (forked from the
 * run seed) a step of its key per activation, which orders messages that arrive at the
 * same instant: the seed, and nothing else, decides every interleaving.
 */
import { ALARM, RANK_LOST, type LostNotice, type PayloadMap } from '../../comm/comm.js';
import { EventQueue, type InFlight } from './event-queue.js';
import type { NetworkModel } from './network-model.js';
import type { LinkFaults, WorldHooks } from './hooks.js';
import { LossyLinks } from './lossy-links.js';
import { Pauses } from './pauses.js';
import { RankStreams } from './streams.js';
import { VirtualComm, type Scheduler } from './virtual-comm.js';

export type { LinkFaults, WorldHooks } from './hooks.js';
export { VirtualComm } from './virtual-comm.js';

/** Keys step up by at most this much per activation, so ten million activations stay exact in a double. */
const KEY_RANGE = 2 ** 20;
/** An event that is not a message: a fault or other harness action due at its time. */
const ACTION = -2;

export class VirtualWorld implements Scheduler {
  private readonly queue = new EventQueue();
  /** Where the delivery loop reads each event it takes off the queue. */
  private readonly popped: InFlight = { time: 0, key: 0, source: 0, dest: 0, life: 0, tag: 0, payload: null };
  private readonly streams: RankStreams;
  private readonly keys: Float64Array;
  private readonly running: Uint8Array;
  private readonly done: Uint8Array;
  /** Per rank, how many times it was started again. */
  private readonly lives: Int32Array;
  private readonly comms: VirtualComm<PayloadMap>[] = [];
  private readonly links: LossyLinks;
  private runnable = 0;
  private finishedCount = 0;
  private over = false;
  /** Inside the delivery loop: it goes on by itself, so nothing may start it again. */
  private delivering = false;
  private lastProgress = 0;
  private readonly pauses: Pauses;
  /** Virtual nanoseconds. */
  now = 0;
  deliveredCount = 0;

  constructor(
    readonly size: number,
    seed: string,
    private readonly network: NetworkModel,
    private readonly hooks: WorldHooks,
    linkFaults?: LinkFaults,
  ) {
    this.streams = new RankStreams(seed, size);
    this.links = new LossyLinks(seed, size, linkFaults);
    this.keys = new Float64Array(size);
    this.running = new Uint8Array(size);
    this.lives = new Int32Array(size);
    this.done = new Uint8Array(size);
    this.pauses = new Pauses(hooks.turnMs);
  }

  get seconds(): number {
    return this.now / 1e9;
  }

  comm<M extends PayloadMap>(rank: number): VirtualComm<M> {
    const comm = new VirtualComm<M>(rank, this.size, this);
    this.comms[rank] = comm as unknown as VirtualComm<PayloadMap>;
    return comm;
  }

  /** Starts every rank (in rank order); `body` runs it and resolves when it has finished. */
  start(body: (rank: number) => Promise<unknown>, failed: (rank: number, error: unknown) => void): void {
    for (let rank = 0; rank < this.size; rank++) this.wake(rank);
    for (let rank = 0; rank < this.size; rank++) this.track(rank, body(rank), failed);
  }

  /** Follows one incarnation of a rank: an earlier one, killed, can no longer finish or fail the run. */
  private track(rank: number, running: Promise<unknown>, failed: (rank: number, error: unknown) => void): void {
    const comm = this.comms[rank];
    running.then(
      () => {
        if (comm.alive) this.finish(rank);
      },
      (error: unknown) => {
        if (!comm.alive) return;
        this.over = true;
        failed(rank, error);
      },
    );
  }

  /** How long a loss notice takes to reach every rank. */
  get noticeSeconds(): number {
    let most = 0;
    for (let dest = 0; dest < this.size; dest++) most = Math.max(most, this.network.latency(0, dest));
    return most / 1e9;
  }

  isAlive(rank: number): boolean {
    return this.comms[rank].alive;
  }

  /**
   * Kills a rank now: it runs no more, messages to it are lost (those it sent before stay in
   * flight), and every live rank gets a loss notice one link latency later.
   */
  kill(rank: number, reason: string): void {
    const comm = this.comms[rank];
    if (!comm.alive) return;
    comm.alive = false;
    if (this.done[rank] === 0) {
      this.done[rank] = 1;
      this.finishedCount++;
    }
    const notice: LostNotice = { reason };
    for (let dest = 0; dest < this.size; dest++) {
      if (dest === rank || this.done[dest] === 1) continue;
      this.queue.push(this.now + this.network.latency(rank, dest), this.keys[rank], rank, dest, this.lives[dest], RANK_LOST, notice);
    }
    // Killed while it ran (a fault fired from its own code): it will never block, so it stops counting now.
    if (this.running[rank] === 1) this.blocked(rank);
  }

  /** Starts a killed rank again, with a fresh comm, running `body`; it is runnable at once. */
  revive<M extends PayloadMap>(
    rank: number,
    body: (comm: VirtualComm<M>) => Promise<unknown>,
    failed: (rank: number, error: unknown) => void,
  ): void {
    if (this.comms[rank].alive) throw new Error(`rank ${rank} is alive; kill it before starting it again`);
    const comm = this.comm<M>(rank);
    // A new life starts knowing who is dead now: the notices went to the life that ended.
    for (let other = 0; other < this.size; other++) {
      if (other !== rank && !this.comms[other].alive) comm.rankLost(other, 'lost before this rank started again');
    }
    // What was sent to it before, or while it was dead, was meant for the life that ended.
    this.lives[rank]++;
    for (const other of this.comms) other.rankBack(rank);
    this.done[rank] = 0;
    this.finishedCount--;
    this.wake(rank);
    this.track(rank, body(comm), failed);
  }

  /** Runs `action` at `seconds` of virtual time, between deliveries. */
  at(seconds: number, action: () => void): void {
    const time = Math.max(this.now, Math.round(seconds * 1e9));
    this.queue.push(time, 0, ACTION, ACTION, 0, ACTION, action);
  }

  alarm(rank: number, ms: number): void {
    this.queue.push(this.now + Math.max(1, Math.round(ms * 1e6)), this.keys[rank], rank, rank, this.lives[rank], ALARM, null);
  }

  /** Ends the run: nothing more is delivered. */
  stop(): void {
    this.over = true;
  }

  /** Messages lost on lossy links. */
  get dropped(): number {
    return this.links.dropped;
  }

  send(source: number, dest: number, tag: number, payload: unknown): void {
    if (this.links.drops(source, dest)) return;
    const time = this.network.arrival(this.now, source, dest, tag) + this.links.delay(source, dest);
    this.queue.push(time, this.keys[source], source, dest, this.lives[dest], tag, payload);
  }

  blocked(rank: number): void {
    if (this.running[rank] === 0) return;
    this.running[rank] = 0;
    // Delivered on the next microtask, not now: the rank blocking here has not yet awaited
    // the receive it is returning, and a letter for it delivered now would resolve that
    // receive before the await, putting its continuation after every rank woken with it
    // instead of in delivery order. Stepping from here or after a turn of the event loop
    // then ordered one instant two ways, so where the scheduler paused changed the run
    // (1 run in 20 of a tit-for-tat case differed).
    if (--this.runnable === 0 && !this.delivering) queueMicrotask(this.stepSoon);
  }

  private readonly stepSoon = (): void => {
    if (this.runnable === 0 && !this.delivering) this.step();
  };

  private wake(rank: number): void {
    if (this.running[rank] === 1) return;
    this.running[rank] = 1;
    this.runnable++;
    // A random step up: one rank's keys only grow, so at a tie its later messages never pass
    // its earlier ones, while ties between ranks still fall as the seed says.
    this.keys[rank] += 1 + Math.floor(this.streams.draw(rank) * KEY_RANGE);
  }

  private finish(rank: number): void {
    if (this.done[rank] === 1) return;
    this.done[rank] = 1;
    this.finishedCount++;
    this.blocked(rank);
  }

  unfinished(): number[] {
    const ranks = [];
    for (let rank = 0; rank < this.size; rank++) if (this.done[rank] === 0) ranks.push(rank);
    return ranks;
  }

  /** Delivers the next instant's messages, and the next, until some rank has work to do. */
  private step(): void {
    if (this.over) return;
    this.delivering = true;
    try {
      this.deliverUntilBusy();
    } catch (error) {
      this.over = true;
      this.hooks.broke(error);
    } finally {
      this.delivering = false;
    }
  }

  private deliverUntilBusy(): void {
    const { queue, hooks } = this;
    while (this.runnable === 0 && !this.over) {
      if (this.pauses.due()) {
        setImmediate(() => {
          this.pauses.resumed();
          this.step();
        });
        break;
      }
      if (this.finishedCount === this.size) {
        this.over = true;
        hooks.finished();
        break;
      }
      if (queue.size === 0) {
        this.over = true;
        hooks.deadlocked(this.unfinished());
        break;
      }
      const instant = queue.nextTime;
      if (instant - this.lastProgress > hooks.livelockNs) {
        this.over = true;
        hooks.livelocked(this.unfinished());
        break;
      }
      this.now = instant;
      const event = this.popped;
      while (queue.nextTime === instant) {
        queue.pop(event);
        const { dest, source, tag, payload } = event;
        if (dest === ACTION) {
          (payload as () => void)();
          continue;
        }
        if (tag === hooks.progressTag) this.lastProgress = instant;
        if (this.done[dest] === 1 || event.life !== this.lives[dest]) continue;
        hooks.trace?.event(instant, source, dest, tag, payload);
        this.deliveredCount++;
        const comm = this.comms[dest];
        const woke =
          tag === RANK_LOST ? comm.rankLost(source, (payload as LostNotice).reason) : comm.mailbox.deliver({ source, tag, payload });
        if (woke) this.wake(dest);
        hooks.delivered?.(dest, tag);
      }
    }
  }

  /** Fills in each rank's messages in and out. */
  countMessages(counters: { messagesIn: number; messagesOut: number }[]): void {
    counters.forEach((counter, rank) => {
      counter.messagesIn = this.comms[rank].messagesIn;
      counter.messagesOut = this.comms[rank].messagesOut;
    });
  }
}
