/**
 * The clients the transport reported lost to this client. Their number is the loss epoch:
 * requests and swarm listings are stamped with it, so that a download can tell what it
 * learnt after the latest loss (see `FileDownload.provenLost`).
 */
export class Losses {
  private readonly ranks = new Set<number>();

  get epoch(): number {
    return this.ranks.size;
  }

  has(rank: number): boolean {
    return this.ranks.has(rank);
  }

  /** Records the loss of `rank`; false when it was known already. */
  add(rank: number): boolean {
    if (this.ranks.has(rank)) return false;
    this.ranks.add(rank);
    return true;
  }
}
