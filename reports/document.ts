/**
 * metrics.json: everything a report shows, as one versioned document. Built by a pure
 * function from what a run gathered; charts, CSV and pages are rendered from it alone, so
 * `sim report` can redraw a run long after it ended.
 */
import { loadFigures, shareRatio, type LoadFigures } from './metrics.js';

export const SCHEMA_VERSION = 1;

export type Samples = number[][];

/** The counters a rank keeps during a run. */
export interface RankCounts {
  rank: number;
  uploaded: number;
  downloaded: number;
  nacksSent: number;
  nacksReceived: number;
  requestsSent: number;
  swarmRequests: number;
  messagesIn: number;
  messagesOut: number;
}

export interface RankMetrics extends RankCounts {
  role: 'tracker' | 'client';
  /** Segments this client wanted in all. */
  wanted: number;
  /** Uploaded over downloaded; null for a client that downloaded nothing. */
  shareRatio: number | null;
  /** Whether anyone could have asked this client for a segment. */
  couldServe: boolean;
  /** Seconds from the start until it held every wanted segment; null if it wanted none. */
  completedSeconds: number | null;
  /** The rank was dead at the end (a fault killed it); its counters are those it had then. */
  lost?: boolean;
}

/** A tracker's final view of one file: who is in its swarm, who finished it, who gave it up. */
export interface SwarmTableRow {
  file: string;
  segments: number;
  seeds: number[];
  peers: number[];
  completed: number;
  gaveUp: number[];
}

export interface TrackerTable {
  rank: number;
  role: 'primary' | 'standby';
  served: boolean;
  lost: boolean;
  /** A restarted tracker still waiting to catch up when the job ended: stopped, its table empty. */
  stopped?: boolean;
  swarms: SwarmTableRow[];
}

/** What faults did to the run, and what could not be saved. */
export interface FaultsSection {
  fired: { spec: string; action: 'kill' | 'restart'; rank: number; seconds: number }[];
  /** Timed faults whose point the run never reached. */
  unfired?: string[];
  /** Ranks dead at the end. */
  lost: number[];
  /** Ranks lost that no requested fault explains, and how: each fails the run (exit 1). */
  unasked?: { rank: number; reason: string }[];
  /** Set when every tracker was lost. */
  noTracker?: string;
  /** Messages lost on lossy links (`drop:` faults, virtual time). */
  dropped?: number;
  /** Outputs not written, and why. */
  missing: { output: string; rank: number; file: string; kind: 'client-lost' | 'unavailable' | 'no-tracker'; reason: string }[];
  /** Files some live client could not finish: a segment had no live holder left. */
  unavailable: string[];
  /** Outputs written and correct. */
  complete: string[];
  /** Both trackers alive at the end hold the same table; null with fewer than two. */
  trackersAgree: boolean | null;
}

export interface FileMetrics {
  name: string;
  segments: number;
  /** The tracker's final swarm, as a scrape returns it. */
  seeds: number;
  peers: number;
  completed: number;
  wantedBy: number;
}

export interface MetricsDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  /** The run succeeded, as exit code 0 says (absent in documents of older versions). */
  ok?: boolean;
  /** 0 all right, 1 a wrong output, 4 a fault left a live client without some file (absent in older documents). */
  exitCode?: 0 | 1 | 4;
  run: {
    inputDir: string;
    outDir: string;
    transport: string;
    /** Threads the clients ran in (threads transport), or processes (tcp). */
    workers: number;
    /** TCP: the ranks each process hosted, as `1-15,17`; rank 0's process first. */
    processes?: string[];
    /** The strategy's label: a built-in's name, or the label of a user's module. */
    strategy: string;
    /** The user's strategy module, when the strategy is one. */
    strategyModule?: string;
    /** Clients that never uploaded (`--free-riders`), when there were any. */
    freeRiders?: number[];
    /** `--arrivals` as given, when clients arrived over time or left. */
    arrivals?: string;
    /** `--seed-time`: how long a client that finished stayed before it left. */
    seedTimeSeconds?: number;
    pipeline: number | 'auto';
    ranks: number;
    files: number;
    /** ISO 8601; the epoch on the virtual transport, whose runs must not depend on the clock. */
    startedAt: string;
    /** Seconds the run took; simulated seconds on the virtual transport. */
    wallSeconds: number;
    /** The virtual transport's run seed. */
    seed?: string;
    /** Seconds from the process's start to the first segment request (threads; over TCP, from the coordinator's process start by the client's clock): the start-up a user waits through. */
    firstRequestSeconds?: number;
    segmentsTransferred: number;
    messages: number;
    /** No output is wrong or missing, outputs a fault kept from being written aside: the top-level `ok` also counts those. */
    ok: boolean;
  };
  ranks: RankMetrics[];
  /** Non-zero entries of the downloader x uploader matrix: [downloader, uploader, segments]. */
  matrix: [number, number, number][];
  files: FileMetrics[];
  timeline: {
    /** Per client: [seconds, segments held] rows. */
    clients: { rank: number; samples: Samples }[];
    /** Per file: [seconds, seeds, peers] rows. */
    swarms: { file: string; samples: Samples }[];
  };
  /** Upload spread over the clients that could serve. */
  load: LoadFigures & {
    servers: number[];
    /** The highest Jain's index any schedule could reach (`reports/spread-bound.ts`); absent when not known. */
    jainBound?: number;
  };
  outputs: { written: number; problems: { output: string; problem: string }[] };
  /** Every tracker's final swarm table (absent in documents of older versions). */
  trackers?: TrackerTable[];
  /** Present when the run had faults or a standby tracker. */
  faults?: FaultsSection;
  /** Present when clients arrived over time or left (`--arrivals`, `--seed-time`). */
  churn?: ChurnSection;
}

