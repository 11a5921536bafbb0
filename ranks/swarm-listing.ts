import { indexIn, lowerBound } from './sorted.js';

/** A member of a swarm: a seed holds the whole file, a peer some of it. */
export type Role = 'seed' | 'peer';

/**
 * A swarm as SWARM_REPLY lists it: seeds and peers, each sorted by rank, each peer with its
 * arrival. Kept as members come, change role and go, so that a reply costs nothing to build;
 * and every change makes new arrays rather than changing the ones a reply already carries
 * (a payload must not change once sent, and in one thread it is the very array), so
 * replies between two changes share one listing.
 */
export class SwarmListing {
  seeds: readonly number[] = [];
  peers: readonly number[] = [];
  /** Per peer, in the order of `peers`. */
  arrivals: readonly number[] = [];
  /** Downloaders that have joined so far: the next one's arrival. */
  joined = 0;
  private rates: { of: readonly number[]; version: number; known: number } | undefined;
  private version = 0;

  /** `rank` joins, or changes to, `role`; a peer's arrival is the order it first joined in. */
  set(rank: number, role: Role, previous: Role | undefined): void {
    if (previous === 'peer') this.removePeer(rank);
    else if (previous === 'seed') this.seeds = without(this.seeds, indexIn(this.seeds, rank));
    if (role === 'seed') {
      this.seeds = spliced(this.seeds, lowerBound(this.seeds, rank), rank);
    } else {
      const at = lowerBound(this.peers, rank);
      this.peers = spliced(this.peers, at, rank);
      this.arrivals = spliced(this.arrivals, at, this.joined++);
    }
    this.version++;
  }

  remove(rank: number): void {
    const seed = indexIn(this.seeds, rank);
    if (seed >= 0) this.seeds = without(this.seeds, seed);
    else this.removePeer(rank);
    this.version++;
  }

  /** Each member's announced rate, seeds then peers; `known` changes whenever a rate is added. */
  ratesOf(announced: ReadonlyMap<number, number>): readonly number[] {
    const cached = this.rates;
    if (cached && cached.version === this.version && cached.known === announced.size) return cached.of;
    const of = [...this.seeds, ...this.peers].map((rank) => announced.get(rank) ?? 0);
    this.rates = { of, version: this.version, known: announced.size };
    return of;
  }

  private removePeer(rank: number): void {
    const at = indexIn(this.peers, rank);
    if (at < 0) return;
    this.peers = without(this.peers, at);
    this.arrivals = without(this.arrivals, at);
  }
}

function spliced(list: readonly number[], at: number, value: number): number[] {
  const copy = list.slice();
  copy.splice(at, 0, value);
  return copy;
}

function without(list: readonly number[], at: number): number[] {
  const copy = list.slice();
  copy.splice(at, 1);
  return copy;
}
