/**
 * The clients the transport reported lost to this client. Their number is the loss epoch:
 * requests and swarm listings are stamped with it, so that a download can tell what it
 * learnt after the latest loss (see `FileDownload.provenLost`).
 */
export class Losses {
  /** Made at the first loss: most clients never see one, and a million empty sets cost 160 MB. */
  private ranks: Set<number> | undefined;

  get epoch(): number {
    return this.ranks?.size ?? 0;
  }

  has(rank: number): boolean {
    return this.ranks?.has(rank) === true;
  }

  /** Records the loss of `rank`; false when it was known already. */
  add(rank: number): boolean {
    this.ranks ??= new Set();
    if (this.ranks.has(rank)) return false;
    this.ranks.add(rank);
    return true;
  }
}
