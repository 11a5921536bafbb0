import { FreshOrder } from './fresh-order.js';
import { ALL, HoldingsGuess, runCovers, type GuessedRun } from './holdings-guess.js';
import type { InFlight } from './in-flight.js';
import type { Losses } from './losses.js';
import { UPDATE_EVERY } from './protocol.js';
import { Retries } from './retries.js';
import { SwarmView, UNKNOWN_START } from './swarm-view.js';

/** Shared by every download not begun: empty, so never written. */
const NO_SEGMENTS = new Int32Array(0);

/** Marks a segment not in flight in `askedOf`. */
const NOBODY = -1;

/**
 * One wanted file being downloaded: what is missing, asked and of whom, refused and by
 * whom, and what the latest swarm listing says. Every change goes through a method named
 * after the protocol event that causes it.
 */
export class FileDownload {
  private segmentHashes: readonly string[] = [];
  private readonly swarm = new SwarmView();
  private missing = 0;
  private obtainedSinceUpdate = 0;
  /** This file's requests in flight; `InFlight` counts them over every file. */
  private inFlight = 0;
  private swarmAsked = false;
  private gaveUp = false;
  /** Per segment: who it is asked of (NOBODY when not in flight), in which loss epoch, at which tick. */
  private askedOf = NO_SEGMENTS;
  private askedEpoch = NO_SEGMENTS;
  private askedTick = NO_SEGMENTS;
  /** The loss epoch the oldest unanswered swarm request was sent in, and that of `swarm`. */
  private swarmEpoch = 0;
  private membersEpoch = -1;
  /** The holdings guess may rule members out; after a loss no member may be ruled out. */
  private trustGuess = true;
  private guess = new HoldingsGuess(0);
  private fresh = new FreshOrder(0, 0);
  private readonly retries = new Retries();

  constructor(
    readonly name: string,
    private readonly losses: Losses,
    private readonly requests: InFlight,
  ) {}

  get started(): boolean {
    return this.segmentHashes.length > 0;
  }
  get finished(): boolean {
    return this.started && this.missing === 0;
  }
  get givenUp(): boolean {
    return this.gaveUp;
  }
  get hashes(): readonly string[] {
    return this.segmentHashes;
  }

  /** The swarm members to ask, sorted by rank, this client and lost clients left out. */
  get members(): readonly number[] {
    return this.swarm.members;
  }

  get segmentsMissing(): number {
    return this.missing;
  }
  get segmentsParked(): number {
    return this.retries.parkedCount;
  }
  get swarmPending(): boolean {
    return this.swarmAsked;
  }

  /** A swarm was asked of the tracker and not answered, and the file still needs it. */
  get awaitingSwarm(): boolean {
    return this.swarmAsked && !this.gaveUp && (this.missing > 0 || !this.started);
  }

  /** Nothing in flight and no swarm asked for, yet segments missing: only a fresh swarm can help. */
  get needsSwarm(): boolean {
    return this.inFlight === 0 && !this.swarmAsked && this.missing > 0;
  }

  /** The segment to retry next, if any. */
  get nextRetry(): number | undefined {
    return this.retries.next;
  }

  /** Requests in flight, as [segment, holder]. */
  *requestsInFlight(): Generator<[number, number]> {
    for (let index = 0; index < this.askedOf.length; index++) if (this.askedOf[index] !== NOBODY) yield [index, this.askedOf[index]];
  }

  /** A SWARM_REQUEST for this file goes to the tracker. */
  swarmRequested(): void {
    // With a request already out, the next reply may answer that older one: keep its epoch.
    if (!this.swarmAsked) this.swarmEpoch = this.losses.epoch;
    this.swarmAsked = true;
  }

  /** A SWARM_REPLY listed these members (sorted by rank), each with its arrival (SEED, or UNKNOWN_START: not said). */
  listed(members: number[], arrivals: Int32Array = new Int32Array(members.length).fill(UNKNOWN_START)): void {
    this.swarmAsked = false;
    this.membersEpoch = this.swarmEpoch;
    if (!this.finished) this.swarm.listed(members, arrivals, this.obtained);
  }

