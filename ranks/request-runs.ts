import type { DownloadCounters } from './download-counters.js';
import type { FileDownload } from './file-download.js';
import { cheapestAskable, cheapestFresh } from './cheapest-holder.js';
import type { InFlight } from './in-flight.js';
import { Tag, type SwarmComm, type SwarmPayloads } from './protocol.js';
import type { SourceStrategy } from './strategies/index.js';

/** Segments asked of one holder in one go, at most, before choosing again. */
const RUN_LENGTH = 8;
/** How many not-yet-requested segments a strategy with costs may choose among. */
const LOOKAHEAD = 16;
/** ... and one that asks for the rarest first: rarity shows at the edges of others' runs, which a wider window reaches. */
const RARE_LOOKAHEAD = 64;

/** What one turn at a file did: sent a run, found nothing askable, or proved a segment lost. */
export type Turn = 'sent' | 'stuck' | 'lost';

/** Whom a client asks, in turn: the strategy's own order, or the file's members from `start` on, wrapping. */
interface AskOrder {
  members: readonly number[];
  /** -1: `members` is the strategy's order; else the index in the file's members the rotation starts at. */
  start: number;
  /** With a rotation: the strategy's costs, cheapest first, ties in the rotation (`SourceStrategy.costTiesFrom`). */
  cost: ((holder: number) => number) | undefined;
}

/**
 * Scratch for fresh segments, `SourceStrategy.order` and the order in use, reused to spare
 * an allocation per run, and shared by every client of the thread (a client's own took
 * ~1.2 KiB, which a million clients cannot each keep): a turn uses them from start to end
 * without yielding, so no other client's turn runs in between.
 */
const FRESH_SCRATCH: number[] = [];
const ORDER_SCRATCH: number[] = [];
const ASK_ORDER: AskOrder = { members: ORDER_SCRATCH, start: -1, cost: undefined };

/**
 * Asks holders for runs of segments, one file's turn at a time, as the source strategy
 * prefers; and keeps the strategy told of every request sent, answered and abandoned.
 */
export class RequestRuns {
  private readonly lookahead = FRESH_SCRATCH;

  constructor(
    private readonly comm: SwarmComm,
    private readonly strategy: SourceStrategy,
    private readonly inFlight: InFlight,
    private readonly counters: DownloadCounters,
  ) {}

  /**
   * Asks one holder for a run of up to RUN_LENGTH segments: messages to one peer then
   * travel in one batch and wake its thread once, which is what makes a pipeline pay.
   * Refused segments go first; then segments never asked for.
   */
  turn(file: FileDownload): Turn {
    if (file.nextRetry !== undefined) {
      const retried = this.requestRetries(file);
      if (retried !== 'stuck') return retried;
    }
    const window = this.strategy.rarestFirst
      ? rarestFirst(file, file.freshSegments(this.lookahead, RARE_LOOKAHEAD))
      : file.freshSegments(this.lookahead, LOOKAHEAD);
    const first = this.pickFresh(file, window);
    if (!first) return 'stuck';
    const holder = first.holder;
    this.request(file, first.segment, holder);
    let sent = 1;
    const limit = this.runLimit(file);
    for (const segment of window) {
      if (sent >= limit || this.inFlight.full) break;
      if (segment === first.segment || !file.askable(holder, segment)) continue;
      this.request(file, segment, holder);
      sent++;
    }
    return 'sent';
  }

  answered(holder: number, load: number): void {
    this.strategy.answered(holder, load);
  }

  /** A swarm reply: tell the strategy the rate each member announced, if it weighs members by it. */
  heard(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): void {
    if (!this.strategy.heard) return;
    const { seeds, peers, rates } = reply;
    for (let i = 0; i < seeds.length; i++) this.strategy.heard(seeds[i], rates[i] ?? 0);
    for (let i = 0; i < peers.length; i++) this.strategy.heard(peers[i], rates[seeds.length + i] ?? 0);
  }

  /** Requests to these holders will not be answered. */
  abandoned(holders: readonly number[]): void {
    for (const holder of holders) this.strategy.abandoned(holder);
  }

