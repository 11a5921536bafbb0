import type { SourceStrategy } from './strategy.js';

/**
 * Ask holders in proportion to the upload rate each announced when it registered (the
 * tracker passes the rates on in its swarm replies): a holder twice as fast is asked for
 * twice as many segments. The shares are kept by smooth weighted round-robin, per file:
 * each request, every member gains credit equal to its rate, the one asked loses the sum,
 * and the member with the most credit comes first. So the choice is deterministic, spread
 * out in time, and exact in proportion over any window of requests. A member that
 * announced nothing counts as the mean of those that did (neither favoured nor shunned);
 * when none did, this is round-robin.
 */
export function bandwidth(): SourceStrategy {
  const rates = new Map<number, number>();
  let known = 0;
  let knownSum = 0;
  const credits = new Map<string, Map<number, number>>();
  const listed = new Map<string, readonly number[]>();
  const weight = (member: number): number => rates.get(member) ?? (known > 0 ? knownSum / known : 1);
  const creditOf = (file: string): Map<number, number> => {
    let credit = credits.get(file);
    if (!credit) credits.set(file, (credit = new Map()));
    return credit;
  };
  return {
    heard(member, uploadKbps) {
      if (uploadKbps <= 0 || rates.get(member) === uploadKbps) return;
      const before = rates.get(member);
      if (before === undefined) known++;
      knownSum += uploadKbps - (before ?? 0);
      rates.set(member, uploadKbps);
    },
    order(file, members, out) {
      const credit = credits.get(file);
      const score = (member: number): number => (credit?.get(member) ?? 0) + weight(member);
      // Kept for `sent`, which is not given the members: it changes no order `order` gives.
      listed.set(file, members);
      out.length = 0;
      for (const member of members) out.push(member);
      // Ties keep rank order (the sort is stable and members come sorted by rank).
      return out.sort((a, b) => score(b) - score(a));
    },
    sent(file, holder) {
      const members = listed.get(file) ?? [holder];
      const credit = creditOf(file);
      let total = 0;
      for (const member of members) {
        const w = weight(member);
        total += w;
        credit.set(member, (credit.get(member) ?? 0) + w);
      }
      credit.set(holder, (credit.get(holder) ?? 0) - total);
    },
    answered() {},
    abandoned() {},
  };
}
