import type { SourceStrategy } from './strategy.js';

/**
 * Ask the holder that has served the fewest segments. A holder's load is known only from
 * its own replies (the tracker keeps no such figure), so the estimate is the last load it
 * reported plus the requests this client has sent it since and not yet seen answered.
 * Ties go round-robin so that equally idle holders share the work.
 */
export function leastLoaded(size: number): SourceStrategy {
  const reported = new Float64Array(size);
  const unanswered = new Int32Array(size);
  const cursors = new Map<string, number>();
  return {
    choose(file, members, eligible) {
      const n = members.length;
      const start = cursors.get(file) ?? 0;
      let best = -1;
      let bestAt = 0;
      let bestLoad = Infinity;
      for (let step = 0; step < n; step++) {
        const at = (start + step) % n;
        const member = members[at];
        if (!eligible(member)) continue;
        const load = reported[member] + unanswered[member];
        if (load < bestLoad) {
          best = member;
          bestAt = at;
          bestLoad = load;
        }
      }
      if (best < 0) return undefined;
      cursors.set(file, bestAt + 1);
      return best;
    },
    sent(holder) {
      unanswered[holder]++;
    },
    answered(holder, load) {
      unanswered[holder]--;
      reported[holder] = load;
    },
  };
}