export interface ChurnSection {
  /** Per client (index rank - 1): seconds after the start at which it arrived. */
  arrivalSeconds: number[];
  /** [seconds, clients in some swarm] rows: the swarm's size over time. */
  clients: Samples;
}

/** What a run hands over to become a document. */
export interface MetricsInput {
  run: Omit<MetricsDocument['run'], 'segmentsTransferred' | 'messages' | 'ok' | 'files'>;
  /** Index = rank; rank 0 is the tracker. */
  counters: RankCounts[];
  /** Per downloader (index = rank): [uploader, segments] pairs. */
  downloadedFrom: (readonly (readonly [number, number])[])[];
  wantedSegments: readonly number[];
  servers: readonly number[];
  /** The best possible Jain's index, when the run can be held to it (no faults). */
  jainBound?: number | null;
  files: FileMetrics[];
  progress: Samples[];
  swarmGrowth: { file: string; samples: Samples }[];
  outputs: MetricsDocument['outputs'];
  /** Tracker ranks besides 0 (a standby). */
  standby?: number;
  /** Ranks dead at the end. */
  lost?: readonly number[];
  trackers?: TrackerTable[];
  faults?: FaultsSection;
  churn?: ChurnSection;
}

function completedAt(samples: Samples, wanted: number): number | null {
  if (wanted === 0) return null;
  const done = samples.find((row) => row[1] >= wanted);
  return done ? done[0] : null;
}

export function buildMetrics(input: MetricsInput): MetricsDocument {
  const servers = new Set(input.servers);
  const lost = new Set(input.lost);
  const ranks: RankMetrics[] = input.counters.map((c) => {
    const client = c.rank > 0 && c.rank !== input.standby;
    const wanted = client ? input.wantedSegments[c.rank - 1] : 0;
    return {
      ...c,
      role: client ? 'client' : 'tracker',
      wanted,
      shareRatio: client ? shareRatio(c.uploaded, c.downloaded) : null,
      couldServe: servers.has(c.rank),
      completedSeconds: client ? completedAt(input.progress[c.rank - 1] ?? [], wanted) : null,
      ...(lost.has(c.rank) ? { lost: true } : {}),
    };
  });
  const matrix: [number, number, number][] = [];
  input.downloadedFrom.forEach((row, downloader) => {
    const sorted = [...row].sort((a, b) => a[0] - b[0]);
    for (const [uploader, segments] of sorted) if (segments > 0) matrix.push([downloader, uploader, segments]);
  });
  const uploads = input.servers.map((rank) => ranks[rank].uploaded);
  return {
    schemaVersion: SCHEMA_VERSION,
    run: {
      ...input.run,
      files: input.files.length,
      segmentsTransferred: ranks.reduce((n, r) => n + r.downloaded, 0),
      messages: ranks.reduce((n, r) => n + r.messagesOut, 0),
      ok: input.outputs.problems.length === 0,
    },
    ranks,
    matrix,
    files: input.files,
    timeline: {
      clients: input.progress.map((samples, i) => ({ rank: i + 1, samples })),
      swarms: input.swarmGrowth,
    },
    load: {
      ...loadFigures(uploads),
      servers: [...input.servers],
      ...(input.jainBound === undefined || input.jainBound === null ? {} : { jainBound: input.jainBound }),
    },
    outputs: input.outputs,
    ...(input.trackers ? { trackers: input.trackers } : {}),
    ...(input.faults ? { faults: input.faults } : {}),
    ...(input.churn ? { churn: input.churn } : {}),
  };
}
