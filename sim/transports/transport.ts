/**
 * The seam every transport implements. A transport starts the ranks it is given, each with a
 * `Comm`, carries their messages, and reports to the run's ledger what happens to them (a
 * rank ended, lost, back; an output written). For faults it kills and restarts ranks when
 * the fault schedule says so, and for stall reports it answers what each rank waits for.
 * What the run's result is, which tracker served and which ranks count as lost is the
 * ledger's to decide (sim/run/ledger.ts), never a transport's.
 *
 * Adding a transport: a folder under sim/transports/ with an entry file exporting a
 * `Transport`, one line in the table in ./index.ts, and nothing imported from another
 * transport's folder (what two transports share lives directly in sim/transports/).
 */
import type { Pipeline } from '../../ranks/download.js';
import type { FaultPlan } from '../faults/plan.js';
import type { Churn } from '../job/arrivals.js';
import type { Job } from '../job/inputs.js';
import type { RunResult } from '../run/result.js';
import type { StrategyChoice } from '../strategies/choice.js';
import type { NetworkSettings } from './virtual/network-model.js';
import type { TraceSink } from '../trace/trace.js';

/** A number of worker threads, or 'all': one per client, the widest interleavings (for hunting races). */
export type WorkerCount = number | 'all';

export type TransportName = 'threads' | 'tcp' | 'virtual';

/** What every transport is given: the same fields, whichever it is. */
export interface TransportOptions {
  strategy: StrategyChoice;
  pipeline: Pipeline;
  outDir: string;
  /** A wall-clock transport ends the run when no message moves for this long. */
  stallTimeoutMs: number;
  faults?: FaultPlan;
  /** Clients that never upload (`--free-riders`): each refuses every request. */
  freeRiders?: readonly number[];
  /** Clients that arrive later, and leave after seeding (`--arrivals`, `--seed-time`). */
  churn?: Churn;
  /** 2 adds a standby tracker after the clients. */
  trackers?: 1 | 2;
  /**
   * `--tracker-state`: the folder the only tracker keeps its changes in (rank 0's host opens
   * it); it can then be restarted without a standby, and clients that lose it wait for it.
   */
  trackerState?: string;
  /** Threads: worker threads for the clients ('all': one per client); default automatic (placement.ts). */
  workers?: WorkerCount;
  /** TCP: processes the clients share ('all': one per client); default automatic (tcp/process-groups.ts). */
  processes?: WorkerCount;
  /**
   * More runs follow in this process (`sim check --repeat`, `sim faults`): the threads
   * transport boots the next run's workers while this one runs, as the CLI does for the
   * first (sim/cli/warm.ts), so that no run after the first waits ~35 ms for a worker.
   */
  warmNext?: boolean;
  /** Called once the ranks are started, with a way to read their progress. */
  onStart?: (run: LiveRun) => void;
  /** Where a transport's log lines go (a lost rank, a refused connection); default stderr. */
  log?: (line: string) => void;
  /** Virtual time: the seed and the network model. */
  virtual?: VirtualOptions;
  /**
   * Where every message delivered goes (`--trace`), closed by the transport at the run's end.
   * Virtual time hands each delivery over as its scheduler makes it; a transport on a wall
   * clock has each rank record its own and merges them (sim/trace/recorder.ts).
   */
  trace?: TraceSink;
}

export interface VirtualOptions {
  seed: string;
  network: NetworkSettings;
  /**
   * Wall milliseconds the scheduler keeps the thread before the event loop turns (default
   * 50). Where it pauses must never change a run: tests pause it as often as it can (0) and
   * never (Infinity) and compare.
   */
  turnMs?: number;
}

/** A run in progress, as the live display sees it. */
export interface LiveRun {
  /** Segments obtained so far by each client (index rank - 1). */
  progress(): number[];
}

/** What a run gives back: the ledger's result, and the clock it ran on. */
export interface TransportRun {
  result: RunResult;
  /** Simulated seconds from the start to the last delivery, for a virtual-time run. */
  virtualSeconds?: number;
  /** When the first segment request was sent, absolute ms (`performance.timeOrigin + performance.now()`), where the transport can tell. */
  firstRequestAt?: number;
}

/**
 * How the fault schedule and the stall watch reach a transport's ranks: each transport
 * implements this over its own means (a worker's termination, a process's SIGKILL, the
 * scheduler's kill), and nothing above it knows which.
 */
export interface RankControl {
  /** The rank dies at once; every other rank hears of it through the comm. */
  kill(rank: number, reason: string): void;
  /** The rank dies if alive and a new life of it starts (a tracker, catching up). */
  restart(rank: number, reason: string): void;
  /** One line per rank: what it waits for, and what it holds. */
  waiting(): Promise<string[]>;
}

export interface Transport {
  readonly name: TransportName;
  /** One line for --help. */
  readonly summary: string;
  /** Clients per worker or process, for the metrics document. */
  workersFor(job: Job, options: TransportOptions): number;
  /** The ranks each process hosts (`1-15`), where ranks live in several processes, for the metrics document. */
  processesFor?(job: Job, options: TransportOptions): string[];
  /** Checks, before anything of the run happens, that the machine can run the job as asked (InputError otherwise). */
  prepare?(job: Job, options: TransportOptions): void;
  /** Runs the job to its end; a failure of the run is thrown as a `RunFailure`. */
  run(job: Job, options: TransportOptions): Promise<TransportRun>;
}
