/**
 * The coordinator over TCP: listens at the coordinator address, takes every rank's
 * registration (its listener and its parsed input), checks the job as a whole, hands out
 * the address table. Ranks send their outputs, progress and final counters here, so the
 * coordinator alone can write, check and report the whole run.
 *
 * With one tracker the coordinator is rank 0 and runs the tracker too. With a standby
 * tracker it is a harness of its own (network identity `size`, after every rank), so that
 * killing the primary tracker's process kills only the tracker. A rank lost once the job
 * runs (its process killed, its connection gone) is survived: every other rank hears of it
 * and the swarm goes on without it. A rank that fails (throws, sends garbage, exits with an
 * error code) aborts every other rank with the reason.
 */
import { join } from 'node:path';
import type { Pipeline } from '../../../ranks/download.js';
import type { SwarmPayloads } from '../../../ranks/protocol.js';
import type { StrategyName } from '../../../ranks/strategies/index.js';
import { Roles } from '../../../ranks/roles.js';
import type { TimedFault } from '../../faults/plan.js';
import { FaultSchedule } from '../../faults/schedule.js';
import { Tracker } from '../../../ranks/tracker.js';
import { RankFailure, RunFailure, StallFailure } from '../../run/failures.js';
import { writeAtomically } from '../../job/files.js';
import { InputError, validateJob, type Job, type ParsedClient } from '../../job/inputs.js';
import { MailboxComm } from '../../comm/local-comm.js';
import {
  clientCounters,
  lostClientCounters,
  SwarmGrowth,
  trackerCounters,
  type RankResult,
  type RunResult,
  type TrackerSummary,
} from '../../run/result.js';
import { trackerSummary } from '../../run/tracker-tables.js';
import { now, secondsSince, type Samples } from '../../run/timeline.js';
import { startWatchdog } from '../../run/watchdog.js';
import { describeWait, withTimeout } from '../rank-status.js';
import type { ThreadFault } from '../threads/protocol.js';
import type { LiveRun } from '../threads/transport.js';
import { parseClientControl, type ClientControl, type CoordinatorControl } from './control.js';
import { TcpNetwork } from './network.js';

export interface CoordinatorOptions {
  size: number;
  key: Buffer;
  /** Where rank 0 listens: the coordinator address. */
  host: string;
  port: number;
  /** Named in messages and the report; rank 0 reads nothing from it. */
  inputDir: string;
  outDir: string;
  strategy: StrategyName;
  pipeline: Pipeline;
  stallTimeoutMs: number;
  registrationTimeoutMs: number;
  faults?: ReadonlyMap<number, ThreadFault>;
  /** 2: a standby tracker, and this coordinator as a harness of its own, not rank 0. */
  trackers?: 1 | 2;
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
  log: (line: string) => void;
  /** Called once rank 0 listens, with its port (for launchers that start the clients). */
  onListening?: (port: number) => void;
  onStart?: (run: LiveRun) => void;
}

export interface CoordinatedRun {
  job: Job;
  result: RunResult;
}

interface Registration {
  host: string;
  port: number;
  files: ParsedClient;
}

const STATUS_WAIT_MS = 1000;
const LIVELOCK_FACTOR = 6;
/** How long aborting clients are given to read the abort before their connections are cut. */
const ABORT_GRACE_MS = 300;
/** How often clients report progress; while a fault waits for a segment count, how often then. */
const PROGRESS_MS = 200;
const FAULT_PROGRESS_MS = 2;
/** How long a dropped connection waits for the launcher to say how the process ended. */
const EXIT_REPORT_WAIT_MS = 2000;

