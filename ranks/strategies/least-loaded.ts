import { rotateAfter, type SourceStrategy } from './strategy.js';

/**
 * Ask the holder that has served the fewest segments. A holder's load is known only from
 * its own replies (the tracker keeps no such figure), so the estimate is the last load it
 * reported plus the requests this client has sent it since and not yet seen answered.
 * Ties go round-robin so that equally idle holders share the work.
 */
export function leastLoaded(): SourceStrategy {
  // Maps, not arrays by rank: a client knows few holders, and a job may have 100,000 ranks.
  const reported = new Map<number, number>();
  const unanswered = new Map<number, number>();
  const lastAsked = new Map<string, number>();
  const estimate = (holder: number): number => (reported.get(holder) ?? 0) + (unanswered.get(holder) ?? 0);
  return {
    order(file, members, out) {
      // The sort is stable, so equal estimates keep the round-robin order.
      return rotateAfter(members, lastAsked.get(file), out).sort((a, b) => estimate(a) - estimate(b));
    },
    sent(file, holder) {
      lastAsked.set(file, holder);
      unanswered.set(holder, (unanswered.get(holder) ?? 0) + 1);
    },
    answered(holder, load) {
      unanswered.set(holder, (unanswered.get(holder) ?? 0) - 1);
      reported.set(holder, load);
    },
    abandoned(holder) {
      unanswered.set(holder, (unanswered.get(holder) ?? 0) - 1);
    },
    cost: estimate,
  };
}
