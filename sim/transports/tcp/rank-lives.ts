/**
 * Over TCP a rank's process can die, its link can drop for good (a broken connection that
 * could not be resumed: link-resumption.ts), and a tracker can be started again. This tells
 * the three apart and keeps every rank agreeing on who is gone: a process that exited with
 * an error of its own fails the run; one killed, or whose link dropped, is lost and the
 * swarm goes on; a restarted tracker's new process comes back.
 */
import type { Roles } from '../../../ranks/roles.js';
import { RankFailure, RunFailure } from '../../run/failures.js';
import { ranksNamed } from '../rank-groups.js';
import type { RunLedger } from '../../run/ledger.js';

/** How long a dropped link waits for the launcher to say how the process ended. */
const EXIT_REPORT_WAIT_MS = 2000;

export interface RankLivesHost {
  ledger: RunLedger;
  roles: Roles;
  /** The coordinator is a harness of its own: every tracker is a process. */
  harness: boolean;
  /** A local launcher reports every rank's exit (`exited`). */
  exitsReported: boolean;
  /** The job has started: before that, any loss fails the run. */
  started: () => boolean;
  /** The run is over: nothing more counts. */
  finished: () => boolean;
  obtained: (rank: number) => number;
  killRank?: (rank: number) => void;
  restartRank?: (rank: number) => void;
  /** The only tracker keeps its state on disk: a lost tracker process is started again, to reload it. */
  trackerState?: string;
  log: (line: string) => void;
  fail: (failure: RunFailure) => void;
  /** Every other rank (and a tracker in this process) hears that `rank` is gone. */
  tellLost: (rank: number, reason: string) => void;
  /** Every live rank learns where a restarted rank now listens, and it gets the table. */
  tellBack: (rank: number, host: string, port: number) => void;
}

export class RankLives {
  /** Ranks whose connection dropped, waiting for the launcher to report their exit. */
  private readonly unconfirmed = new Map<number, NodeJS.Timeout>();
  /** Trackers restarted whose new process has not registered yet. */
  private readonly restarting = new Set<number>();

  constructor(private readonly host: RankLivesHost) {
    // A fault's kill is a SIGKILL of the rank's process: lost even after its end.
    host.ledger.carryOutFaultsWith({
      kill: (rank, reason) => {
        host.killRank?.(rank);
        this.lost(rank, reason, true, true);
      },
      restart: (rank, reason) => this.restart(rank, reason),
    });
  }

  /**
   * A rank already registered registers again: whether it is a restarted tracker's new
   * process. One started again by hand (sim rank --coordinate) may register before its old
   * process is known lost (a connection that broke waits a while to be resumed): a tracker
   * that keeps its state on disk cannot have two live processes (the old one's connection
   * is gone, or the new one's would have been refused), so the old one is lost now.
   */
  registersAgain(rank: number): boolean {
    const { roles, trackerState, restartRank } = this.host;
    const byHand = restartRank === undefined && trackerState !== undefined && roles.isTracker(rank);
    if (byHand && !this.restarting.has(rank) && this.host.started()) this.lost(rank, 'a new process of it registered');
    return this.restarting.has(rank);
  }

  /** The launcher saw a process end before the job did: one rank's, or a rank group's. */
  exited(ranks: readonly number[], killed: boolean, how: string): void {
    const { ledger, roles } = this.host;
    if (this.host.finished()) return;
    // One that ended its part, then exited with an error of its own, is named after the job.
    const live = ranks.filter((rank) => !ledger.isLost(rank) && (killed || !ledger.hasEnded(rank)));
    for (const rank of live) {
      clearTimeout(this.unconfirmed.get(rank));
      this.unconfirmed.delete(rank);
    }
    // Killed by a signal, each is lost, even after its end; an error exit of its own is a
    // failure, of the group as a whole when it hosted several (which of them failed, it did not say).
    if (killed || live.every((rank) => roles.isTracker(rank))) for (const rank of live) this.lost(rank, how, killed);
    else if (live.length === 1) this.host.fail(new RankFailure(live[0], how));
    else if (live.length > 1) this.host.fail(new RunFailure(`${ranksNamed(live)} failed: ${how}`, 1));
  }

