import type { ReplicatedChange } from './protocol.js';
import { SwarmListing, type Role } from './swarm-listing.js';
import type { TrackerState } from './tracker-state.js';

/** A tracker's whole state as plain data, at change `seq`: what `--tracker-state` keeps on disk now and then. */
export interface TrackerSnapshot {
  seq: number;
  started: boolean;
  registered: number[];
  done: number[];
  gone: number[];
  later: number[];
  left: number[];
  uploadKbps: [number, number][];
  swarms: SwarmSnapshot[];
}

interface SwarmSnapshot {
  name: string;
  hashes: readonly string[];
  /** In the order they joined: splitting by role keeps that order, so replies list them alike. */
  members: [number, Role][];
  completedBy: number[];
  gaveUpBy: number[];
  listing: { seeds: readonly number[]; peers: readonly number[]; arrivals: readonly number[]; joined: number };
}

export function snapshotOf(state: TrackerState, seq: number): TrackerSnapshot {
  return {
    seq,
    started: state.started,
    registered: [...state.registered],
    done: [...state.done],
    gone: [...state.gone],
    later: [...state.later],
    left: [...state.left],
    uploadKbps: [...state.uploadKbps],
    swarms: [...state.swarms].map(([name, swarm]) => ({
      name,
      hashes: swarm.hashes,
      members: [...swarm.members],
      completedBy: [...swarm.completedBy],
      gaveUpBy: [...swarm.gaveUpBy],
      listing: { seeds: swarm.listing.seeds, peers: swarm.listing.peers, arrivals: swarm.listing.arrivals, joined: swarm.listing.joined },
    })),
  };
}

/**
 * Fills a fresh tracker state from a snapshot, then applies the changes after it, and
 * returns the last change's number. Changes are applied only through `apply`, as a standby
 * applies them, so what the snapshot skipped reaches the same state.
 */
export function restoreState(state: TrackerState, snapshot: TrackerSnapshot | undefined, changes: readonly ReplicatedChange[]): number {
  let seq = 0;
  if (snapshot) {
    seq = snapshot.seq;
    state.started = snapshot.started;
    const fill = (set: Set<number>, ranks: number[]): void => ranks.forEach((rank) => set.add(rank));
    fill(state.registered, snapshot.registered);
    fill(state.done, snapshot.done);
    fill(state.gone, snapshot.gone);
    fill(state.later, snapshot.later);
    fill(state.left, snapshot.left);
    for (const [rank, kbps] of snapshot.uploadKbps) state.uploadKbps.set(rank, kbps);
    for (const saved of snapshot.swarms) {
      const listing = new SwarmListing();
      Object.assign(listing, saved.listing);
      state.swarms.set(saved.name, {
        hashes: saved.hashes,
        members: new Map(saved.members),
        completedBy: new Set(saved.completedBy),
        gaveUpBy: new Set(saved.gaveUpBy),
        listing,
      });
    }
    state.recount();
  }
  for (const change of changes) {
    state.apply(change);
    seq = change.seq;
  }
  return seq;
}