export class TcpCoordinator {
  private readonly comm: MailboxComm<SwarmPayloads>;
  private readonly network: TcpNetwork;
  private readonly registered = new Map<number, Registration>();
  private readonly outputParts = new Map<string, string[]>();
  private readonly writes: Promise<void>[] = [];
  private readonly written: string[] = [];
  private readonly counters: RankResult[];
  private readonly timelines: Samples[];
  private readonly delivered: number[];
  private readonly obtained: number[];
  private readonly statusWaiters = new Map<number, (status: Extract<ClientControl, { type: 'status' }>) => void>();
  private clientsDone = 0;
  private readonly roles: Roles;
  /** This coordinator's network identity: 0, or `size` when it is a harness of its own. */
  private readonly self: number;
  /** Tracker processes ended (their table) or lost, in harness mode. */
  private readonly trackerTables = new Map<number, TrackerSummary>();
  private readonly lostRanks = new Set<number>();
  /** Ranks whose connection dropped, waiting for the launcher to report their exit. */
  private readonly unconfirmed = new Map<number, NodeJS.Timeout>();
  private started = false;
  /** Every rank's listener, as handed out; a restarted tracker's is replaced when it registers. */
  private addresses: [string, number][] = [];
  /** Trackers restarted whose new process has not registered yet. */
  private readonly restarting = new Set<number>();
  /** The tracker this coordinator runs as rank 0; none when it is a harness of its own. */
  private tracker: Tracker | undefined;
  private readonly schedule: FaultSchedule;
  /** When the tables went out: the clock of `time=` faults. */
  private epochMs = now();
  private finished = false;
  /** Set when a client found every tracker lost. */
  private noTracker: string | undefined;
  private failure: RunFailure | InputError | undefined;
  private onFailure: (failure: RunFailure | InputError) => void = () => undefined;
  private onRegistered: () => void = () => undefined;
  private onAllDone: () => void = () => undefined;
  private registrationTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    const size = options.size;
    this.roles = new Roles(size, options.trackers ?? 1);
    this.self = this.harness ? size : 0;
    this.counters = new Array<RankResult>(size);
    this.timelines = Array.from({ length: this.roles.clients }, () => []);
    this.delivered = new Array<number>(size).fill(0);
    this.obtained = new Array<number>(size).fill(0);
    this.comm = new MailboxComm<SwarmPayloads>(0, size, (dest, tag, payload) => this.network.post(dest, tag, payload));
    this.network = new TcpNetwork(this.self, this.harness ? size + 1 : size, options.key, this.comm.mailbox, {
      control: (from, body) => this.control(from, body),
      lost: (peer, reason) => this.connectionLost(peer, `${reason} (its process died or its host became unreachable)`),
      log: options.log,
    });
    this.schedule = new FaultSchedule(
      options.timedFaults ?? [],
      (fault) => {
        const reason = `killed by --fault ${fault.spec} at ${secondsSince(this.epochMs).toFixed(3)} s`;
        if (fault.action === 'restart') return this.restart(fault.rank, reason);
        options.killRank?.(fault.rank);
        this.rankLost(fault.rank, reason, true);
      },
      () => secondsSince(this.epochMs),
    );
  }

  private get harness(): boolean {
    return this.options.trackers === 2;
  }

  /** How messages name this coordinator. */
  private get name(): string {
    return this.harness ? 'the coordinator' : 'rank 0';
  }

  /** The launcher saw a rank's process end before the job did. */
  rankExited(rank: number, killed: boolean, how: string): void {
    if (this.lostRanks.has(rank) || this.finished) return;
    // One that ended its part, then exited with an error of its own, is named after the job.
    if (this.counters[rank] !== undefined && !killed) return;
    clearTimeout(this.unconfirmed.get(rank));
    this.unconfirmed.delete(rank);
    // Killed by a signal, it is lost, even after its end; an error exit of its own is a failure.
    if (killed || this.roles.isTracker(rank)) this.rankLost(rank, how, killed);
    else this.fail(new RankFailure(rank, how));
  }

  /** A connection to a rank dropped, here or at another rank. */
  private connectionLost(rank: number, reason: string): void {
    if (!this.options.exitsReported || this.roles.isTracker(rank)) {
      this.rankLost(rank, reason);
      return;
    }
    if (this.unconfirmed.has(rank) || this.lostRanks.has(rank)) return;
    // The process may still run (a link between two hosts broke): it is stopped, so that
    // every rank agrees it is gone.
    const timer = setTimeout(() => {
      this.unconfirmed.delete(rank);
      this.options.killRank?.(rank);
      this.rankLost(rank, reason, true);
    }, EXIT_REPORT_WAIT_MS);
    this.unconfirmed.set(rank, timer.unref());
  }

  /**
   * A rank is gone. Before the job starts, or if it was the only tracker, the run ends;
   * otherwise every other rank is told, and the swarm goes on without it. A rank that
   * already reported its end is lost only if it was `killed` (a fault, or a signal): its
   * process is gone all the same, with its counters and outputs intact.
   */
  private rankLost(rank: number, reason: string, killed = false): void {
    if (this.lostRanks.has(rank) || this.finished) return;
    const ended = this.counters[rank] !== undefined;
    if (ended && !killed) return;
    if (!this.started || (this.roles.isTracker(rank) && !this.harness)) {
      this.fail(new RankFailure(rank, reason));
      return;
    }
    this.lostRanks.add(rank);
    this.options.log(`lost ${this.roles.describe(rank)}: ${reason}`);
    // An ended rank's counters, and a tracker's final table, stand.
    if (!ended) this.countLost(rank);
    if (!this.harness) this.comm.rankLost(rank, reason);
    for (const other of this.registered.keys()) {
      if (other !== rank) this.network.control(other, { type: 'rank-lost', rank, reason } satisfies CoordinatorControl);
    }
    this.checkAllDone();
  }

  /** What a rank lost before its end leaves: a tracker no table, a client what it had obtained. */
  private countLost(rank: number): void {
    if (this.roles.isTracker(rank)) {
      this.trackerTables.set(rank, { rank, role: rank === 0 ? 'primary' : 'standby', served: false, lost: true, swarms: [] });
      this.counters[rank] = trackerCounters(0, 0, rank);
    } else {
      this.counters[rank] = lostClientCounters(rank, this.obtained[rank]);
      this.clientsDone++;
    }
  }

  /** `restart:`: the tracker's process is killed if it runs, and a new one started that catches up. */
  private restart(rank: number, reason: string): void {
    if (this.trackerTables.get(rank)?.lost === false) return; // it already ended the job
    this.options.restartRank?.(rank);
    this.rankLost(rank, reason);
    if (this.lostRanks.has(rank)) this.restarting.add(rank);
  }

  /** A restarted tracker's new process registered: every rank learns where it is, and it gets the table. */
  private rejoin(rank: number, host: string, port: number): void {
    this.restarting.delete(rank);
    this.lostRanks.delete(rank);
    this.trackerTables.delete(rank);
    delete this.counters[rank];
    this.addresses[rank] = [host, port];
    this.network.moved(rank, host, port);
    for (const other of this.registered.keys()) {
      if (other !== rank && !this.lostRanks.has(other)) {
        this.network.control(other, { type: 'rank-back', rank, host, port } satisfies CoordinatorControl);
      }
    }
    this.network.control(rank, this.table(rank, true));
    this.options.log(`${this.roles.describe(rank)} is back, restarted`);
  }

  /** Tracker `from` ended the job and told `follower`: a tracker restarted since, and not told, would wait for ever. */
  private jobEndedBy(from: number, follower: number | null): void {
    const other = this.roles.peerTracker(from);
    if (other === undefined || other === follower) return;
    if (this.restarting.has(other) || !this.trackerTables.has(other)) this.stopLate(other);
  }

  /** A restarted tracker the serving one ended the job without: nothing will ever reach it. */
  private stopLate(rank: number): void {
    if (this.restarting.delete(rank)) this.options.killRank?.(rank);
    this.lostRanks.delete(rank);
    this.counters[rank] = trackerCounters(0, 0, rank);
    this.trackerTables.set(rank, { rank, role: rank === 0 ? 'primary' : 'standby', served: false, lost: false, stopped: true, swarms: [] });
  }

  private checkAllDone(): void {
    if (this.clientsDone < this.roles.clients) return;
    if (this.harness && this.trackerTables.size < 2) return;
    this.onAllDone();
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
          `${this.name} cannot listen there (${error.code ?? error.message})`,
        );
      });
      this.options.onListening?.(port);
      await Promise.race([this.allRegistered(), failed]);
      const job = this.checkedJob();
      const growth = new SwarmGrowth(() => secondsSince(this.epochMs));
      // A harness of its own runs no tracker: the tracker ranks are processes like the clients.
      const tracker = this.harness ? undefined : new Tracker(this.comm, { roles: this.roles, observe: growth.observe });
      this.tracker = tracker;
      this.sendTables(port);
      this.started = true;
      this.options.onStart?.({ progress: () => this.obtained.slice(1, this.roles.clients + 1) });
      const stopFaults = this.startFaultTimers();
      const stopStallWatch = this.startWatchdogs();
      stopWatchdogs = () => {
        stopFaults();
        stopStallWatch();
      };
      const done = new Promise<void>((resolve) => (this.onAllDone = resolve));
      const trackerRun = tracker?.run().catch((error: unknown) => {
        const reason = error instanceof Error ? error : new Error(String(error));
        throw new RankFailure(0, reason.message, reason.stack);
      });
      await Promise.race([Promise.all([trackerRun, done]), failed]);
      await Promise.race([Promise.all(this.writes), failed]);
      // A tracker restarted as the job ended, whose new process has not even registered.
      for (const rank of [...this.restarting]) this.stopLate(rank);
      this.finished = true;
      if (tracker) {
        this.counters[0] = trackerCounters(this.comm.messagesIn, this.comm.messagesOut);
        this.trackerTables.set(0, trackerSummary(0, tracker, false));
      }
      for (const rank of this.registered.keys()) this.network.control(rank, { type: 'finish' } satisfies CoordinatorControl);
      this.network.close();
      const trackers = [...this.trackerTables.values()].sort((a, b) => a.rank - b.rank);
      const serving = trackers.find((table) => table.served && !table.lost) ?? trackers[0];
      const result: RunResult = {
        ranks: this.counters,
        swarms: serving.swarms,
        outputs: this.written.sort(),
        progress: this.timelines,
        swarmGrowth: growth.series(),
        trackers,
        ...(this.harness || this.lostRanks.size > 0 || (this.options.timedFaults ?? []).length > 0
          ? { faults: this.schedule.outcome(this.lostRanks, this.noTracker) }
          : {}),
      };
      return { job, result };
    } catch (error) {
      if (error instanceof RunFailure || error instanceof InputError) this.abortAll(error);
      else this.network.destroy();
      throw error;
    } finally {
      clearTimeout(this.registrationTimer);
      for (const timer of this.unconfirmed.values()) clearTimeout(timer);
      stopWatchdogs();
    }
  }

  private abortAll(failure: RunFailure | InputError): void {
    this.finished = true;
    const code = failure instanceof InputError ? 2 : 1;
    for (const rank of this.registered.keys()) {
      this.network.control(rank, { type: 'abort', message: failure.message, code } satisfies CoordinatorControl);
    }
    this.network.flushAll();
    setTimeout(() => this.network.destroy(), ABORT_GRACE_MS).unref();
    this.network.close();
  }

  private allRegistered(): Promise<void> {
    const { size, registrationTimeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      this.registrationTimer = setTimeout(() => {
        const missing = [];
        for (let rank = this.firstRank; rank < size; rank++) if (!this.registered.has(rank)) missing.push(rank);
        reject(
          new RunFailure(
            `rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not register with ${this.name} within ${registrationTimeoutMs / 1000} s` +
              ` (${this.name} listens at ${this.options.host}:${this.options.port}; check --coordinator, the job key and the launcher)`,
            1,
          ),
        );
      }, registrationTimeoutMs);
      this.onRegistered = () => {
        if (this.registered.size < size - this.firstRank) return;
        clearTimeout(this.registrationTimer);
        resolve();
      };
    });
  }

  /** The first rank that registers: 1 when this coordinator is rank 0, else 0. */
  private get firstRank(): number {
    return this.harness ? 0 : 1;
  }

  private checkedJob(): Job {
    const clients = this.roles.clientRanks().map((rank) => (this.registered.get(rank) as Registration).files);
    return validateJob(this.options.inputDir, clients);
  }

  private sendTables(port: number): void {
    const addresses: [string, number][] = [];
    for (let rank = 0; rank < this.options.size; rank++) {
      const registration = this.registered.get(rank);
      addresses.push(registration ? [registration.host, registration.port] : [this.options.host, port]);
    }
    // The harness is reached at the coordinator address, after every rank.
    if (this.harness) addresses.push([this.options.host, port]);
    this.network.setAddresses(addresses);
    this.addresses = addresses;
    for (const rank of this.registered.keys()) this.network.control(rank, this.table(rank, false));
  }

  private table(rank: number, restarted: boolean): CoordinatorControl {
    const countedFaults = (this.options.timedFaults ?? []).some((fault) => fault.at.kind === 'segments');
    return {
      type: 'table',
      addresses: this.addresses,
      strategy: this.options.strategy,
      pipeline: this.options.pipeline,
      fault: this.options.faults?.get(rank) ?? null,
      trackers: this.roles.trackers,
      progressMs: countedFaults ? FAULT_PROGRESS_MS : PROGRESS_MS,
      lost: [...this.lostRanks].sort((a, b) => a - b),
      restarted,
    };
  }

  /** `time=` faults, counted from when the tables went out. */
  private startFaultTimers(): () => void {
    this.epochMs = now();
    const timers = (this.options.timedFaults ?? []).flatMap((fault) =>
      fault.at.kind === 'time' ? [setTimeout(() => this.schedule.time(secondsSince(this.epochMs)), fault.at.seconds * 1000)] : [],
    );
    return () => timers.forEach(clearTimeout);
  }

  private startWatchdogs(): () => void {
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
    const moved = (): number => this.network.delivered + sum(this.delivered);
    const progressed = (): number => sum(this.obtained) + this.clientsDone;
    const stalled = (timeoutMs: number, what?: string) => (): void => {
      this.describeRanks().then(
        (lines) => this.fail(new StallFailure(timeoutMs, lines, what)),
        () => this.fail(new StallFailure(timeoutMs, ['(the ranks could not be asked)'], what)),
      );
    };
    const { stallTimeoutMs } = this.options;
    const stopSilence = startWatchdog(stallTimeoutMs, moved, stalled(stallTimeoutMs));
    const livelockMs = LIVELOCK_FACTOR * stallTimeoutMs;
    const stopLivelock = startWatchdog(livelockMs, progressed, stalled(livelockMs, 'messages moved but no segment was obtained'));
    return () => {
      stopSilence();
      stopLivelock();
    };
  }

  private async describeRanks(): Promise<string[]> {
    const { mailbox } = this.comm;
    const lines = this.tracker ? [`rank 0 (tracker): ${describeWait(mailbox.waiting(), mailbox.queued)}; ${this.tracker.describe()}`] : [];
    const asked = [];
    for (let rank = this.firstRank; rank < this.options.size; rank++) {
      if (this.lostRanks.has(rank)) {
        asked.push(Promise.resolve(`${this.roles.describe(rank)}: lost`));
        continue;
      }
      if (this.counters[rank]) {
        asked.push(Promise.resolve(`${this.roles.describe(rank)}: done; serving until TERMINATE`));
        continue;
      }
      const answer = new Promise<Extract<ClientControl, { type: 'status' }>>((resolve) => this.statusWaiters.set(rank, resolve));
      this.network.control(rank, { type: 'describe' } satisfies CoordinatorControl);
      asked.push(
        withTimeout(answer, STATUS_WAIT_MS).then((status) =>
          status
            ? `rank ${rank}: ${describeWait(status.waiting, status.queued)}; ${status.detail}`
            : `rank ${rank}: did not answer within ${STATUS_WAIT_MS} ms (busy or blocked)`,
        ),
      );
    }
    return [...lines, ...(await Promise.all(asked))];
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
        this.register(from, message);
        break;
      case 'failed':
        this.fail(
          message.code === 2 ? new InputError(`rank ${from}`, message.message) : new RankFailure(from, message.message, message.stack),
        );
        break;
      case 'lost':
        this.connectionLost(message.peer, `rank ${from} lost its connection to it: ${message.reason}`);
        break;
      case 'progress':
        this.delivered[from] = message.delivered;
        this.obtained[from] = message.obtained;
        if (!this.schedule.idle && !this.finished) this.schedule.segments(this.obtained.reduce((a, b) => a + b, 0));
        break;
      case 'output':
        this.output(from, message);
        break;
      case 'stranded':
        this.noTracker ??= `rank ${from} ${message.reason}`;
        this.clientDone(from, message);
        break;
      case 'done':
        this.clientDone(from, message);
        break;
      case 'tracker-done':
        if (!this.roles.isTracker(from) || this.counters[from]) break;
        this.counters[from] = trackerCounters(message.messagesIn, message.messagesOut, from);
        this.trackerTables.set(from, {
          rank: from,
          role: from === 0 ? 'primary' : 'standby',
          served: message.served,
          lost: false,
          swarms: message.swarms,
        });
        if (message.served) this.jobEndedBy(from, message.follower);
        this.checkAllDone();
        break;
      case 'status':
        this.statusWaiters.get(from)?.(message);
        this.statusWaiters.delete(from);
        break;
    }
  }

  /** A client finished, or did all it could without a tracker. */
  private clientDone(from: number, message: Extract<ClientControl, { type: 'done' | 'stranded' }>): void {
    if (this.counters[from]) return;
    this.counters[from] = clientCounters(from, message.report, message.messagesIn, message.messagesOut);
    this.timelines[from - 1] = message.timeline;
    this.obtained[from] = message.report.downloaded;
    this.clientsDone++;
    this.checkAllDone();
  }

  private register(from: number, message: Extract<ClientControl, { type: 'register' }>): void {
    const { size } = this.options;
    if (message.size !== size) {
      this.fail(
        new InputError(
          `rank ${from}`,
          `was started for a ${message.size}-rank job, but ${this.name} for a ${size}-rank job (check -np and --size)`,
        ),
      );
      return;
    }
    const earlier = this.registered.get(from);
    if (earlier && this.restarting.has(from)) {
      this.rejoin(from, message.host, message.port);
      return;
    }
    if (earlier) {
      this.fail(
        new InputError(
          `rank ${from}`,
          `two processes claim this rank (listening at ${earlier.host}:${earlier.port} and ${message.host}:${message.port})`,
        ),
      );
      return;
    }
    this.registered.set(from, { host: message.host, port: message.port, files: message.files });
    this.onRegistered();
  }

  private output(from: number, message: Extract<ClientControl, { type: 'output' }>): void {
    if (!message.name.startsWith(`client${from}_`)) {
      this.fail(new RankFailure(from, `sent an output named ${message.name}, which is not one of its own`));
      return;
    }
    const parts = this.outputParts.get(message.name) ?? [];
    parts.push(message.text);
    if (!message.last) {
      this.outputParts.set(message.name, parts);
      return;
    }
    this.outputParts.delete(message.name);
    this.written.push(message.name);
    this.schedule.fileDone(from, message.name.slice(`client${from}_`.length));
    const write = writeAtomically(join(this.options.outDir, message.name), parts.join(''));
    write.catch((error: unknown) => this.fail(new RankFailure(0, `cannot write ${message.name}: ${(error as Error).message}`)));
    this.writes.push(write);
  }
}