  /** A connection to a rank dropped, here or at another rank. */
  connectionLost(rank: number, reason: string): void {
    if (!this.host.exitsReported || this.host.roles.isTracker(rank)) {
      this.lost(rank, reason);
      return;
    }
    if (this.unconfirmed.has(rank) || this.host.ledger.isLost(rank)) return;
    // The process may still run (a link between two hosts broke beyond resuming): it is
    // stopped, so that every rank agrees it is gone.
    const timer = setTimeout(() => {
      this.unconfirmed.delete(rank);
      this.host.killRank?.(rank);
      this.lost(rank, reason, true);
    }, EXIT_REPORT_WAIT_MS);
    this.unconfirmed.set(rank, timer.unref());
  }

  /**
   * A rank is gone. Before the job starts, or if it was the only tracker, the run ends;
   * otherwise every other rank is told, and the swarm goes on without it. A rank that
   * already reported its end is lost only if it was `killed` (a fault, or a signal): its
   * process is gone all the same, with its counters and outputs intact. A tracker that keeps
   * its state on disk is started again at once, unless a fault (`byFault`) saw to it.
   */
  lost(rank: number, reason: string, killed = false, byFault = false): void {
    const { ledger, roles } = this.host;
    if (ledger.isLost(rank) || this.host.finished()) return;
    if (ledger.hasEnded(rank) && !killed) return;
    if (!this.host.started() || (roles.isTracker(rank) && !this.host.harness)) {
      this.host.fail(new RankFailure(rank, reason));
      return;
    }
    this.host.log(`lost ${roles.describe(rank)}: ${reason}`);
    ledger.rankLost(rank, { obtained: this.host.obtained(rank), reason });
    this.host.tellLost(rank, reason);
    if (roles.isTracker(rank) && this.host.trackerState !== undefined && !byFault) {
      // Under sim run the coordinator starts it; started by hand (sim rank --coordinate), somebody must.
      this.host.log(
        this.host.restartRank
          ? `starting ${roles.describe(rank)} again, from ${this.host.trackerState}`
          : `waiting for ${roles.describe(rank)} to be started again (its sim rank command, with --tracker-state ${this.host.trackerState})`,
      );
      this.host.restartRank?.(rank);
      this.restarting.add(rank);
    }
  }

  /** `restart:`: the tracker's process is killed if it runs, and a new one started that catches up. */
  restart(rank: number, reason: string): void {
    const { ledger } = this.host;
    if (ledger.hasEnded(rank) && !ledger.isLost(rank)) return; // it already ended the job
    this.host.restartRank?.(rank);
    this.lost(rank, reason, false, true);
    if (ledger.isLost(rank)) this.restarting.add(rank);
  }

  /** A restarted tracker's new process registered. */
  rejoin(rank: number, host: string, port: number): void {
    this.restarting.delete(rank);
    this.host.ledger.rankBack(rank);
    this.host.tellBack(rank, host, port);
    this.host.log(`${this.host.roles.describe(rank)} is back, restarted`);
  }

  /** Tracker `from` ended the job and told `follower`: a tracker restarted since, and not told, would wait for ever. */
  jobEndedBy(from: number, follower: number | null): void {
    const other = this.host.roles.peerTracker(from);
    if (other === undefined || other === follower) return;
    if (this.restarting.has(other) || !this.host.ledger.isSettled(other)) this.stopLate(other);
  }

  /** A tracker restarted as the job ended, whose new process has not even registered. */
  stopLateComers(): void {
    for (const rank of [...this.restarting]) this.stopLate(rank);
  }

  stop(): void {
    for (const timer of this.unconfirmed.values()) clearTimeout(timer);
  }

  /** A restarted tracker the serving one ended the job without: nothing will ever reach it. */
  private stopLate(rank: number): void {
    if (this.restarting.delete(rank)) this.host.killRank?.(rank);
    this.host.ledger.trackerStopped(rank);
  }
}
