import type { TrackerChange } from './protocol.js';
import { SwarmListing, type Role } from './swarm-listing.js';

export type { Role } from './swarm-listing.js';

/**
 * Everything a tracker knows of a file. It never records which segments a client holds:
 * only the hashes and who is in the swarm.
 */
export interface FileSwarm {
  readonly hashes: readonly string[];
  readonly members: Map<number, Role>;
  /** Clients that reported the whole file downloaded. */
  readonly completedBy: Set<number>;
  /** Clients that gave the file up because some segment had no live holder. */
  readonly gaveUpBy: Set<number>;
  /**
   * `members` as a swarm reply lists them, sorted, each peer with its arrival: how many
   * downloaders had joined before it, which fixes where it begins (ranks/fresh-order.ts).
   */
  readonly listing: SwarmListing;
}

/** Told of every change of a swarm: a client joined `file` in `role`, became its seed, or left (role undefined). */
export type SwarmObserver = (file: string, rank: number, role: Role | undefined) => void;

/**
 * A tracker's whole state, changed only by `apply`. Every change is idempotent, so a
 * standby can apply the primary's log and a tracker that took over can apply what the
 * clients tell it again, in any overlap, and reach the same state.
 */
export class TrackerState {
  readonly swarms = new Map<string, FileSwarm>();
  readonly registered = new Set<number>();
  readonly done = new Set<number>();
  readonly gone = new Set<number>();
  /** Clients that said they arrive later and have not registered yet (`--arrivals`). */
  readonly later = new Set<number>();
  /** Clients that finished and left the swarm (`--seed-time`): still done, never listed again. */
  readonly left = new Set<number>();
  /** What each client announced as its upload rate at registration, when it did (> 0). */
  readonly uploadKbps = new Map<number, number>();
  started = false;
  /** Clients done and not gone: with `gone`, what `settled` counts, kept as changes come (it is asked once per message). */
  private doneLive = 0;
  /** Clients registered, gone or left, counted as changes come: `allRegistered` is asked once per message held. */
  private accounted = 0;

  constructor(private readonly observe: SwarmObserver = () => undefined) {}

  apply(change: TrackerChange): void {
    const accounted = this.accountedFor(change.rank);
    this.change(change);
    if (!accounted && this.accountedFor(change.rank)) this.accounted++;
  }

  private change(change: TrackerChange): void {
    const { rank, file } = change;
    switch (change.kind) {
      case 'register':
        this.registered.add(rank);
        this.later.delete(rank);
        if (change.uploadKbps > 0) this.uploadKbps.set(rank, change.uploadKbps);
        for (const { name, hashes } of change.files) {
          let swarm = this.swarms.get(name);
          if (!swarm)
            this.swarms.set(
              name,
              (swarm = { hashes, members: new Map(), completedBy: new Set(), gaveUpBy: new Set(), listing: new SwarmListing() }),
            );
          this.setRole(name, swarm, rank, 'seed');
        }
        break;
      case 'peer': {
        const swarm = this.swarms.get(file);
        if (!swarm || swarm.members.has(rank) || this.absent(rank)) break;
        this.setRole(file, swarm, rank, 'peer');
        break;
      }
      case 'seed':
      case 'complete': {
        const swarm = this.swarms.get(file);
        if (!swarm || this.gone.has(rank)) break;
        if (change.kind === 'complete') swarm.completedBy.add(rank);
        // A leaver's report may come after its BYE (different tags are not ordered): it is not listed again.
        if (!this.left.has(rank)) this.setRole(file, swarm, rank, 'seed');
        break;
      }
      case 'give-up':
        this.swarms.get(file)?.gaveUpBy.add(rank);
        break;
      case 'done':
        this.markDone(rank);
        break;
      case 'drop':
        if (this.gone.has(rank)) break;
        if (this.done.has(rank)) this.doneLive--;
        this.gone.add(rank);
        this.later.delete(rank);
        this.unlist(rank);
        break;
      case 'leave':
        // Only a client that finished leaves, so its BYE stands for CLIENT_GOT_ALL_FILES if that is still on its way.
        if (this.gone.has(rank) || this.left.has(rank)) break;
        this.markDone(rank);
        this.left.add(rank);
        this.later.delete(rank);
        this.unlist(rank);
        break;
      case 'later':
        if (!this.registered.has(rank) && !this.gone.has(rank)) this.later.add(rank);
        break;
      case 'go':
        this.started = true;
        break;
    }
  }

  /**
   * Every client of `clients` has registered, or is gone or left (a leaver that a tracker
   * taking over never heard register has nothing to register); with `orLater`, a client
   * that said it arrives later counts too: the go-ahead does not wait for it.
   */
  allRegistered(clients: number, orLater: boolean): boolean {
    // `later` holds only clients not accounted for: registering, going and leaving take them off it.
    return this.accounted + (orLater ? this.later.size : 0) >= clients;
  }

  private accountedFor(rank: number): boolean {
    return this.registered.has(rank) || this.gone.has(rank) || this.left.has(rank);
  }

  /** Counts again what `apply` keeps counted, after the sets were filled another way (a snapshot reloaded). */
  recount(): void {
    this.doneLive = [...this.done].filter((rank) => !this.gone.has(rank)).length;
    const accounted = new Set([...this.registered, ...this.gone, ...this.left]);
    this.accounted = accounted.size;
  }

  /** Gone, or left: never listed in a swarm again. */
  absent(rank: number): boolean {
    return this.gone.has(rank) || this.left.has(rank);
  }

  /** The swarms `rank` is in. */
  swarmsOf(rank: number): FileSwarm[] {
    const found: FileSwarm[] = [];
    for (const swarm of this.swarms.values()) if (swarm.members.has(rank)) found.push(swarm);
    return found;
  }

  private markDone(rank: number): void {
    if (!this.done.has(rank) && !this.gone.has(rank)) this.doneLive++;
    this.done.add(rank);
  }

  private unlist(rank: number): void {
    for (const [name, swarm] of this.swarms) {
      if (!swarm.members.delete(rank)) continue;
      swarm.listing.remove(rank);
      this.observe(name, rank, undefined);
    }
  }

  /** Every client of `clients` has finished or is gone. */
  settled(clients: number): boolean {
    return this.gone.size + this.doneLive >= clients;
  }

  private setRole(file: string, swarm: FileSwarm, rank: number, role: Role): void {
    const previous = swarm.members.get(rank);
    if (previous === role) return;
    swarm.members.set(rank, role);
    swarm.listing.set(rank, role, previous);
    this.observe(file, rank, role);
  }
}

/** A swarm's members by role, each list in the order they joined. */
export function splitRoles(members: ReadonlyMap<number, Role>): { seeds: number[]; peers: number[] } {
  const seeds: number[] = [];
  const peers: number[] = [];
  for (const [rank, role] of members) (role === 'seed' ? seeds : peers).push(rank);
  return { seeds, peers };
}
