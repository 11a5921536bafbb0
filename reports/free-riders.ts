/** The free riders' completion beside the other clients': what a strategy that punishes free riding should widen. */
import type { MetricsDocument } from './document.js';
import { median } from './numbers.js';

export interface Completion {
  /** Clients in the group that finished. */
  done: number;
  medianSeconds: number;
  lastSeconds: number;
}

export interface FreeRiderCompletion {
  riders: readonly number[];
  freeRiders: Completion | undefined;
  others: Completion | undefined;
}

function completion(times: number[]): Completion | undefined {
  if (times.length === 0) return undefined;
  return { done: times.length, medianSeconds: median(times), lastSeconds: Math.max(...times) };
}

/** Undefined when the run had no free riders. */
export function freeRiderCompletion(doc: MetricsDocument): FreeRiderCompletion | undefined {
  const riders = doc.run.freeRiders;
  if (!riders || riders.length === 0) return undefined;
  const set = new Set(riders);
  const times = (free: boolean): number[] =>
    doc.ranks.flatMap((r) => (r.role === 'client' && set.has(r.rank) === free && r.completedSeconds !== null ? [r.completedSeconds] : []));
  return { riders, freeRiders: completion(times(true)), others: completion(times(false)) };
}

/** `median done at 12.300 s, last at 14.100 s`. */
export function describeCompletion(group: Completion | undefined): string {
  return group ? `median done at ${group.medianSeconds.toFixed(3)} s, last at ${group.lastSeconds.toFixed(3)} s` : 'none done';
}

/** One sentence for the summary and the report. */
export function freeRiderSentence(doc: MetricsDocument): string | undefined {
  const split = freeRiderCompletion(doc);
  if (!split) return undefined;
  return `free riders (ranks ${split.riders.join(', ')}, never uploading): ${describeCompletion(split.freeRiders)}; the other clients: ${describeCompletion(split.others)}`;
}
