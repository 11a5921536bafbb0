/**
 * What a run with faults could not save: every expected output that is missing gets a
 * reason (its client was killed, its file had no live holder left, no tracker was left);
 * a missing output with no such reason stays a plain problem.
 */
import type { FaultsSection, TrackerTable } from '../../reports/document.js';

type MissingOutput = FaultsSection['missing'][number];
import type { Job } from '../job/inputs.js';
import { outputName, type OutputProblem } from '../job/outputs.js';
import type { RunResult } from '../run/result.js';

export function faultsSection(
  job: Job,
  result: RunResult,
  problems: OutputProblem[],
  departures = false,
): { faults: FaultsSection; problems: OutputProblem[] } {
  const outcome = result.faults ?? { fired: [], lost: [] };
  const lost = new Set(outcome.lost);
  const gaveUp = new Set<string>();
  for (const counters of result.ranks) for (const file of counters?.gaveUp ?? []) gaveUp.add(outputName(counters.rank, file));
  const killedBy = new Map<number, string>();
  for (const fired of outcome.fired) if (fired.action === 'kill') killedBy.set(fired.rank, fired.spec);
  const missingOf = new Map(problems.filter((p) => p.problem === 'missing').map((p) => [p.output, p]));
  const missing: FaultsSection['missing'] = [];
  const unavailable = new Set<string>();
  const complete: string[] = [];
  const wrong = new Set(problems.map((p) => p.output));
  job.clients.forEach((client, i) => {
    const rank = i + 1;
    for (const file of client.wanted) {
      const output = outputName(rank, file);
      if (!wrong.has(output)) {
        complete.push(output);
        continue;
      }
      if (!missingOf.has(output)) continue;
      let why: Pick<MissingOutput, 'kind' | 'reason'> | undefined;
      if (lost.has(rank))
        why = { kind: 'client-lost', reason: `client ${rank} was lost${killedBy.has(rank) ? ` (--fault ${killedBy.get(rank)})` : ''}` };
      else if (gaveUp.has(output))
        why = { kind: 'unavailable', reason: `no live client${departures ? ' still in the swarm' : ''} held every segment of ${file}` };
      else if (outcome.noTracker) why = { kind: 'no-tracker', reason: 'unfinished when every tracker was lost' };
      if (!why) continue;
      if (why.kind === 'unavailable') unavailable.add(file);
      missing.push({ output, rank, file, ...why });
      missingOf.delete(output);
    }
  });
  const excused = new Set(missing.map((m) => m.output));
  return {
    faults: {
      fired: outcome.fired,
      ...(outcome.unfired ? { unfired: outcome.unfired } : {}),
      lost: outcome.lost,
      ...(outcome.noTracker ? { noTracker: outcome.noTracker } : {}),
      ...(outcome.dropped === undefined ? {} : { dropped: outcome.dropped }),
      ...(outcome.unasked ? { unasked: outcome.unasked } : {}),
      missing,
      unavailable: [...unavailable].sort(),
      complete: complete.sort(),
      trackersAgree: trackersAgree(result.trackers ?? []),
    },
    problems: problems.filter((p) => !excused.has(p.output)),
  };
}

/** Whether the live trackers that ended the run hold the same table; null with fewer than two. */
export function trackersAgree(trackers: readonly TrackerTable[]): boolean | null {
  const live = trackers.filter((tracker) => !tracker.lost && !tracker.stopped);
  if (live.length < 2) return null;
  const first = JSON.stringify(live[0].swarms);
  return live.every((tracker) => JSON.stringify(tracker.swarms) === first);
}

/** Some live client is missing an output: a file had no holder left, or no tracker was left to finish the job. */
export function incomplete(faults: FaultsSection | undefined): boolean {
  return faults !== undefined && faults.missing.some((missing) => missing.kind !== 'client-lost');
}
