import { rotateAfter, type SourceStrategy } from './strategy.js';

/**
 * Ask the holder that has served the fewest segments. A holder's load is known only from
 * its own replies (the tracker keeps no such figure), so the estimate is the last load it
 * reported plus the requests this client has sent it since and not yet seen answered.
 * Ties go round-robin so that equally idle holders share the work.
 */
export function leastLoaded(size: number): SourceStrategy {
  const reported = new Float64Array(size);
  const unanswered = new Int32Array(size);
  const lastAsked = new Map<string, number>();
  const estimate = (holder: number): number => reported[holder] + unanswered[holder];
  return {
    order(file, members, out) {
      // The sort is stable, so equal estimates keep the round-robin order.
      return rotateAfter(members, lastAsked.get(file), out).sort((a, b) => estimate(a) - estimate(b));
    },
    sent(file, holder) {
      lastAsked.set(file, holder);
      unanswered[holder]++;
    },
    answered(holder, load) {
      unanswered[holder]--;
      reported[holder] = load;
    },
    cost: estimate,
  };
}