  /** The first SWARM_REPLY brought the hashes; returns the segment this download starts at. */
  begin(hashes: readonly string[], arrival: number): number {
    const count = hashes.length;
    this.segmentHashes = hashes;
    this.missing = count;
    this.askedOf = new Int32Array(count).fill(NOBODY);
    this.askedEpoch = new Int32Array(count);
    if (this.requests.timesOut) this.askedTick = new Int32Array(count);
    this.fresh = new FreshOrder(count, arrival);
    this.guess = new HoldingsGuess(count);
    this.swarm.sized(count);
    // Begun after a loss, a file is asked of every member, as one begun before it is from then on.
    this.trustGuess = this.losses.epoch === 0;
    return this.fresh.offset;
  }

  /** After a SWARM_REPLY (once begun): its seeds hold everything, and parked segments are asked again. */
  refreshed(seeds: readonly number[]): void {
    for (const seed of seeds) this.guess.listedAsSeed(seed);
    this.retries.relisted();
  }

  /** Client `rank` is lost: it is asked nothing more; returns the holders of the requests abandoned. */
  memberLost(rank: number): number[] {
    this.swarm.remove(rank);
    this.trustGuess = false;
    this.retries.lossHappened();
    return this.abandonWhere((holder) => holder === rank);
  }

  /** Requests stamped before tick `expired` will get no answer; returns their holders. */
  timedOut(expired: number): number[] {
    return this.abandonWhere((holder, index) => holder !== NOBODY && this.askedTick[index] < expired);
  }

  /** Some segment has no live holder: the file is given up; returns the holders of the requests abandoned. */
  giveUp(): number[] {
    this.gaveUp = true;
    const abandoned = this.abandonWhere((holder) => holder !== NOBODY);
    this.retries.givenUp();
    return abandoned;
  }

  /** Fills `out` with up to `limit` segments never requested, in order. */
  freshSegments(out: number[], limit: number): number[] {
    return this.fresh.next(out, limit);
  }

  /** The member may hold the segment and has not refused it; `index` is its place in `members` (-1: not listed), if known. */
  askable(member: number, segment: number, index?: number): boolean {
    return runCovers(this.runOf(member, index), segment, this.guess.segments) && !this.wasRefused(segment, member);
  }

  /** The run of segments `member` may be asked for, refusals aside; `runCovers` tests a segment. One object, reused. */
  runOf(member: number, index?: number): Readonly<GuessedRun> {
    if (!this.trustGuess) return ALL;
    // Most members asked about have been heard from: where one began, and its place in the list (a search), only for the others.
    const heard = this.guess.heardRun(member, this.obtained);
    if (heard) return heard;
    const at = index ?? this.swarm.indexOf(member);
    return this.guess.unheardRun(this.obtained, this.swarm.startAt(at), this.swarm.progressAtListingAt(at));
  }

  /** `member` refused `segment` in this loss epoch. */
  wasRefused(segment: number, member: number): boolean {
    return this.retries.wasRefused(segment, member);
  }

  /** Members known to hold the segment (seeds, and members whose reported runs cover it) that have not refused it. */
  knownHolders(segment: number): number {
    let count = 0;
    const members = this.swarm.members;
    for (let i = 0; i < members.length; i++) {
      // A member heard from is judged by its latest report, which may postdate the listing.
      const heard = this.guess.heardRun(members[i], this.obtained);
      const holds = heard ? runCovers(heard, segment, this.guess.segments) : this.swarm.seedAt(i);
      if (holds && !this.wasRefused(segment, members[i])) count++;
    }
    return count;
  }

  /** A SEGMENT_REQUEST for `segment` goes to `holder`; a segment taken from the retry queue must be taken first. */
  asked(segment: number, holder: number): void {
    this.askedOf[segment] = holder;
    this.askedEpoch[segment] = this.losses.epoch;
    if (this.requests.timesOut) this.askedTick[segment] = this.requests.tick;
    this.fresh.markRequested(segment);
    this.inFlight++;
    this.requests.opened();
  }

