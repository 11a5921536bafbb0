/**
 * Rank 0 over TCP: listens at the coordinator address, takes every client's registration
 * (its listener and its parsed input), checks the job as a whole, hands out the address
 * table, then runs the tracker. Clients send their outputs, progress and final counters
 * here, so rank 0 alone can write, check and report the whole run. Any rank lost, or any
 * failure, aborts every other rank with the reason.
 */
import { join } from 'node:path';
import type { Pipeline } from '../../../ranks/download.js';
import type { SwarmPayloads } from '../../../ranks/protocol.js';
import type { StrategyName } from '../../../ranks/strategies/index.js';
import { Roles } from '../../../ranks/roles.js';
import { Tracker } from '../../../ranks/tracker.js';
import { RankFailure, RunFailure, StallFailure } from '../../failures.js';
import { writeAtomically } from '../../files.js';
import { InputError, validateJob, type Job, type ParsedClient } from '../../inputs.js';
import { MailboxComm } from '../../local-comm.js';
import { clientCounters, summarizeSwarms, SwarmGrowth, trackerCounters, type RankResult, type RunResult } from '../../run-result.js';
import { now, secondsSince, type Samples } from '../../timeline.js';
import { startWatchdog } from '../../watchdog.js';
import { describeWait, withTimeout } from '../rank-status.js';
import type { ThreadFault } from '../thread-control.js';
import type { LiveRun } from '../threads.js';
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
  private finished = false;
  private failure: RunFailure | InputError | undefined;
  private onFailure: (failure: RunFailure | InputError) => void = () => undefined;
  private onRegistered: () => void = () => undefined;
  private onAllDone: () => void = () => undefined;
  private registrationTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    const size = options.size;
    this.counters = new Array<RankResult>(size);
    this.timelines = Array.from({ length: size - 1 }, () => []);
    this.delivered = new Array<number>(size).fill(0);
    this.obtained = new Array<number>(size).fill(0);
    this.comm = new MailboxComm<SwarmPayloads>(0, size, (dest, tag, payload) => this.network.post(dest, tag, payload));
    this.network = new TcpNetwork(0, size, options.key, this.comm.mailbox, {
      control: (from, body) => this.control(from, body),
      lost: (peer, reason) => {
        if (this.counters[peer] === undefined)
          this.fail(new RankFailure(peer, `${reason} (its process died or its host became unreachable)`));
      },
      log: options.log,
    });
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
        throw new InputError(`${this.options.host}:${this.options.port}`, `rank 0 cannot listen there (${error.code ?? error.message})`);
      });
      this.options.onListening?.(port);
      await Promise.race([this.allRegistered(), failed]);
      const job = this.checkedJob();
      const epochMs = now();
      const growth = new SwarmGrowth(() => secondsSince(epochMs));
      const tracker = new Tracker(this.comm, { roles: new Roles(this.options.size, 1), observe: growth.observe });
      this.sendTables(port);
      this.options.onStart?.({ progress: () => this.obtained.slice(1) });
      stopWatchdogs = this.startWatchdogs();
      const done = new Promise<void>((resolve) => (this.onAllDone = resolve));
      const trackerRun = tracker.run().catch((error: unknown) => {
        const reason = error instanceof Error ? error : new Error(String(error));
        throw new RankFailure(0, reason.message, reason.stack);
      });
      await Promise.race([Promise.all([trackerRun, done]), failed]);
      await Promise.race([Promise.all(this.writes), failed]);
      this.finished = true;
      this.counters[0] = trackerCounters(this.comm.messagesIn, this.comm.messagesOut);
      for (let rank = 1; rank < this.options.size; rank++) this.network.control(rank, { type: 'finish' } satisfies CoordinatorControl);
      this.network.close();
      const result: RunResult = {
        ranks: this.counters,
        swarms: summarizeSwarms(tracker),
        outputs: this.written.sort(),
        progress: this.timelines,
        swarmGrowth: growth.series(),
      };
      return { job, result };
    } catch (error) {
      if (error instanceof RunFailure || error instanceof InputError) this.abortAll(error);
      else this.network.destroy();
      throw error;
    } finally {
      clearTimeout(this.registrationTimer);
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
        for (let rank = 1; rank < size; rank++) if (!this.registered.has(rank)) missing.push(rank);
        reject(
          new RunFailure(
            `rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not register with rank 0 within ${registrationTimeoutMs / 1000} s` +
              ` (rank 0 listens at ${this.options.host}:${this.options.port}; check --coordinator, the job key and the launcher)`,
            1,
          ),
        );
      }, registrationTimeoutMs);
      this.onRegistered = () => {
        if (this.registered.size < size - 1) return;
        clearTimeout(this.registrationTimer);
        resolve();
      };
    });
  }

  private checkedJob(): Job {
    const clients = [...this.registered.entries()].sort(([a], [b]) => a - b).map(([, registration]) => registration.files);
    return validateJob(this.options.inputDir, clients);
  }

  private sendTables(port: number): void {
    const addresses: [string, number][] = [[this.options.host, port]];
    for (let rank = 1; rank < this.options.size; rank++) {
      const { host, port: peerPort } = this.registered.get(rank) as Registration;
      addresses.push([host, peerPort]);
    }
    this.network.setAddresses(addresses);
    for (let rank = 1; rank < this.options.size; rank++) {
      this.network.control(rank, {
        type: 'table',
        addresses,
        strategy: this.options.strategy,
        pipeline: this.options.pipeline,
        fault: this.options.faults?.get(rank) ?? null,
      } satisfies CoordinatorControl);
    }
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
    const lines = [`rank 0 (tracker): ${describeWait(this.comm.mailbox.waiting(), this.comm.mailbox.queued)}`];
    const asked = [];
    for (let rank = 1; rank < this.options.size; rank++) {
      if (this.counters[rank]) {
        asked.push(Promise.resolve(`rank ${rank}: done; serving until TERMINATE`));
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
        this.fail(new RankFailure(message.peer, `rank ${from} lost its connection to it: ${message.reason}`));
        break;
      case 'progress':
        this.delivered[from] = message.delivered;
        this.obtained[from] = message.obtained;
        break;
      case 'output':
        this.output(from, message);
        break;
      case 'done':
        if (this.counters[from]) break;
        this.counters[from] = clientCounters(from, message.report, message.messagesIn, message.messagesOut);
        this.timelines[from - 1] = message.timeline;
        this.obtained[from] = message.report.downloaded;
        if (++this.clientsDone === this.options.size - 1) this.onAllDone();
        break;
      case 'status':
        this.statusWaiters.get(from)?.(message);
        this.statusWaiters.delete(from);
        break;
    }
  }

  private register(from: number, message: Extract<ClientControl, { type: 'register' }>): void {
    const { size } = this.options;
    if (message.size !== size) {
      this.fail(
        new InputError(
          `rank ${from}`,
          `was started for a ${message.size}-rank job, but rank 0 for a ${size}-rank job (check -np and --size)`,
        ),
      );
      return;
    }
    const earlier = this.registered.get(from);
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
    const write = writeAtomically(join(this.options.outDir, message.name), parts.join(''));
    write.catch((error: unknown) => this.fail(new RankFailure(0, `cannot write ${message.name}: ${(error as Error).message}`)));
    this.writes.push(write);
  }
}
