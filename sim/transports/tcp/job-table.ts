import type { CoordinatorControl } from './control.js';
import type { ListsTable } from './job-lists.js';
import type { CoordinatorOptions } from './coordinator-options.js';
import { ALIVE_MS } from './heartbeat.js';
import { clientChurn } from '../../job/arrivals.js';

/** How often clients report progress; while a fault waits for a segment count, how often then. */
const PROGRESS_MS = 200;
const FAULT_PROGRESS_MS = 2;

export interface TableSettings extends Pick<
  CoordinatorOptions,
  'strategy' | 'freeRiders' | 'churn' | 'pipeline' | 'faults' | 'timedFaults' | 'stallTimeoutMs' | 'traced' | 'sharedOut'
> {
  addresses: [string, number][];
  /** This rank's pair keys (link-keys.ts). */
  peerKeys: string[];
  lost: number[];
  trackers: 1 | 2;
  lists: ListsTable;
}

/** What a rank is told when the job starts, or when it comes back restarted: where everyone is, and how to run. */
export function jobTable(settings: TableSettings, rank: number, restarted: boolean): CoordinatorControl {
  const countedFaults = (settings.timedFaults ?? []).some((fault) => fault.at.kind === 'segments');
  return {
    type: 'table',
    addresses: settings.addresses,
    peerKeys: settings.peerKeys,
    strategy: settings.strategy,
    freeRider: settings.freeRiders?.includes(rank) ?? false,
    arriveMs: clientChurn(settings.churn, rank).arriveMs ?? 0,
    seedTimeMs: settings.churn?.seedTimeMs ?? null,
    pipeline: settings.pipeline,
    fault: settings.faults?.get(rank) ?? null,
    trackers: settings.trackers,
    progressMs: countedFaults ? FAULT_PROGRESS_MS : PROGRESS_MS,
    lists: settings.lists,
    lost: settings.lost,
    restarted,
    trace: settings.traced !== undefined,
    sharedOut: settings.sharedOut ?? false,
    // Never shorter than a few heartbeats: a busy coordinator is late, not gone.
    silenceMs: Math.max(settings.stallTimeoutMs, 5 * ALIVE_MS),
  };
}