  /** Takes the segment to retry next off the queue, to be asked. */
  takeNextRetry(): void {
    this.retries.take();
  }

  /** Every member refused the segment to retry next: it waits for a fresh swarm. */
  parkNextRetry(): void {
    this.retries.parkNext();
  }

  /** `segment` is in flight, asked of `holder`. */
  awaits(segment: number, holder: number): boolean {
    return this.askedOf[segment] === holder;
  }

  /** `holder` answered the request for `segment`; `from` and `held` are its run of held segments. */
  answered(segment: number, holder: number, from: number, held: number): void {
    this.askedOf[segment] = NOBODY;
    this.inFlight--;
    this.requests.closed();
    this.guess.report(holder, from, held, this.obtained);
  }

  /** The last segment arrived: what choosing holders needed goes, as a client serves the file long after. */
  completed(): void {
    this.guess = new HoldingsGuess(0);
    this.fresh = new FreshOrder(0, 0);
    this.swarm.forget();
    this.retries.completed();
    this.askedEpoch = NO_SEGMENTS;
    this.askedTick = NO_SEGMENTS;
  }

  /** The answer was ACK; true when it is time to send the tracker a PEER_UPDATE. */
  arrived(segment: number): boolean {
    this.retries.arrived(segment);
    this.missing--;
    if (this.missing === 0 || ++this.obtainedSinceUpdate < UPDATE_EVERY) return false;
    this.obtainedSinceUpdate = 0;
    return true;
  }

  /** The answer was NACK: the segment waits for another holder. */
  refused(segment: number, holder: number): void {
    this.retries.refused(segment, holder, this.askedEpoch[segment] === this.losses.epoch);
  }

  /**
   * No live client holds `segment`, nor ever will: every member of a swarm listed after the
   * latest loss refused it since. A NACK proves only that its holder lacked the segment
   * when it answered. But holders never lose segments, a client joins a swarm before it can
   * hold any of the file, and a swarm loses a member only when that member is lost or leaves
   * (`--seed-time`; a leaver never refuses, it answers PEER_LEFT, which is a loss here); so every
   * live client that held the segment when this client learnt of the latest loss is in that
   * listing, and could not have refused since. The epochs enforce each step: a refusal
   * counts only if its request was sent in the current epoch (`refused`); refusals are
   * forgotten at each loss (`memberLost`: a member that refused may have got the segment
   * from the client lost since); the listing must answer a swarm request sent in the
   * current epoch (`swarmRequested`: an older one may lack a client that joined after it
   * and got the segment from the lost one); and after a loss every member is asked,
   * whatever the holdings guess says (`askable`), or some member might never refuse.
   */
  provenLost(segment: number): boolean {
    if (!this.listedSinceLatestLoss) return false;
    const refusers = this.retries.refusersOf(segment);
    return this.swarm.members.every((member) => refusers?.has(member) === true);
  }

  /** The proof of `provenLost` for every segment at once: nobody is left to ask. */
  get nobodyLeft(): boolean {
    return this.listedSinceLatestLoss && this.swarm.members.length === 0;
  }

  private get listedSinceLatestLoss(): boolean {
    return this.losses.epoch > 0 && this.membersEpoch === this.losses.epoch;
  }

  /** Segments obtained so far: the clock of `guess`. */
  private get obtained(): number {
    return this.segmentHashes.length - this.missing;
  }

  /** Forgets the requests in flight that `which` picks and queues their segments again; returns their holders. */
  private abandonWhere(which: (holder: number, index: number) => boolean): number[] {
    const holders: number[] = [];
    this.askedOf.forEach((holder, index) => {
      if (!which(holder, index)) return;
      holders.push(holder);
      this.askedOf[index] = NOBODY;
      this.inFlight--;
      this.retries.add(index);
    });
    this.requests.closed(holders.length);
    return holders;
  }
}
