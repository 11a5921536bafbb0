/**
 * The threads transport: the tracker runs in the main thread, the clients in worker threads
 * (one each by default, or packed several to a worker). Clients in different workers talk
 * over a MessageChannel per pair, made on first use by the main thread, so traffic between
 * clients never passes through rank 0.
 */
import { Roles } from '../../../ranks/roles.js';
import { emptyPlan } from '../../faults/plan.js';
import type { Job } from '../../job/inputs.js';
import { InputError, type RunFailure } from '../../run/failures.js';
import { RunLedger } from '../../run/ledger.js';
import { secondsSince } from '../../run/timeline.js';
import { armTimeFaults, watchForStalls } from '../../run/watchdog.js';
import type { Transport, TransportOptions, TransportRun } from '../transport.js';
import { ThreadsRun } from './run.js';

import { placeWorkers } from './placement.js';
import { addressSpaceLimit, tooManyWorkers, workersThatFit } from './address-space.js';
import { spareCount } from './spare-workers.js';

/** How often the main thread adds up segments obtained, while a fault waits for a count. */
const SEGMENT_POLL_MS = 2;

async function runOnThreads(job: Job, options: TransportOptions): Promise<TransportRun> {
  const roles = Roles.forJob(job.ranks, options.trackers ?? 1);
  const plan = options.faults ?? emptyPlan();
  let fail: (failure: RunFailure) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  let clock = (): number => 0;
  const ledger = new RunLedger(roles, plan, () => clock());
  const run = new ThreadsRun(job, roles, options, ledger, (failure) => fail(failure));
  clock = () => secondsSince(run.epochMs);
  ledger.carryOutFaultsWith(run);
  const timers: NodeJS.Timeout[] = [];
  let stopWatch = (): void => undefined;
  let stopTimeFaults = (): void => undefined;
  let succeeded = false;
  try {
    run.start();
    options.onStart?.({ progress: () => run.progress() });
    stopTimeFaults = armTimeFaults(ledger.faults, plan.timed, clock);
    if (plan.timed.some((fault) => fault.at.kind === 'segments')) {
      const poll = setInterval(() => (ledger.faults.idle ? clearInterval(poll) : ledger.faults.segments(run.obtained())), SEGMENT_POLL_MS);
      timers.push(poll);
    }
    stopWatch = watchForStalls({
      stallTimeoutMs: options.stallTimeoutMs,
      moved: () => run.moved(),
      progressed: () => run.progressed(),
      describe: () => run.waiting(),
      fail: (failure) => fail(failure),
    });
    await Promise.race([ledger.settled, failed]);
    run.closeBooks();
    const result = ledger.result({ swarmGrowth: run.growth.series(), swarmSize: run.growth.clients() });
    succeeded = true;
    return { result, firstRequestAt: run.firstRequestAt() };
  } finally {
    stopWatch();
    stopTimeFaults();
    for (const timer of timers) clearTimeout(timer);
    await run.close();
    // Written whatever the run's end: a failed run's trace shows how it got there.
    run.trace?.finish(!succeeded);
  }
}

const workersFor = (job: Job, options: TransportOptions): number =>
  placeWorkers(job.ranks - 1, options.workers, options.faults ?? emptyPlan()).length;

export const threadsTransport: Transport = {
  name: 'threads',
  summary: 'clients in worker threads, the tracker in the main thread',
  workersFor,
  prepare: (job, options) => {
    const count = workersFor(job, options);
    const limit = addressSpaceLimit();
    const fit = workersThatFit(limit, spareCount());
    if (limit !== undefined && count > fit) {
      throw new InputError(options.workers === undefined ? 'ulimit -v' : `--workers ${options.workers}`, tooManyWorkers(count, fit, limit));
    }
  },
  run: runOnThreads,
};
