import { startAfter, type SourceStrategy } from './strategy.js';

/**
 * The reference behaviour: per file, walk the swarm members in turn, skipping members
 * that answered NACK for this segment or are unlikely to hold it yet.
 */
export function roundRobin(): SourceStrategy {
  const lastAsked = new Map<string, number>();
  return {
    choose(file, members, eligible) {
      const n = members.length;
      const start = startAfter(members, lastAsked.get(file));
      for (let step = 0; step < n; step++) {
        const member = members[(start + step) % n];
        if (eligible(member)) return member;
      }
      return undefined;
    },
    sent(file, holder) {
      lastAsked.set(file, holder);
    },
    answered() {},
  };
}
