import type { Pipeline } from '../../../ranks/download.js';
import type { TimedFault } from '../../faults/plan.js';
import type { Job } from '../../job/inputs.js';
import type { RunResult } from '../../run/result.js';
import type { RankFault } from '../../rank-host/test-faults.js';
import type { StrategyChoice } from '../../strategies/choice.js';
import type { Churn } from '../../job/arrivals.js';
import type { LiveRun } from '../transport.js';
import type { TraceFlush } from '../../trace/recorder.js';
import type { SiteCertificates } from './site-certificates.js';
import type { Neighbour } from './network-events.js';
import type { SharedLists } from './job-lists.js';

export interface CoordinatorOptions {
  size: number;
  key: Buffer;
  /** A site's certificates, in place of the job key's TLS PSK (site-certificates.ts). */
  certificates?: SiteCertificates;
  /** Where rank 0 listens: the coordinator address. */
  host: string;
  port: number;
  /** Named in messages and the report; rank 0 reads nothing from it. */
  inputDir: string;
  outDir: string;
  strategy: StrategyChoice;
  freeRiders?: readonly number[];
  churn?: Churn;
  pipeline: Pipeline;
  stallTimeoutMs: number;
  registrationTimeoutMs: number;
  faults?: ReadonlyMap<number, RankFault>;
  /** 2: a standby tracker, and this coordinator as a harness of its own, not rank 0. */
  trackers?: 1 | 2;
  /**
   * `--tracker-state`: rank 0 keeps its state on disk, and is a process under this
   * coordinator, as a harness of its own; whatever kills that process, a new one is
   * started and reloads it (unless a `kill:` fault meant it to stay dead).
   */
  trackerState?: string;
  /** Kill faults due in the run, and how to kill a rank's process. */
  timedFaults?: readonly TimedFault[];
  killRank?: (rank: number) => void;
  /** Starts a new process for a tracker rank (killing the old one if it still runs): `restart:` faults. */
  restartRank?: (rank: number) => void;
  /**
   * A local launcher reports every rank's exit (`rankExited`): a dropped connection then
   * waits for it, so that a process that exited with an error fails the run rather than
   * counting as lost.
   */
  exitsReported?: boolean;
  /**
   * Every rank runs on this host with this `outDir` (sim run): clients write their outputs
   * there and send only the names, where otherwise each output's text comes over the
   * network to be written a second time.
   */
  sharedOut?: boolean;
  log: (line: string) => void;
  /** Called once rank 0 listens, with its port (for launchers that start the clients). */
  onListening?: (port: number) => void;
  onStart?: (run: LiveRun) => void;
  /** Under a launcher with `--ranks`: the networks of the clients this process hosts beside rank 0 (rank-group.ts). */
  neighbours?: Map<number, Neighbour>;
  /** The job's hash lists, when this process loaded the whole job: ranks that hold the same get them by number (job-lists.ts). */
  lists?: SharedLists;
  /** A traced run (`--trace`): where the messages delivered to each rank go, rank 0's here and the others' sent in. */
  traced?: TraceFlush;
}

/**
 * Whether the coordinator is a harness apart from every rank, rank 0 included: when a
 * tracker's process must be able to die alone (a standby takes over, or it reloads its
 * state). Otherwise rank 0 coordinates as well as tracking.
 */
export function coordinatorApart(trackers: 1 | 2 | undefined, trackerState: string | undefined): boolean {
  return trackers === 2 || trackerState !== undefined;
}

export interface CoordinatedRun {
  job: Job;
  result: RunResult;
  /** When the first segment request went out (RankProgress), absolute ms as timeline.ts `now` tells it. */
  firstRequestAt?: number;
}
