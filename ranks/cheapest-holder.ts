/**
 * Where a strategy with costs asks: the holder that costs least, and the segment of a
 * window to ask it for first. Members are weighed one by one, each member's run guessed
 * once, in the strategy's order or, when it says how its ties go (`costTiesFrom`), in one
 * pass over the members unsorted.
 */
import type { FileDownload } from './file-download.js';
import { ALL, runCovers } from './holdings-guess.js';
import type { SourceStrategy } from './strategies/strategy.js';

/**
 * The first segment of a fresh run and its holder: the cheapest member that may be asked
 * for any of the window wins; among members of that cost, the earliest segment, and of
 * those the member first in order. `scratch` takes the strategy's order.
 */
export function cheapestFresh(
  file: FileDownload,
  window: readonly number[],
  strategy: SourceStrategy,
  scratch: number[],
): { segment: number; holder: number } | undefined {
  const cost = strategy.cost as (holder: number) => number;
  const span: Span = { lowest: Math.min(...window), highest: Math.max(...window) };
  const best: Cheapest = { at: window.length, holder: -1, cost: Infinity };
  const ties = strategy.costTiesFrom;
  if (ties) {
    // Ties go in a rotation: one pass over the members, in it, finds what the sorted order would give first.
    const { members } = file;
    const count = members.length;
    for (let k = 0, i = ties(file.name, members); k < count; k++, i = i + 1 === count ? 0 : i + 1) {
      weigh(file, members[i], cost(members[i]), window, span, best, i);
      // Costs are never below 0 (costTiesFrom's contract): nobody after can do better.
      if (best.cost === 0 && best.at === 0) break;
    }
  } else {
    // Members come cheapest first, so once one is dearer than the best found, or the best
    // is the window's first segment, nobody after it can do better.
    for (const member of strategy.order(file.name, file.members, scratch)) {
      const price = cost(member);
      if (price === Infinity || price > best.cost || best.at === 0) break;
      weigh(file, member, price, window, span, best);
    }
  }
  return best.holder < 0 ? undefined : { segment: window[best.at], holder: best.holder };
}

/** The askable member first in the order of cost, ties in the rotation from `start`: the cheapest, and of those the first reached. */
export function cheapestAskable(
  file: FileDownload,
  members: readonly number[],
  start: number,
  cost: (holder: number) => number,
  segment: number,
): number | undefined {
  let best: number | undefined;
  let bestCost = Infinity;
  for (let k = 0, i = start; k < members.length; k++, i = i + 1 === members.length ? 0 : i + 1) {
    const price = cost(members[i]);
    if (best !== undefined && price >= bestCost) continue;
    if (!file.askable(members[i], segment, i)) continue;
    best = members[i];
    bestCost = price;
    // Costs are never below 0 (costTiesFrom's contract): a later member of that cost comes after.
    if (price === 0) break;
  }
  return best;
}

/** The best holder found so far for a fresh run: its cost, and where in the window its first askable segment is. */
interface Cheapest {
  at: number;
  holder: number;
  cost: number;
}

/**
 * Makes `member` the best if it is cheaper than the best, or as cheap with an earlier
 * segment askable. A member that costs Infinity is never asked, as none is when every holder does.
 */
function weigh(
  file: FileDownload,
  member: number,
  price: number,
  window: readonly number[],
  span: Span,
  best: Cheapest,
  index?: number,
): void {
  if (price === Infinity || price > best.cost) return;
  const at = firstAskableIn(file, member, window, price === best.cost ? best.at : window.length, span, index);
  if (at < 0) return;
  best.at = at;
  best.holder = member;
  best.cost = price;
}

/** The lowest and highest segment of a window. */
interface Span {
  lowest: number;
  highest: number;
}

/**
 * Where in `window`, before `before`, the first segment `member` (at `index` in the file's
 * members, if known) may be asked for is; -1 if none. Its run is guessed once.
 */
function firstAskableIn(file: FileDownload, member: number, window: readonly number[], before: number, span: Span, index?: number): number {
  const run = file.runOf(member, index);
  const segments = file.hashes.length;
  // Most members cheaper than a seed hold nothing of the window, and would be looked at for
  // each of its segments: a run that misses everything from the lowest to the highest
  // segment is passed over at once. It covers [from, end) and, past the last segment, [0, end - segments).
  if (run.length <= 0) return -1;
  const end = run.from + run.length;
  if (run !== ALL && (run.from > span.highest || end <= span.lowest) && end - segments <= span.lowest) return -1;
  for (let i = 0; i < before; i++) if (runCovers(run, window[i], segments) && !file.wasRefused(window[i], member)) return i;
  return -1;
}
