import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { newDownloadCounters } from '../ranks/download-counters.js';
import { FileDownload } from '../ranks/file-download.js';
import { InFlight } from '../ranks/in-flight.js';
import { Losses } from '../ranks/losses.js';
import { Tag, type SwarmPayloads } from '../ranks/protocol.js';
import { RequestRuns } from '../ranks/request-runs.js';
import { STRATEGIES } from '../ranks/strategies/index.js';
import type { SourceStrategy } from '../ranks/strategies/strategy.js';
import { UNKNOWN_START } from '../ranks/swarm-view.js';
import { MailboxComm } from '../sim/comm/local-comm.js';

/**
 * The pick as it was made segment by segment, every member looked at for each: the first
 * segment of the window whose best holder costs least, asked of the first member in order
 * of that cost that may hold it. The member-by-member search must agree with it.
 */
function segmentBySegment(file: FileDownload, window: readonly number[], strategy: SourceStrategy): string {
  const cost = strategy.cost as (holder: number) => number;
  const order = strategy.order(file.name, file.members, []);
  const cheapest = order.length > 0 ? cost(order[0]) : 0;
  let best = 'none';
  let bestCost = Infinity;
  for (const segment of window) {
    for (const member of order) {
      const price = cost(member);
      if (price >= bestCost) break;
      if (file.askable(member, segment)) {
        best = `${segment}->${member}`;
        bestCost = price;
        break;
      }
    }
    if (bestCost <= cheapest) break;
  }
  return best;
}

/** A file of `segments` listed with `members` (some seeds, some arrived somewhere), some of whom have answered, under least-loaded with loads of its own. */
function randomState(random: () => number, trial: number) {
  const below = (n: number): number => Math.floor(random() * n);
  const segments = 8 + below(60);
  const inFlight = new InFlight(64, false);
  inFlight.wanted(segments);
  const file = new FileDownload('f', new Losses(), inFlight);
  file.begin(
    Array.from({ length: segments }, (_, i) => `${String(trial).padStart(16, '0')}${String(i).padStart(16, '0')}`),
    below(segments),
  );
  const members = Array.from({ length: 2 + below(30) }, (_, i) => i + 2);
  const arrivals = Int32Array.from(members, () => (random() < 0.3 ? UNKNOWN_START : below(members.length * 2)));
  file.listed(members, arrivals);
  const strategy = STRATEGIES['least-loaded'](1, members.length + 2, String(trial));
  // Some segments already asked and answered, each answer a run the holder reported.
  for (let i = 0; i < below(segments / 2); i++) {
    const segment = below(segments);
    const holder = members[below(members.length)];
    if (!file.awaits(segment, holder) && file.askable(holder, segment)) {
      file.asked(segment, holder);
      file.answered(segment, holder, below(segments), random() < 0.2 ? segments : below(segments));
    }
  }
  // Loads drawn from a few values, so that costs tie often.
  for (const member of members) {
    if (random() < 0.7) strategy.answered(member, below(4));
    if (random() < 0.3) strategy.sent('f', member);
  }
  return { file, strategy, inFlight };
}

describe('least-loaded pick', () => {
  it('asks for the same segment of the same holder as the segment-by-segment search, in 2,000 drawn states', () => {
    const random = seedrandom.alea('least-loaded-pick');
    let compared = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const { file, strategy, inFlight } = randomState(random, trial);
      const window = file.freshSegments([], 16);
      const expected = segmentBySegment(file, window, strategy);
      let first: string | undefined;
      const comm = new MailboxComm<SwarmPayloads>(1, 40, (dest, tag, payload) => {
        if (tag === Tag.SEGMENT_REQUEST) first ??= `${(payload as { index: number }).index}->${dest}`;
      });
      const turn = new RequestRuns(comm, strategy, inFlight, newDownloadCounters()).turn(file);
      expect(first ?? 'none', `trial ${trial}`).toBe(expected);
      expect(turn).toBe(expected === 'none' ? 'stuck' : 'sent');
      if (expected !== 'none') compared++;
    }
    // Most states must have something to ask, or the comparison proves little.
    expect(compared).toBeGreaterThan(1500);
  });

  it('asks a refused segment again of the first member in its order that may hold it, in 2,000 drawn states', () => {
    const random = seedrandom.alea('least-loaded-retry');
    let compared = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const { file, strategy, inFlight } = randomState(random, trial);
      // One segment asked of a member and refused by it: the next turn asks for it again.
      const segment = file.freshSegments([], 1)[0];
      const refuser = file.members[Math.floor(random() * file.members.length)];
      file.asked(segment, refuser);
      file.answered(segment, refuser, 0, 0);
      file.refused(segment, refuser);
      const holder = strategy.order(file.name, file.members, []).find((member) => file.askable(member, segment));
      let first: string | undefined;
      const comm = new MailboxComm<SwarmPayloads>(1, 40, (dest, tag, payload) => {
        if (tag === Tag.SEGMENT_REQUEST) first ??= `${(payload as { index: number }).index}->${dest}`;
      });
      new RequestRuns(comm, strategy, inFlight, newDownloadCounters()).turn(file);
      if (holder === undefined) {
        // Nobody may be asked for it: it is parked, and a fresh segment may go instead.
        expect(first?.startsWith(`${segment}->`) ?? false, `trial ${trial}`).toBe(false);
        continue;
      }
      expect(first, `trial ${trial}`).toBe(`${segment}->${holder}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(1500);
  });
});
