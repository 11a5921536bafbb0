/**
 * The TCP transport as `sim run --transport tcp` uses it: rank 0 (the tracker) in this
 * process, the clients in `sim rank` processes on this host (rank groups, or one each:
 * process-groups.ts), all connected over loopback and authenticated with a key made for
 * this run. With a standby tracker both
 * trackers are processes too and this process only coordinates, so a tracker's process
 * can die without taking the run with it. The same ranks run across hosts when a
 * launcher starts `sim rank` itself (see sim/commands/rank.ts).
 */
import { TraceCollector } from '../../trace/recorder.js';
import { now } from '../../run/timeline.js';
import { constants as osConstants } from 'node:os';
import { RunFailure } from '../../run/failures.js';
import { lastMeaningfulLine } from '../../run/stderr-lines.js';
import type { Job } from '../../job/inputs.js';
import type { RunResult } from '../../run/result.js';
import { LocalRanks, type RankExit } from './local-ranks.js';
import { clientProcesses, rankProcesses, startedProcesses } from './process-groups.js';
import { rankRanges, ranksNamed } from '../rank-groups.js';
import { Roles } from '../../../ranks/roles.js';
import type { Transport, TransportOptions, TransportRun } from '../transport.js';
import { TcpCoordinator } from './coordinator.js';
import { coordinatorApart } from './coordinator-options.js';
import { JOB_KEY_ENV, newJobKey } from './job-key.js';
import { listsOf } from './job-lists.js';

const LOOPBACK = '127.0.0.1';
/** Local processes start in well under a second; this only bounds a broken start. */
const REGISTRATION_TIMEOUT_MS = 30_000;
const EXIT_GRACE_MS = 3000;

function exitText(exit: RankExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const last = lastMeaningfulLine(exit.stderr);
  const said = last === '' ? '' : `: ${last}`;
  return `its process ${how}${said}`;
}

const rolesOf = (job: Job, options: TransportOptions): Roles => Roles.forJob(job.ranks, options.trackers ?? 1);

/** The `sim rank` command line of the process hosting `hosted`. */
function rankArgs(job: Job, roles: Roles, options: TransportOptions, port: number, hosted: readonly number[]): string[] {
  return [
    job.dir,
    ...(hosted.length === 1 ? ['--rank', String(hosted[0])] : ['--hosted', rankRanges(hosted)]),
    ...['--size', String(roles.size), '--coordinator', `${LOOPBACK}:${port}`, '--out', options.outDir],
    ...(roles.trackers === 2 ? ['--trackers', '2'] : []),
    ...(options.trackerState === undefined ? [] : ['--tracker-state', options.trackerState]),
  ];
}

/**
 * The process that failed after the job ended, if any. Not one ended on purpose (a lost
 * rank's, a tracker stopped for coming back too late, one replaced), nor one killed while
 * the job ran: its ranks were lost then (RankLives.exited, or a dropped link before it), a
 * restarted tracker's old process among them when it was gone before it could be replaced.
 */
function failedAfterTheEnd(exits: readonly RankExit[], result: RunResult, killedEarly: ReadonlySet<RankExit>): RankExit | undefined {
  const killed = new Set([...(result.faults?.lost ?? []), ...(result.trackers ?? []).filter((t) => t.stopped).map((t) => t.rank)]);
  return exits.find((exit) => exit.code !== 0 && !exit.replaced && !killedEarly.has(exit) && !exit.ranks.some((rank) => killed.has(rank)));
}

async function runOverTcp(job: Job, options: TransportOptions): Promise<TransportRun> {
  const key = newJobKey();
  const ranks = new LocalRanks();
  const roles = rolesOf(job, options);
  const size = roles.size;
  const apart = coordinatorApart(roles.trackers, options.trackerState);
  let ended = false;
  /** Processes killed while the job ran (failedAfterTheEnd). */
  const killedEarly = new Set<RankExit>();
  const trace = options.trace && new TraceCollector(options.trace, now());
  const coordinator = new TcpCoordinator({
    size,
    trackers: roles.trackers,
    trackerState: options.trackerState,
    timedFaults: options.faults?.timed,
    killRank: (rank) => ranks.kill(rank, 'SIGKILL'),
    restartRank: (rank) => ranks.restart(rank),
    exitsReported: true,
    sharedOut: true,
    key: Buffer.from(key),
    host: LOOPBACK,
    port: 0,
    inputDir: job.dir,
    outDir: options.outDir,
    strategy: options.strategy,
    freeRiders: options.freeRiders,
    churn: options.churn,
    pipeline: options.pipeline,
    stallTimeoutMs: options.stallTimeoutMs,
    registrationTimeoutMs: REGISTRATION_TIMEOUT_MS,
    faults: options.faults?.simple,
    log: options.log ?? ((line) => process.stderr.write(`sim: ${apart ? 'coordinator' : 'rank 0'}: ${line}\n`)),
    // Its clients' processes load the same job when they host several (sim rank --hosted): lists go by number.
    lists: listsOf(job),
    onStart: options.onStart,
    traced: trace?.add,
    onListening: (port) => {
      // With one tracker, rank 0 is this process; with two, or one that keeps its state on disk, every rank is in another.
      const processes = startedProcesses(roles, rankProcesses(roles, options), options.trackerState);
      ranks.start(
        processes,
        (hosted) => rankArgs(job, roles, options, port, hosted),
        { ...process.env, [JOB_KEY_ENV]: key },
        (exit) => {
          // A rank that ends before the job does (a crash before it could tell the coordinator) is lost.
          if (ended || (exit.code === 0 && !exit.signal)) return;
          if (exit.signal) killedEarly.add(exit);
          coordinator.rankExited(exit.ranks, exit.signal !== null, exitText(exit));
        },
      );
    },
  });
  const interrupted = (signal: NodeJS.Signals): void => {
    ranks.signal(signal);
    // The shell's convention: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).
    void ranks.reap(500).finally(() => {
      trace?.finish(true);
      process.exit(128 + osConstants.signals[signal]);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let failed = true;
  try {
    const { result, firstRequestAt } = await coordinator.run();
    ended = true;
    const bad = failedAfterTheEnd(await ranks.reap(EXIT_GRACE_MS), result, killedEarly);
    if (bad) throw new RunFailure(`${ranksNamed(bad.ranks)} failed after the job ended: ${exitText(bad)}`, 1);
    failed = false;
    return { result, firstRequestAt };
  } finally {
    ended = true;
    await ranks.reap(EXIT_GRACE_MS);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    // Written whatever the run's end: a failed run's trace shows how it got there.
    trace?.finish(failed);
  }
}

export const tcpTransport: Transport = {
  name: 'tcp',
  summary: 'ranks in processes (rank groups, one per rank with --processes all) over loopback TCP',
  workersFor: (job, options) => clientProcesses(rolesOf(job, options), options).length,
  processesFor: (job, options) => rankProcesses(rolesOf(job, options), options).map(rankRanges),
  run: runOverTcp,
};
