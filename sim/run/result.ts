import type { PeerReport } from '../../ranks/peer.js';
import { splitRoles, type FileSwarm, type Role } from '../../ranks/tracker.js';
import type { RankCounts, SwarmTableRow as SwarmSummary, TrackerTable as TrackerSummary } from '../../reports/document.js';
import { Sampler, type Samples } from './timeline.js';

/** One rank's counters, gathered at the end of a run. Rank 0 (the tracker) serves no segments. */
export interface RankResult extends RankCounts {
  /** [uploader, segments] for each rank this one obtained segments from (a sparse row of the matrix). */
  downloadedFrom: [number, number][];
  /** Wanted files the client gave up (no live holder of some segment). */
  gaveUp?: string[];
}

/** The tracker's final view of one file (what a scrape would return), and a tracker's final table: the metrics document's own types. */
export type { SwarmSummary, TrackerSummary };

/** A fault that fired: what, and when (seconds on the run's clock). */
export interface FiredFault {
  spec: string;
  action: 'kill' | 'restart';
  rank: number;
  seconds: number;
}

/** What faults did to a run. */
export interface FaultOutcome {
  fired: FiredFault[];
  /** Timed faults whose point the run never reached. */
  unfired?: string[];
  /** Ranks dead at the end. */
  lost: number[];
  /** Ranks lost that no requested fault explains (a process killed from outside, a dropped link): each fails the run. */
  unasked?: { rank: number; reason: string }[];
  /** Set when every tracker was lost: nobody could end the job. */
  noTracker?: string;
  /** Messages lost on lossy links (virtual time). */
  dropped?: number;
}

export interface RunResult {
  ranks: RankResult[];
  swarms: SwarmSummary[];
  /** Output files written, by name. */
  outputs: string[];
  /** Per client (index rank - 1): [seconds, segments obtained] rows. */
  progress: Samples[];
  /** Per file: [seconds, seeds, peers] rows, one per change of its swarm. */
  swarmGrowth: { file: string; samples: Samples }[];
  /** [seconds, clients in some swarm] rows, one per change: the swarm's size as arrivals and departures move it. */
  swarmSize?: Samples;
  /** Every tracker's final table (one, or two with a standby). */
  trackers?: TrackerSummary[];
  faults?: FaultOutcome;
}

/** Follows the tracker's swarm changes as a time series per file (main thread only). */
export class SwarmGrowth {
  private readonly files = new Map<string, { seeds: number; peers: number; roles: Map<number, Role>; sampler: Sampler }>();

  /** Per client, the swarms it is in; a client in none is not in the swarm. */
  private readonly memberships = new Map<number, number>();
  /** Thinned as it grows (a row per join would be a row per client); the peak is kept apart, exactly. */
  private readonly size = new Sampler(0);
  private peak: [number, number] | undefined;

  constructor(private readonly clock: () => number) {}

  readonly observe = (file: string, rank: number, role: Role | undefined): void => {
    let entry = this.files.get(file);
    if (!entry) this.files.set(file, (entry = { seeds: 0, peers: 0, roles: new Map(), sampler: new Sampler(0) }));
    const before = entry.roles.get(rank);
    if (before === role) return;
    if (before === 'peer') entry.peers--;
    if (before === 'seed') entry.seeds--;
    if (role === 'seed') entry.seeds++;
    if (role === 'peer') entry.peers++;
    if (role) entry.roles.set(rank, role);
    else entry.roles.delete(rank);
    entry.sampler.record(this.clock(), [entry.seeds, entry.peers], true);
    if (before === undefined || role === undefined) this.member(rank, role === undefined ? -1 : 1);
  };

  private member(rank: number, change: 1 | -1): void {
    const before = this.memberships.get(rank) ?? 0;
    const after = before + change;
    if (after === 0) this.memberships.delete(rank);
    else this.memberships.set(rank, after);
    if (before !== 0 && after !== 0) return;
    const now = this.clock();
    const clients = this.memberships.size;
    this.size.record(now, [clients]);
    if (!this.peak || clients > this.peak[1]) this.peak = [now, clients];
  }

  /** [seconds, clients in some swarm] rows, thinned, with the peak among them. */
  clients(): Samples {
    const rows = this.size.samples();
    const peak = this.peak;
    if (!peak || rows.some(([t, n]) => t === peak[0] && n === peak[1])) return rows;
    return [...rows, peak].sort((a, b) => a[0] - b[0]);
  }

  series(): { file: string; samples: Samples }[] {
    return [...this.files]
      .map(([file, entry]) => ({ file, samples: entry.sampler.samples() }))
      .sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  }
}

export function trackerCounters(messagesIn: number, messagesOut: number, rank = 0): RankResult {
  return {
    rank,
    uploaded: 0,
    downloaded: 0,
    nacksSent: 0,
    nacksReceived: 0,
    requestsSent: 0,
    swarmRequests: 0,
    messagesIn,
    messagesOut,
    downloadedFrom: [],
  };
}

const byRank = (a: number, b: number): number => a - b;

/** A client killed before it reported: what the harness saw of it (segments obtained), zeros elsewhere. */
export function lostClientCounters(rank: number, downloaded: number): RankResult {
  return { ...trackerCounters(0, 0, rank), downloaded };
}

export function summarizeSwarms(tracker: { readonly swarms: ReadonlyMap<string, FileSwarm> }): SwarmSummary[] {
  return [...tracker.swarms]
    .map(([file, swarm]) => {
      const { seeds, peers } = splitRoles(swarm.members);
      return {
        file,
        segments: swarm.hashes.length,
        seeds: seeds.sort(byRank),
        peers: peers.sort(byRank),
        completed: swarm.completedBy.size,
        gaveUp: [...swarm.gaveUpBy].sort(byRank),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
}

/** A client's counters from its final report. */
export function clientCounters(
  rank: number,
  report: Omit<PeerReport, 'downloadedFrom'> & { downloadedFrom: Iterable<[number, number]> },
  messagesIn: number,
  messagesOut: number,
): RankResult {
  return {
    rank,
    uploaded: report.uploaded,
    downloaded: report.downloaded,
    nacksSent: report.nacksSent,
    nacksReceived: report.nacksReceived,
    requestsSent: report.requestsSent,
    swarmRequests: report.swarmRequests,
    messagesIn,
    messagesOut,
    downloadedFrom: Array.from(report.downloadedFrom),
    ...(report.gaveUp.length > 0 ? { gaveUp: report.gaveUp } : {}),
  };
}
