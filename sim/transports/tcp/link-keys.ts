/**
 * Which key a connection proves in its handshake (handshake.ts), and so which rank may claim
 * to be which. Every process of a job holds the job key and can open TLS with it
 * (secure-socket.ts); a claim to be rank R must hold more than that. The coordinator makes a
 * key per pair of ranks from a secret of its own and hands each rank its row in the job
 * table, over the connection that registered it: a connection claiming R to rank S holds only
 * if it proves the (R, S) key, which only R, S and the coordinator have. The job key itself
 * is proved only to the coordinator, by a rank registering; the coordinator binds each rank
 * to the connection that registered it (network.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';

const PAIR_KEY_BYTES = 32;

/** What a connection claiming a rank must prove here (and what to log if it does not), or why no proof will do. */
export type AcceptKey = { key: Buffer; wrong: string } | { refused: string };

export class LinkKeys {
  private row: (Buffer | undefined)[] | undefined;
  private rowCame: () => void = () => undefined;
  private readonly rowArrived = new Promise<void>((resolve) => (this.rowCame = resolve));

  private constructor(
    readonly jobKey: Buffer,
    private readonly self: number,
    /** The rank the job key is proved to: the coordinator, which takes registrations. */
    readonly coordinator: number,
    /** The coordinator's own: each pair's key is derived from it. */
    private readonly secret?: Buffer,
  ) {}

  /** The coordinator's keys: it makes every pair's. */
  static issued(jobKey: Buffer, self: number): LinkKeys {
    return new LinkKeys(jobKey, self, self, randomBytes(PAIR_KEY_BYTES));
  }

  /** A rank's keys: the job key for the coordinator, and the row of pair keys its table brings. */
  static held(jobKey: Buffer, self: number, coordinator: number): LinkKeys {
    return new LinkKeys(jobKey, self, coordinator);
  }

  /** The key this rank proves when it dials `peer`. */
  forDial(peer: number): Buffer {
    if (this.secret) return this.pair(this.self, peer);
    if (peer === this.coordinator) return this.jobKey;
    const key = this.row?.[peer];
    if (!key) throw new Error(`no key for rank ${peer}: the job table has not come`);
    return key;
  }

  /**
   * The key a connection claiming `peer` must prove here. Before this rank's table comes
   * (another rank may have had its own first), it waits up to `timeoutMs`.
   */
  async forAccept(peer: number, timeoutMs: number): Promise<AcceptKey> {
    if (this.secret) return { key: this.jobKey, wrong: 'wrong job key' };
    if (!this.row) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.rowArrived, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    if (!this.row) return { refused: `it claims rank ${peer} before this rank had its job table` };
    const key = this.row[peer];
    if (!key) return { refused: `it claims rank ${peer}, which has no key for this rank` };
    return { key, wrong: `it claims rank ${peer} but cannot prove it (it holds the job key, not that rank's)` };
  }

  /** The pair keys of `rank` with each of the `size` ranks of the network, as its table carries them (hex; its own is empty). */
  rowFor(rank: number, size: number): string[] {
    const row: string[] = [];
    for (let peer = 0; peer < size; peer++) row.push(peer === rank ? '' : this.pair(rank, peer).toString('hex'));
    return row;
  }

  /** This rank's row, from its table. */
  learn(row: readonly string[]): void {
    this.row = row.map((hex) => (hex === '' ? undefined : Buffer.from(hex, 'hex')));
    this.rowCame();
  }

  private pair(a: number, b: number): Buffer {
    const secret = this.secret as Buffer;
    return createHmac('sha256', secret)
      .update(`${Math.min(a, b)}:${Math.max(a, b)}`)
      .digest();
  }
}
