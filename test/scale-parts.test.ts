import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { RequestTimeout } from '../ranks/request-timeout.js';
import { STRATEGIES } from '../ranks/strategies/index.js';
import { SwarmListing } from '../ranks/swarm-listing.js';
import { SwarmView, UNKNOWN_START } from '../ranks/swarm-view.js';
import { RankStreams } from '../sim/transports/virtual/streams.js';

describe('the swarm listing a tracker keeps', () => {
  it('keeps seeds and peers sorted, numbers arrivals in joining order, and never changes an array a reply carries', () => {
    const listing = new SwarmListing();
    listing.set(7, 'seed', undefined);
    listing.set(9, 'peer', undefined);
    listing.set(3, 'peer', undefined);
    const sent = { seeds: listing.seeds, peers: listing.peers, arrivals: listing.arrivals };
    expect(sent).toEqual({ seeds: [7], peers: [3, 9], arrivals: [1, 0] });
    listing.set(9, 'seed', 'peer');
    listing.set(5, 'peer', undefined);
    listing.remove(7);
    expect({ seeds: listing.seeds, peers: listing.peers, arrivals: listing.arrivals, joined: listing.joined }).toEqual({
      seeds: [9],
      peers: [3, 5],
      arrivals: [1, 2],
      joined: 3,
    });
    // What a reply already carried is as it was sent.
    expect(sent).toEqual({ seeds: [7], peers: [3, 9], arrivals: [1, 0] });
    expect(listing.ratesOf(new Map([[9, 500]]))).toEqual([500, 0, 0]);
  });
});

describe('the swarm view a client keeps', () => {
  it('finds each member, knows where each peer began, and when it was first listed', () => {
    const view = new SwarmView();
    view.listed([2, 4, 6], Int32Array.from([UNKNOWN_START, 0, 1]), 0);
    view.sized(80);
    expect([2, 4, 6, 5].map((rank) => view.indexOf(rank))).toEqual([0, 1, 2, -1]);
    expect([0, 1, 2, -1].map((at) => view.startAt(at))).toEqual([UNKNOWN_START, 0, 40, UNKNOWN_START]);
    // Rank 8 (arrival 2) is first listed when this client has 10 segments.
    view.listed([2, 4, 6, 8], Int32Array.from([UNKNOWN_START, 0, 1, 2]), 10);
    expect([1, 2, 3].map((at) => view.progressAtListingAt(at))).toEqual([0, 0, 10]);
    view.remove(4);
    expect(view.members).toEqual([2, 6, 8]);
    expect(view.startAt(view.indexOf(6))).toBe(40);
  });
});

describe('rotation', () => {
  it('agrees with order for every built-in strategy that rotates', () => {
    const members = [1, 3, 4, 8, 9, 12];
    for (const [name, factory] of Object.entries(STRATEGIES)) {
      const strategy = factory(2, 13, 's');
      if (!strategy.rotation) continue;
      for (const last of [undefined, 4, 12, 5]) {
        if (last !== undefined) strategy.sent('f', last);
        const start = strategy.rotation('f', members);
        const rotated = members.map((_, i) => members[(start + i) % members.length]);
        expect(rotated, `${name} after ${last}`).toEqual(strategy.order('f', members, []));
      }
    }
  });
});

describe('the seeded streams of virtual time', () => {
  it('draw the very numbers seedrandom alea gives, rank by rank', () => {
    const streams = new RankStreams('7', 3);
    const expected = [0, 1, 2].map((rank) => seedrandom.alea(`7/rank ${rank}`));
    for (let i = 0; i < 1000; i++) {
      const rank = (i * 7) % 3;
      expect(streams.draw(rank)).toBe(expected[rank]());
    }
  });
});

describe('the request timeout', () => {
  it('doubles once per alarm however many late answers come in it, up to 8 times its start', () => {
    const timeout = new RequestTimeout(2000);
    timeout.lateAnswer(1);
    timeout.lateAnswer(1);
    timeout.lateAnswer(1);
    expect(timeout.ms).toBe(4000);
    for (let tick = 2; tick < 10; tick++) timeout.lateAnswer(tick);
    expect(timeout.ms).toBe(16_000);
  });
});
