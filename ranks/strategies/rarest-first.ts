import { roundRobin } from './round-robin.js';
import type { SourceStrategy } from './strategy.js';

/**
 * BitTorrent's piece rule: ask first for the segments fewest members are known to hold, so
 * that rare segments spread before their few holders leave or get busy. Which member is
 * asked goes round-robin, as the reference rule has it; what is rare comes from the
 * holders' own replies (their runs of held segments), and for members never heard from,
 * from the listing (a seed holds every segment).
 */
export function rarestFirst(): SourceStrategy {
  return { ...roundRobin(), rarestFirst: true };
}
