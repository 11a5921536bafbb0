import type { Tracker } from '../../ranks/tracker.js';
import { summarizeSwarms, type TrackerSummary } from './result.js';

/** A tracker's final table, for the report. */
export function trackerSummary(rank: number, tracker: Tracker, lost: boolean): TrackerSummary {
  return {
    rank,
    role: rank === 0 ? 'primary' : 'standby',
    served: tracker.served,
    lost,
    ...(!lost && tracker.awaitingCatchUp ? { stopped: true } : {}),
    swarms: summarizeSwarms(tracker.state),
  };
}

/**
 * The tracker whose table is the run's: the live one that served (it ended the job), else
 * the standby if it served (it took over last), else rank 0.
 */
export function servingTracker(trackers: ReadonlyMap<number, Tracker>, alive: (rank: number) => boolean): Tracker {
  const served = [...trackers].filter(([, tracker]) => tracker.served);
  const live = served.find(([rank]) => alive(rank));
  if (live) return live[1];
  const standby = served.find(([rank]) => rank !== 0);
  return (standby ?? served[0] ?? [0, trackers.get(0)])[1] as Tracker;
}
