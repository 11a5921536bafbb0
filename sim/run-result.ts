import type { Tracker } from '../ranks/tracker.js';

/** One rank's counters, gathered at the end of a run. Rank 0 (the tracker) serves no segments. */
export interface RankCounters {
  rank: number;
  uploaded: number;
  downloaded: number;
  nacksSent: number;
  nacksReceived: number;
  requestsSent: number;
  swarmRequests: number;
  messagesIn: number;
  messagesOut: number;
  /** Segments this rank obtained from each rank (a row of the downloader x uploader matrix). */
  downloadedFrom: number[];
}

/** The tracker's final view of one file: what a scrape would return. */
export interface SwarmSummary {
  file: string;
  segments: number;
  seeds: number[];
  peers: number[];
  completed: number;
}

export interface RunResult {
  ranks: RankCounters[];
  swarms: SwarmSummary[];
  /** Output files written, by name. */
  outputs: string[];
}

export function trackerCounters(size: number, messagesIn: number, messagesOut: number): RankCounters {
  return {
    rank: 0,
    uploaded: 0,
    downloaded: 0,
    nacksSent: 0,
    nacksReceived: 0,
    requestsSent: 0,
    swarmRequests: 0,
    messagesIn,
    messagesOut,
    downloadedFrom: new Array<number>(size).fill(0),
  };
}

export function summarizeSwarms(tracker: Tracker): SwarmSummary[] {
  return [...tracker.swarms]
    .map(([file, swarm]) => {
      const seeds: number[] = [];
      const peers: number[] = [];
      for (const [rank, role] of swarm.members) (role === 'seed' ? seeds : peers).push(rank);
      return {
        file,
        segments: swarm.hashes.length,
        seeds: seeds.sort((a, b) => a - b),
        peers: peers.sort((a, b) => a - b),
        completed: swarm.completed,
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
}
