import { rotateAfter, startAfter, type SourceStrategy } from './strategy.js';

/**
 * The reference rule: per file, ask the swarm members in turn; the download activity skips
 * members that answered NACK for the segment or are unlikely to hold it yet.
 */
export function roundRobin(): SourceStrategy {
  const lastAsked = new Map<string, number>();
  return {
    order: (file, members, out) => rotateAfter(members, lastAsked.get(file), out),
    rotation: (file, members) => startAfter(members, lastAsked.get(file)),
    sent(file, holder) {
      lastAsked.set(file, holder);
    },
    answered() {},
    abandoned() {},
  };
}
