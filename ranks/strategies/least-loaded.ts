import { startAfter, type SourceStrategy } from './strategy.js';

/** What a client knows of a holder's load: the last it reported, and the requests sent it since, not yet answered. */
interface Load {
  reported: number;
  unanswered: number;
}

/** Room for a member's place in the round-robin order, below its estimate, in one sort key. */
const PLACES = 2 ** 21;
/** Sort keys, shared by the thread's clients: `order` runs to its end without yielding. */
let keys = new Float64Array(256);

/**
 * Ask the holder that has served the fewest segments. A holder's load is known only from
 * its own replies (the tracker keeps no such figure), so the estimate is the last load it
 * reported plus the requests this client has sent it since and not yet seen answered.
 * Ties go round-robin so that equally idle holders share the work.
 */
export function leastLoaded(): SourceStrategy {
  // A map, not arrays by rank: a client knows few holders, and a job may have 100,000
  // ranks. One entry per holder: an estimate is read for every member at every pick.
  const loads = new Map<number, Load>();
  const lastAsked = new Map<string, number>();
  // Never below 0, as costTiesFrom promises: an answer counted without its request (a state
  // only tests build) or a load reported below 0 must not make a holder cheaper than idle.
  const estimate = (holder: number): number => {
    const load = loads.get(holder);
    return load === undefined ? 0 : Math.max(0, load.reported + load.unanswered);
  };
  const loadOf = (holder: number): Load => {
    let load = loads.get(holder);
    if (load === undefined) loads.set(holder, (load = { reported: 0, unanswered: 0 }));
    return load;
  };
  return {
    order(file, members, out) {
      // Each member's key is its estimate, then its place in the round-robin order, so one
      // numeric sort of plain numbers gives estimates in order and ties in round-robin
      // order; sorting the members with a comparator looked their estimates up ~20 times
      // each, and made this strategy five times slower than round-robin.
      const count = members.length;
      const start = startAfter(members, lastAsked.get(file));
      if (keys.length < count) keys = new Float64Array(2 * count);
      const sorted = keys.subarray(0, count);
      for (let place = 0; place < count; place++) sorted[place] = estimate(members[(start + place) % count]) * PLACES + place;
      sorted.sort();
      for (let i = 0; i < count; i++) {
        const place = ((sorted[i] % PLACES) + PLACES) % PLACES;
        out[i] = members[(start + place) % count];
      }
      if (out.length !== count) out.length = count;
      return out;
    },
    costTiesFrom: (file, members) => startAfter(members, lastAsked.get(file)),
    sent(file, holder) {
      lastAsked.set(file, holder);
      loadOf(holder).unanswered++;
    },
    answered(holder, reported) {
      const load = loadOf(holder);
      load.unanswered--;
      load.reported = reported;
    },
    abandoned(holder) {
      loadOf(holder).unanswered--;
    },
    cost: estimate,
  };
}
