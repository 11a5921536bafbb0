/**
 * The virtual-time scheduler. Every rank runs in this thread as an async task on the
 * unchanged rank code; exactly the ranks woken at one virtual instant run, one after
 * another in delivery order, until each blocks in a receive. Then the next instant's
 * messages are delivered. Each rank draws from its own seeded stream (forked from the
 * run seed) a step of its key per activation, which orders messages that arrive at the
 * same instant: the seed, and nothing else, decides every interleaving.
 */
import seedrandom from 'seedrandom';
import type { Envelope, PayloadMap, RecvFilter } from '../../comm.js';
import { MailboxComm } from '../../local-comm.js';
import type { WaitState } from '../../mailbox.js';
import { EventQueue, type InFlight } from './event-queue.js';
import type { NetworkModel } from './network-model.js';
import type { TraceSink } from './trace.js';

/** Keys step up by at most this much per activation, so ten million activations stay exact in a double. */
const KEY_RANGE = 2 ** 20;
/** Deliveries between two turns of the event loop, so that output writes and progress go on. */
const DELIVERIES_PER_TURN = 200_000;

/** A rank's Comm in virtual time: a receive that would wait tells the scheduler the rank is blocked. */
export class VirtualComm<M extends PayloadMap> extends MailboxComm<M> {
  constructor(
    rank: number,
    size: number,
    private readonly world: VirtualWorld,
  ) {
    super(rank, size, (dest, tag, payload) => world.send(rank, dest, tag, payload));
  }

  override recv(filter?: RecvFilter): Promise<Envelope<M>> {
    const letter = this.mailbox.take(filter);
    if (letter) return Promise.resolve(letter as Envelope<M>);
    // The waiter is registered before the scheduler moves on, so a message it delivers at
    // once is handed over, and counted as waking this rank.
    const waiting = this.mailbox.block(filter) as Promise<Envelope<M>>;
    this.world.blocked(this.rank);
    return waiting;
  }
}

export interface WorldHooks {
  /** The tag of a delivered segment: the scheduler's measure of progress. */
  progressTag: number;
  /** Simulated nanoseconds without any segment delivered after which the run is a livelock. */
  livelockNs: number;
  /** Messages keep moving but no segment has been delivered for `livelockNs`. */
  livelocked: (unfinished: number[]) => void;
  /** The scheduler itself failed (a trace write, a hook). */
  broke: (error: unknown) => void;
  /** Every message as it is delivered, with its virtual arrival time. */
  trace?: TraceSink;
  /** Called after each delivery to a rank (for timelines). */
  delivered?: (dest: number) => void;
  /** Every rank is blocked and no message is in flight, but some rank has not finished. */
  deadlocked: (unfinished: number[]) => void;
  /** Every rank has finished. */
  finished: () => void;
}

export class VirtualWorld {
  private readonly queue = new EventQueue();
  private readonly streams: (() => number)[];
  private readonly keys: Float64Array;
  private readonly running: Uint8Array;
  private readonly done: Uint8Array;
  private readonly comms: MailboxComm<PayloadMap>[] = [];
  /** 1 for ranks whose delivered messages are dropped (a test fault: a rank that stopped reading). */
  private readonly deaf: Uint8Array;
  private runnable = 0;
  private finishedCount = 0;
  private seq = 0;
  private over = false;
  private lastProgress = 0;
  /** Virtual nanoseconds. */
  now = 0;
  deliveredCount = 0;

  constructor(
    readonly size: number,
    seed: string,
    private readonly network: NetworkModel,
    private readonly hooks: WorldHooks,
  ) {
    this.streams = Array.from({ length: size }, (_, rank) => seedrandom.alea(`${seed}/rank ${rank}`));
    this.keys = new Float64Array(size);
    this.running = new Uint8Array(size);
    this.done = new Uint8Array(size);
    this.deaf = new Uint8Array(size);
  }

  /** From now on, messages to `rank` are dropped. */
  deafen(rank: number): void {
    this.deaf[rank] = 1;
  }

  get seconds(): number {
    return this.now / 1e9;
  }

  comm<M extends PayloadMap>(rank: number): VirtualComm<M> {
    const comm = new VirtualComm<M>(rank, this.size, this);
    this.comms[rank] = comm as unknown as MailboxComm<PayloadMap>;
    return comm;
  }

  /** Starts every rank (in rank order); `body` runs it and resolves when it has finished. */
  start(body: (rank: number) => Promise<unknown>, failed: (rank: number, error: unknown) => void): void {
    for (let rank = 0; rank < this.size; rank++) this.wake(rank);
    for (let rank = 0; rank < this.size; rank++) {
      body(rank).then(
        () => this.finish(rank),
        (error: unknown) => {
          this.over = true;
          failed(rank, error);
        },
      );
    }
  }

  /** Ends the run: nothing more is delivered. */
  stop(): void {
    this.over = true;
  }

  send(source: number, dest: number, tag: number, payload: unknown): void {
    const time = this.network.arrival(this.now, source, dest, tag);
    this.queue.push({ time, key: this.keys[source], seq: this.seq++, source, dest, tag, payload });
  }

  blocked(rank: number): void {
    if (this.running[rank] === 0) return;
    this.running[rank] = 0;
    if (--this.runnable === 0) this.step();
  }

  private wake(rank: number): void {
    if (this.running[rank] === 1) return;
    this.running[rank] = 1;
    this.runnable++;
    // A random step up: one rank's keys only grow, so at a tie its later messages never pass
    // its earlier ones, while ties between ranks still fall as the seed says.
    this.keys[rank] += 1 + Math.floor(this.streams[rank]() * KEY_RANGE);
  }

  private finish(rank: number): void {
    this.done[rank] = 1;
    this.finishedCount++;
    this.blocked(rank);
  }

  private unfinished(): number[] {
    const ranks = [];
    for (let rank = 0; rank < this.size; rank++) if (this.done[rank] === 0) ranks.push(rank);
    return ranks;
  }

  /** Delivers the next instant's messages, and the next, until some rank has work to do. */
  private step(): void {
    if (this.over) return;
    try {
      this.deliverUntilBusy();
    } catch (error) {
      this.over = true;
      this.hooks.broke(error);
    }
  }

  private deliverUntilBusy(): void {
    const { queue, hooks } = this;
    const turnEnds = this.deliveredCount + DELIVERIES_PER_TURN;
    while (this.runnable === 0 && !this.over) {
      if (this.deliveredCount >= turnEnds) {
        // Nothing outside the world affects it, so where it pauses cannot change the run.
        setImmediate(() => this.step());
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
      while (queue.nextTime === instant) {
        const event = queue.pop() as InFlight;
        const dest = event.dest;
        if (event.tag === hooks.progressTag) this.lastProgress = instant;
        if (this.done[dest] === 1 || this.deaf[dest] === 1) continue;
        hooks.trace?.event(instant, event.source, dest, event.tag, event.payload);
        this.deliveredCount++;
        // The event carries source, tag and payload: it is the letter, no copy needed.
        if (this.comms[dest].mailbox.deliver(event)) this.wake(dest);
        hooks.delivered?.(dest);
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

  /** What each rank's receive waits for, for deadlock reports. */
  waitingOf(rank: number): { waiting: WaitState[]; queued: number } {
    const mailbox = this.comms[rank].mailbox;
    return { waiting: mailbox.waiting(), queued: mailbox.queued };
  }
}
