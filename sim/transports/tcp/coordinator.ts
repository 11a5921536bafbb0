/**
 * The coordinator over TCP: takes every rank's registration (its listener and parsed
 * input), checks the job as a whole, hands out the address table; ranks send it their
 * outputs, progress and final counters, so it alone writes, checks and reports the run.
 *
 * With one tracker it is rank 0 and runs the tracker too; with a standby or --tracker-state
 * it is a harness of its own (network identity `size`, after every rank), so that a
 * tracker's process can die alone. A rank lost once the job runs is survived: every other
 * rank hears of it and the swarm goes on. A rank that fails (throws, sends garbage, exits
 * with an error code) aborts every other rank with the reason.
 */
import type { SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { InputError, RankFailure, RunFailure } from '../../run/failures.js';
import { MailboxComm } from '../../comm/local-comm.js';
import { emptyPlan } from '../../faults/plan.js';
import { TrackerHost } from '../../rank-host/rank-host.js';
import { RunLedger, trackerEndOf } from '../../run/ledger.js';
import { recordEnd, type EndReport } from '../../run/rank-ends.js';
import { SwarmGrowth } from '../../run/result.js';
import { now, secondsSince } from '../../run/timeline.js';
import { armTimeFaults, watchForStalls } from '../../run/watchdog.js';
import { describeWait } from '../rank-status.js';
import { parseClientControl, type ClientControl, type CoordinatorControl } from './control.js';
import { sendHeartbeats } from './heartbeat.js';
import { coordinatorName } from './client-setup.js';
import { LinkKeys } from './link-keys.js';
import { TcpNetwork } from './network.js';
import { droppedConnection } from './network-events.js';
import { Registrations } from './registrations.js';
import type { ListsTable } from './job-lists.js';
import { RankLives } from './rank-lives.js';
import { RankProgress } from './rank-progress.js';
import { OutputAssembly } from './output-assembly.js';
import { describeProcesses, StatusRequests } from './status-requests.js';
import { jobTable } from './job-table.js';
import { coordinatorApart, type CoordinatedRun, type CoordinatorOptions } from './coordinator-options.js';

/** Milliseconds aborting clients are given to read the abort before their connections are cut. */
const ABORT_GRACE_MS = 300;

export class TcpCoordinator {
  private readonly comm: MailboxComm<SwarmPayloads>;
  private readonly network: TcpNetwork;
  private readonly registered: Registrations;
  /** Every rank's end, loss and return: the ledger alone turns them into the result. */
  private readonly ledger: RunLedger;
  private readonly progress: RankProgress;
  private readonly statuses = new StatusRequests((rank) => this.network.control(rank, { type: 'describe' } satisfies CoordinatorControl));
  private readonly outputs: OutputAssembly;
  private readonly roles: Roles;
  private readonly lives: RankLives;
  private readonly listsTable = (): ListsTable => this.registered.listsTable(this.options.lists?.digest ?? null);
  private started = false;
  /** Every rank's listener, as handed out; a restarted tracker's is replaced when it registers. */
  private addresses: [string, number][] = [];
  /** The tracker this coordinator runs as rank 0; none when it is a harness of its own. */
  private tracker: TrackerHost | undefined;
  /** When the tables went out: the clock of `time=` faults. */
  private epochMs = now();
  private finished = false;
  private failure: RunFailure | InputError | undefined;
  private onFailure: (failure: RunFailure | InputError) => void = () => undefined;

  constructor(private readonly options: CoordinatorOptions) {
    const size = options.size;
    this.roles = new Roles(size, options.trackers ?? 1);
    this.registered = new Registrations({
      size,
      firstRank: this.firstRank,
      name: coordinatorName(this.harness ? size : 0),
      address: `${options.host}:${options.port}`,
      timeoutMs: options.registrationTimeoutMs,
    });
    const plan = { ...emptyPlan(), timed: [...(options.timedFaults ?? [])], simple: new Map(options.faults ?? []) };
    this.ledger = new RunLedger(this.roles, plan, () => secondsSince(this.epochMs));
    this.lives = new RankLives({
      ...options,
      ledger: this.ledger,
      roles: this.roles,
      harness: this.harness,
      exitsReported: options.exitsReported ?? false,
      started: () => this.started,
      finished: () => this.finished,
      obtained: (rank) => this.progress.obtainedBy(rank),
      fail: (failure) => this.fail(failure),
      tellLost: (rank, reason) => this.tellLost(rank, reason),
      tellBack: (rank, host, port) => this.tellBack(rank, host, port),
    });
    this.outputs = new OutputAssembly(
      options.outDir,
      (rank, name, file) => {
        this.ledger.outputWritten(name);
        this.ledger.faults.fileDone(rank, file);
      },
      (failure) => this.fail(failure),
      options.sharedOut,
    );
    this.progress = new RankProgress(size);
    this.comm = new MailboxComm<SwarmPayloads>(0, size, (dest, tag, payload) => this.network.post(dest, tag, payload));
    // A harness of its own is the network's rank `size`, after every rank.
    const keys = LinkKeys.issued(options.key, this.harness ? size : 0);
    this.network = new TcpNetwork(this.harness ? size : 0, this.harness ? size + 1 : size, keys, this.comm.mailbox, {
      control: (from, body) => this.control(from, body),
      lost: (peer, reason, tampered) => this.lives.connectionLost(peer, droppedConnection(reason, tampered)),
      log: options.log,
      connectTimeoutMs: options.registrationTimeoutMs,
      certificates: options.certificates,
      neighbours: options.neighbours,
      lists: options.lists,
    });
  }

  private get harness(): boolean {
    return coordinatorApart(this.options.trackers, this.options.trackerState);
  }

  /** The launcher saw a rank's process end before the job did. */
  rankExited(ranks: readonly number[], killed: boolean, how: string): void {
    this.lives.exited(ranks, killed, how);
  }

  private tellLost(rank: number, reason: string): void {
    if (!this.harness) this.comm.rankLost(rank, reason);
    for (const other of this.registered.ranks()) {
      if (other !== rank) this.network.control(other, { type: 'rank-lost', rank, reason } satisfies CoordinatorControl);
    }
  }

  private tellBack(rank: number, host: string, port: number): void {
    this.addresses[rank] = [host, port];
    const holdsLists = this.listsTable().ranks.includes(rank);
    this.network.moved(rank, host, port, holdsLists);
    for (const other of this.registered.ranks()) {
      if (other !== rank && !this.ledger.isLost(other)) {
        this.network.control(other, { type: 'rank-back', rank, host, port, holdsLists } satisfies CoordinatorControl);
      }
    }
    this.network.control(rank, this.table(rank, true));
  }

  /** Ends the run with this failure (e.g. a launcher saw a rank's process exit). */
  fail(failure: RunFailure | InputError): void {
    if (this.finished || this.failure) return;
    this.failure = failure;
    this.onFailure(failure);
  }

  async run(): Promise<CoordinatedRun> {
    const failed = new Promise<never>((_, reject) => (this.onFailure = reject));
    failed.catch(() => undefined);
    let stopWatchdogs = (): void => undefined;
    try {
      const port = await this.network.listen(this.options.host, this.options.port).catch((error: NodeJS.ErrnoException) => {
        throw new InputError(
          `${this.options.host}:${this.options.port}`,
          `${coordinatorName(this.harness ? this.options.size : 0)} cannot listen there (${error.code ?? error.message})`,
        );
      });
      this.options.onListening?.(port);
      await Promise.race([this.registered.all(), failed]);
      const job = this.registered.job(this.options.inputDir, this.roles.clientRanks());
      await Promise.race([this.outputs.expect(job), failed]);
      const growth = new SwarmGrowth(() => secondsSince(this.epochMs));
      // A harness of its own runs no tracker: the tracker ranks are processes like the clients.
      const tracker = this.harness
        ? undefined
        : new TrackerHost({ comm: this.comm, roles: this.roles, start: 'primary', observe: growth.observe, trace: this.options.traced });
      this.tracker = tracker;
      this.sendTables(port);
      this.started = true;
      this.options.onStart?.({ progress: () => this.progress.obtainedOf(1, this.roles.clients + 1) });
      // `time=` faults count from when the tables went out.
      this.epochMs = now();
      const stopFaults = armTimeFaults(this.ledger.faults, this.options.timedFaults ?? [], () => secondsSince(this.epochMs));
      const stopStallWatch = this.startWatchdogs();
      const stopHeartbeats = sendHeartbeats(
        () => this.registered.ranks(),
        (rank, message) => this.network.control(rank, message),
      );
      stopWatchdogs = () => [stopFaults, stopStallWatch, stopHeartbeats].forEach((stop) => stop());
      // The tracker in this process ends its part with its run; its table is read at the end.
      void tracker?.run().then((end) => {
        if (end.type === 'failed') this.fail(new RankFailure(0, end.message, end.stack));
        else this.ledger.rankFinished(0);
      });
      await Promise.race([this.ledger.settled, failed]);
      await Promise.race([Promise.all(this.outputs.writes), failed]);
      // A tracker restarted as the job ended, whose new process has not even registered.
      this.lives.stopLateComers();
      this.finished = true;
      if (tracker) this.ledger.trackerEnded(0, trackerEndOf(tracker.tracker, 0, this.comm.messagesIn, this.comm.messagesOut));
      for (const rank of this.registered.ranks()) this.network.control(rank, { type: 'finish' } satisfies CoordinatorControl);
      this.network.close();
      const result = this.ledger.result({ swarmGrowth: growth.series(), swarmSize: growth.clients() });
      return { job, result, firstRequestAt: this.progress.firstRequestAt };
    } catch (error) {
      if (error instanceof RunFailure || error instanceof InputError) this.abortAll(error);
      else this.network.destroy();
      throw error;
    } finally {
      this.registered.stop();
      this.lives.stop();
      stopWatchdogs();
    }
  }

  private abortAll(failure: RunFailure | InputError): void {
    this.finished = true;
    const code = failure instanceof InputError ? 2 : 1;
    const abort: CoordinatorControl = { type: 'abort', message: failure.message, code };
    for (const rank of this.registered.ranks()) this.network.control(rank, abort);
    setTimeout(() => this.network.destroy(), ABORT_GRACE_MS).unref();
    this.network.close();
  }

  /** The first rank that registers: 1 when this coordinator is rank 0, else 0. */
  private get firstRank(): 0 | 1 {
    return this.harness ? 0 : 1;
  }
  private sendTables(port: number): void {
    this.addresses = this.registered.addressTable([this.options.host, port], this.harness);
    const lists = this.listsTable();
    this.network.setTable(this.addresses, undefined, lists);
    for (const rank of this.registered.ranks()) this.network.control(rank, this.table(rank, false, lists));
  }

  private table(rank: number, restarted: boolean, lists = this.listsTable()): CoordinatorControl {
    const { addresses, ledger, roles } = this;
    const peerKeys = this.network.keys.rowFor(rank, addresses.length);
    const settings = { ...this.options, addresses, peerKeys, lost: ledger.lostRanks, trackers: roles.trackers, lists };
    return jobTable(settings, rank, restarted);
  }

  private startWatchdogs(): () => void {
    return watchForStalls({
      stallTimeoutMs: this.options.stallTimeoutMs,
      moved: () => this.network.delivered + this.progress.totalDelivered(),
      progressed: () => this.progress.totalObtained() + this.ledger.settledCount,
      describe: () => {
        const status = this.tracker?.status();
        const own = status ? [`rank 0 (tracker): ${describeWait(status.waiting, status.queued)}; ${status.detail}`] : [];
        return describeProcesses(own, this.firstRank, this.ledger, this.statuses);
      },
      fail: (failure) => this.fail(failure),
    });
  }

  private control(from: number, body: Buffer): void {
    const message = parseClientControl(body);
    if (typeof message === 'string') {
      this.options.log(`rank ${from} sent ${message}`);
      this.fail(new RankFailure(from, `sent ${message}`));
      return;
    }
    switch (message.type) {
      case 'register':
        return this.register(from, message);
      case 'failed':
        this.fail(
          message.code === 2 ? new InputError(`rank ${from}`, message.message) : new RankFailure(from, message.message, message.stack),
        );
        break;
      case 'lost':
        this.lives.connectionLost(message.peer, `rank ${from} lost its connection to it: ${message.reason}`);
        break;
      case 'progress':
        this.progress.take(from, message);
        if (!this.ledger.faults.idle && !this.finished) this.ledger.faults.segments(this.progress.totalObtained());
        break;
      case 'output':
      case 'written':
        return this.outputs.take(from, message);
      case 'stranded':
      case 'done':
      case 'tracker-done':
        this.rankEnded(from, message);
        break;
      case 'status':
        this.statuses.answered(from, message);
        break;
      case 'trace':
        return this.options.traced?.(message.records);
    }
  }

  private rankEnded(from: number, report: EndReport): void {
    if (this.ledger.isSettled(from)) return;
    if (report.type !== 'tracker-done') this.progress.ended(from, report.report.downloaded);
    recordEnd(this.ledger, from, report, false);
    if (report.type === 'tracker-done' && report.served) this.lives.jobEndedBy(from, report.follower);
  }

  private register(from: number, message: Extract<ClientControl, { type: 'register' }>): void {
    const taken = this.registered.take(from, message, this.lives.registersAgain(from));
    if (taken instanceof InputError) this.fail(taken);
    else if (taken === 'again') this.lives.rejoin(from, message.host, message.port);
  }
}
