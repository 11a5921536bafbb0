/**
 * One download's segments waiting for another holder, and who refused which. A refused or
 * abandoned segment is queued and taken from the end; one that every member refused is
 * parked until a fresh swarm is listed. The refusals recorded are those that count towards
 * proving a segment lost (`FileDownload.provenLost` says which do, and when they are forgotten).
 */
export class Retries {
  private readonly queue: number[] = [];
  private readonly parked: number[] = [];
  /** Per segment, its refusers; made at the first refusal that counts. */
  private refusedBy: Map<number, Set<number>> | undefined;

  /** The segment to retry next, if any. */
  get next(): number | undefined {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : undefined;
  }

  get parkedCount(): number {
    return this.parked.length;
  }

  /** `segment` waits for another holder: refused, or its request abandoned. */
  add(segment: number): void {
    this.queue.push(segment);
  }

  /** The segment to retry next is being asked. */
  take(): void {
    this.queue.pop();
  }

  /** Every member refused the segment to retry next: it waits for a fresh swarm. */
  parkNext(): void {
    const segment = this.queue.pop();
    if (segment !== undefined) this.parked.push(segment);
  }

  /** `member` refused `segment`; `counts`: the refusal counts towards proving the segment lost. */
  refused(segment: number, member: number, counts: boolean): void {
    if (counts) {
      const refusedBy = (this.refusedBy ??= new Map());
      let refusers = refusedBy.get(segment);
      if (!refusers) refusedBy.set(segment, (refusers = new Set()));
      refusers.add(member);
    }
    this.queue.push(segment);
  }

  wasRefused(segment: number, member: number): boolean {
    return this.refusedBy?.get(segment)?.has(member) === true;
  }

  refusersOf(segment: number): ReadonlySet<number> | undefined {
    return this.refusedBy?.get(segment);
  }

  /** The segment arrived: its refusals no longer matter. */
  arrived(segment: number): void {
    this.refusedBy?.delete(segment);
  }

  /** A fresh swarm was listed: parked segments are asked again, of every member. */
  relisted(): void {
    if (this.parked.length === 0) return;
    for (const segment of this.parked) this.refusedBy?.delete(segment);
    this.unpark();
  }

  /** A client was lost: refusals made before no longer count, and parked segments are asked again. */
  lossHappened(): void {
    this.refusedBy = undefined;
    this.unpark();
  }

  /** The file was given up: nothing is retried (parked segments stay counted, for stall reports). */
  givenUp(): void {
    this.queue.length = 0;
  }

  /** The file is complete: nothing waits, and no refusal matters any more. */
  completed(): void {
    this.queue.length = 0;
    this.parked.length = 0;
    this.refusedBy = undefined;
  }

  private unpark(): void {
    this.queue.push(...this.parked);
    this.parked.length = 0;
  }
}
