import type { SourceStrategy } from './strategy.js';

/**
 * The reference behaviour: per file, walk the swarm members in turn, skipping members
 * that answered NACK for this segment or are unlikely to hold it yet.
 */
export function roundRobin(): SourceStrategy {
  const cursors = new Map<string, number>();
  return {
    choose(file, members, eligible) {
      const n = members.length;
      const start = cursors.get(file) ?? 0;
      for (let step = 0; step < n; step++) {
        const at = (start + step) % n;
        const member = members[at];
        if (!eligible(member)) continue;
        cursors.set(file, at + 1);
        return member;
      }
      return undefined;
    },
    sent() {},
    answered() {},
  };
}