  /** Asks for refused segments again, as a run to one holder; parks those nobody can be asked for. */
  private requestRetries(file: FileDownload): Turn {
    let holder: number | undefined;
    let sent = 0;
    const limit = this.runLimit(file);
    const order = this.askOrder(file);
    for (;;) {
      const segment = file.nextRetry;
      if (segment === undefined || sent >= limit || this.inFlight.full) break;
      if (holder === undefined) {
        const found = firstAskable(file, order, segment);
        if (found === undefined) {
          if (file.provenLost(segment)) return 'lost';
          file.parkNextRetry();
          continue;
        }
        holder = found;
      } else if (!file.askable(holder, segment)) {
        break;
      }
      file.takeNextRetry();
      this.request(file, segment, holder);
      sent++;
    }
    return sent > 0 ? 'sent' : 'stuck';
  }

  /**
   * The first segment of a fresh run and its holder. A strategy with costs gets the
   * segment, among the next few, whose best holder costs least (so an idle peer serves
   * what it has before a busy seed is asked); otherwise segments go in order.
   */
  private pickFresh(file: FileDownload, window: readonly number[]): { segment: number; holder: number } | undefined {
    const cost = this.strategy.cost;
    if (!cost) {
      const order = this.askOrder(file);
      for (const segment of window) {
        const holder = firstAskable(file, order, segment);
        if (holder !== undefined) return { segment, holder };
      }
      return undefined;
    }
    return cheapestFresh(file, window, this.strategy, ORDER_SCRATCH);
  }

  /** The order to ask the file's members in: a rotation of them when the strategy has one, so they are not copied. */
  private askOrder(file: FileDownload): AskOrder {
    const { rotation, cost, costTiesFrom } = this.strategy;
    ASK_ORDER.cost = undefined;
    if (rotation) {
      ASK_ORDER.members = file.members;
      ASK_ORDER.start = rotation(file.name, file.members);
    } else if (cost && costTiesFrom) {
      ASK_ORDER.members = file.members;
      ASK_ORDER.start = costTiesFrom(file.name, file.members);
      ASK_ORDER.cost = cost;
    } else {
      ASK_ORDER.members = this.strategy.order(file.name, file.members, ORDER_SCRATCH);
      ASK_ORDER.start = -1;
    }
    return ASK_ORDER;
  }

  /**
   * A run never takes more than an even share of what is missing, so a small file is not
   * taken whole from one member when others can serve (README.md, The protocol).
   */
  private runLimit(file: FileDownload): number {
    return Math.max(1, Math.min(RUN_LENGTH, Math.ceil(file.segmentsMissing / Math.max(1, file.members.length))));
  }

  private request(file: FileDownload, segment: number, holder: number): void {
    file.asked(segment, holder);
    this.counters.requestsSent++;
    this.strategy.sent(file.name, holder);
    this.comm.send(holder, Tag.SEGMENT_REQUEST, { file: file.name, index: segment, hash: file.hashes[segment] });
  }
}

/**
 * The first member in `order` that may be asked for `segment`. A loop, not `find`: it runs
 * for every segment looked at, and a closure each was garbage. Walking a rotation, each
 * member's place in the file's list is known, and it need not be searched for.
 */
function firstAskable(file: FileDownload, order: AskOrder, segment: number): number | undefined {
  const { members, start, cost } = order;
  const count = members.length;
  if (start < 0) {
    for (let i = 0; i < count; i++) if (file.askable(members[i], segment)) return members[i];
    return undefined;
  }
  if (cost) return cheapestAskable(file, members, start, cost, segment);
  for (let k = 0, i = start; k < count; k++, i = i + 1 === count ? 0 : i + 1) if (file.askable(members[i], segment, i)) return members[i];
  return undefined;
}

/**
 * The window sorted by how many members are known to hold each segment, fewest first; a
 * segment no member is known to hold goes last (only a probe of an unheard member could
 * find it). The sort is stable: equally rare segments keep their order.
 */
function rarestFirst(file: FileDownload, window: number[]): number[] {
  const rarity = new Map<number, number>();
  for (const segment of window) {
    const holders = file.knownHolders(segment);
    rarity.set(segment, holders === 0 ? Infinity : holders);
  }
  return window.sort((a, b) => (rarity.get(a) as number) - (rarity.get(b) as number));
}
