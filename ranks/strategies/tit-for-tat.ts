import { roundRobin } from './round-robin.js';
import type { SourceStrategy } from './strategy.js';

/** How long one requester holds the optimistic slot, in milliseconds of the transport's clock. */
export const OPTIMISTIC_MS = 3000;

/**
 * BitTorrent's choking rule, in the form this protocol allows (a request is never left
 * unanswered): an uploader answers first the requesters that have served it most, so a
 * peer that gives gets faster service and a free rider waits behind everyone. One
 * requester at a time is unchoked optimistically, served first whatever it gave: the turn
 * passes to the next requester, in the order first seen, every OPTIMISTIC_MS, so a
 * newcomer with nothing to give yet is served soon enough to start giving. Sources are
 * chosen round-robin.
 */
export function titForTat(): SourceStrategy {
  const seen: number[] = [];
  const known = new Set<number>();
  return {
    ...roundRobin(),
    uploadPriority(requester, receivedFrom, nowMs) {
      if (!known.has(requester)) {
        known.add(requester);
        seen.push(requester);
      }
      const optimistic = seen[Math.floor(nowMs / OPTIMISTIC_MS) % seen.length];
      return requester === optimistic ? Infinity : receivedFrom;
    },
  };
}
