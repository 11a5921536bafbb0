/**
 * A rank of a process (alone, or in a rank group): a client reads only its own
 * `in<R>.txt`, registers with the coordinator, then runs in the rank host over TCP;
 * outputs are written locally and also sent to the coordinator, so no shared file system
 * is needed (under `sim run`, which shares the folder, only their names). With a standby
 * tracker the coordinator is a harness of its own and both trackers are processes like
 * this one. Any failure here is told to the coordinator, which ends the job; losing it
 * ends this rank.
 */
import type { StrategyFactory } from '../../../ranks/strategies/index.js';
import { Tag, type SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { MailboxComm } from '../../comm/local-comm.js';
import { ensureDir } from '../../job/files.js';
import { InputError, type ParsedClient } from '../../job/inputs.js';
import { formatOutput, outputName, writeOutput } from '../../job/outputs.js';
import { hostRank, type RankHost } from '../../rank-host/rank-host.js';
import { failedReport, type FailedReport } from '../../rank-host/reports.js';
import { RunFailure } from '../../run/failures.js';
import { now, secondsSince } from '../../run/timeline.js';
import { strategyFactory } from '../../strategies/load.js';
import { parseCoordinatorControl, tableChurn, type ClientControl, type CoordinatorControl } from './control.js';
import { coordinatorApart } from './coordinator-options.js';
import { CoordinatorSilence } from './heartbeat.js';
import { LinkKeys } from './link-keys.js';
import { TcpNetwork } from './network.js';
import { ProgressReport } from './rank-progress.js';
import {
  connectWithRetry,
  coordinatorName,
  NO_FILES,
  noTableWithin,
  readOwnInput,
  TABLE_SLACK_MS,
  type ClientOptions,
} from './client-setup.js';
import type { TraceFlush, DeliveryRecord } from '../../trace/recorder.js';

/** Outputs travel to rank 0 in pieces this size, well under the frame limit. */
const OUTPUT_PIECE_CHARS = 1 << 20;

type Table = Extract<CoordinatorControl, { type: 'table' }>;

/** Runs one rank (a client, or a tracker under a harness) to the end of the job; resolves with the exit code. */
export function runTcpClient(options: ClientOptions): Promise<number> {
  return new RankProcess(options).run();
}

/** How long a failed rank waits for the coordinator's abort, so that the reason reaches every rank. */
const ABORT_WAIT_MS = 2000;

class RankProcess {
  private readonly roles: Roles;
  /** Where harness messages go: rank 0, or the harness after every rank. */
  private readonly coordinator: number;
  private readonly isTracker: boolean;
  private readonly comm: MailboxComm<SwarmPayloads>;
  private readonly network: TcpNetwork;
  private host: RankHost | undefined;
  private table: (value: Table) => void = () => undefined;
  private readonly tableArrived = new Promise<Table>((resolve) => (this.table = resolve));
  private ended: (code: number) => void = () => undefined;
  /** The job's end for this process: the coordinator finished or aborted it, or was lost. */
  private readonly end = new Promise<number>((resolve) => (this.ended = resolve));
  private finished = false;
  /** This client has reported its own end: connections that drop now are others' business. */
  private selfDone = false;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly progress = new ProgressReport(
    () => ({ delivered: this.network.delivered, obtained: this.host?.obtained ?? 0 }),
    (message) => this.report(message),
  );
  private silence: CoordinatorSilence | undefined;

  constructor(private readonly options: ClientOptions) {
    const { rank, size } = options;
    this.roles = new Roles(size, options.trackers ?? 1);
    this.coordinator = coordinatorApart(this.roles.trackers, options.trackerState) ? size : 0;
    this.isTracker = this.roles.isTracker(rank);
    this.comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => {
      this.network.post(dest, tag, payload);
      if (tag === Tag.SEGMENT_REQUEST) this.progress.requested();
    });
    const keys = LinkKeys.held(options.key, rank, this.coordinator);
    this.network = new TcpNetwork(rank, this.coordinator === 0 ? size : size + 1, keys, this.comm.mailbox, {
      control: (from, body) => this.control(from, body),
      lost: (lostRank, reason) => this.lost(lostRank, reason),
      // A restarted tracker that connects here may do so before the coordinator's word of it
      // arrives: its messages must not be taken for a lost rank's.
      returned: (peer) => {
        if (this.roles.isTracker(peer)) this.comm.rankBack(peer);
      },
      log: options.log,
      connectTimeoutMs: options.connectTimeoutMs,
      certificates: options.certificates,
      neighbours: options.neighbours,
      lists: options.lists,
    });
    options.signal?.addEventListener('abort', () => {
      this.finished = true;
      this.network.destroy();
      this.ended(1);
    });
  }

  async run(): Promise<number> {
    const { options, network } = this;
    let inputProblem: InputError | undefined;
    let files: ParsedClient | undefined = this.isTracker ? NO_FILES : undefined;
    try {
      files ??= options.input ?? readOwnInput(options.inputDir, options.rank);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      inputProblem = error;
    }
    try {
      const { host, port } = options.coordinator;
      const localAddress = await connectWithRetry(network, host, port, this.coordinator, options.connectTimeoutMs);
      if (inputProblem || !files) {
        this.report(failedReport(inputProblem, 2));
        options.log(inputProblem?.message ?? 'no input');
        network.close();
        return 2;
      }
      const listenAt = options.bind ?? localAddress;
      const listening = await network.listen(listenAt, 0);
      // A frame carries copies: the parsed hashes are read-only to everyone else.
      const owned = files.owned.map(({ name, hashes }) => ({ name, hashes: [...hashes] }));
      const lists = options.lists?.digest ?? null;
      this.report({ type: 'register', size: options.size, host: listenAt, port: listening, files: { ...files, owned }, lists });
      const tableWait = new AbortController();
      const ready = await Promise.race([
        this.tableArrived,
        this.end,
        noTableWithin(options.connectTimeoutMs + TABLE_SLACK_MS, this.coordinator, network, options.log, tableWait.signal),
      ]);
      tableWait.abort();
      if (typeof ready === 'number') return ready;
      this.silence = new CoordinatorSilence(ready.silenceMs, (seconds) => {
        if (this.finished) return;
        this.finished = true;
        options.log(`heard nothing from ${coordinatorName(this.coordinator)} for ${seconds} s: it is stopped, overloaded or unreachable`);
        // Nothing queued for it can be flushed: a graceful close would wait for it for ever.
        this.network.destroy();
        this.ended(1);
      });
      network.setTable(ready.addresses, ready.peerKeys, ready.lists);
      for (const lost of ready.lost) this.comm.rankLost(lost, 'lost before this rank started');
      return await this.runRank(ready, files);
    } catch (error) {
      if (options.signal?.aborted) return 1;
      if (!(error instanceof RunFailure)) return await this.failed(failedReport(error));
      options.log(error.message);
      return error.exitCode;
    } finally {
      clearInterval(this.progressTimer);
      this.silence?.stop();
      network.close();
    }
  }

  /** Hosts this rank until its end, reports the end, and waits for the job's. */
  private async runRank(ready: Table, files: ParsedClient): Promise<number> {
    const { rank } = this.options;
    let host: RankHost;
    if (this.isTracker) {
      const role = ready.restarted ? 'restarted' : rank === 0 ? 'primary' : 'standby';
      host = hostRank({ ...this.hostOptions(ready), role, stateDir: this.options.trackerState });
    } else {
      await ensureDir(this.options.outDir);
      host = this.clientHost(ready, files, await strategyFactory(ready.strategy));
    }
    this.host = host;
    const end = await Promise.race([host.run(), this.end]);
    if (typeof end === 'number') return end;
    if (end.type === 'exit') process.exit(end.code);
    if (end.type === 'failed') return await this.failed(end);
    if (end.type !== 'tracker-done') this.selfDone = true;
    this.report(end);
    return await this.end;
  }

  private clientHost(ready: Table, files: ParsedClient, strategy: StrategyFactory): RankHost {
    const { rank, outDir } = this.options;
    const epochMs = now();
    const host = hostRank({
      ...this.hostOptions(ready),
      role: 'client',
      files,
      strategy,
      freeRider: ready.freeRider,
      ...tableChurn(ready),
      pipeline: ready.pipeline,
      trackerReturns: this.options.trackerState !== undefined,
      clock: () => secondsSince(epochMs),
      output: (file, hashes) => {
        const write = writeOutput(outDir, rank, file, hashes);
        const name = outputName(rank, file);
        // Told once on disk, before the end report (the host awaits its writes after this reaction).
        if (ready.sharedOut)
          write.then(
            () => this.report({ type: 'written', name }),
            () => undefined,
          );
        else this.sendOutput(name, formatOutput(hashes));
        return write;
      },
    });
    this.progressTimer = setInterval(() => this.progress.update() && host.sample(), ready.progressMs);
    return host;
  }

  /** What every rank's host takes, tracker or client; a traced run's deliveries go to the coordinator. */
  private hostOptions(ready: Table): { comm: MailboxComm<SwarmPayloads>; roles: Roles; fault: Table['fault']; trace?: TraceFlush } {
    const trace = ready.trace ? (records: DeliveryRecord[]) => this.report({ type: 'trace', records }) : undefined;
    return { comm: this.comm, roles: this.roles, fault: ready.fault, trace };
  }

  /** Sends an output to the coordinator in pieces, the last one marked. */
  private sendOutput(name: string, text: string): void {
    for (let at = 0; at === 0 || at < text.length; at += OUTPUT_PIECE_CHARS) {
      const last = at + OUTPUT_PIECE_CHARS >= text.length;
      this.report({ type: 'output', name, text: text.slice(at, at + OUTPUT_PIECE_CHARS), last });
    }
  }

  private report(message: ClientControl): void {
    this.network.control(this.coordinator, message);
  }

  /** Tells the coordinator this rank cannot go on, and waits for its abort so the reason reaches every rank. */
  private async failed(report: FailedReport): Promise<number> {
    this.report(report);
    this.options.log(`failed: ${report.message}`);
    return await Promise.race([this.end, new Promise<number>((resolve) => setTimeout(() => resolve(1), ABORT_WAIT_MS).unref())]);
  }

  private control(from: number, body: Buffer): void {
    const message = parseCoordinatorControl(body);
    if (from === this.coordinator) this.silence?.heard();
    if (from !== this.coordinator || typeof message === 'string') {
      this.options.log(`rank ${from} sent ${typeof message === 'string' ? message : 'a control frame only the coordinator may send'}`);
      return;
    }
    switch (message.type) {
      case 'table':
        this.table(message);
        break;
      case 'alive':
        break;
      case 'describe': {
        const { mailbox } = this.comm;
        this.report(
          this.host?.status() ?? { type: 'status', waiting: mailbox.waiting(), queued: mailbox.queued, detail: 'has not started' },
        );
        break;
      }
      case 'finish':
        this.finished = true;
        this.ended(0);
        break;
      case 'rank-lost':
        this.comm.rankLost(message.rank, message.reason);
        break;
      case 'rank-back':
        this.network.moved(message.rank, message.host, message.port, message.holdsLists);
        this.comm.rankBack(message.rank);
        break;
      case 'abort':
        this.finished = true;
        this.options.log(`job aborted by ${coordinatorName(this.coordinator)}: ${message.message}`);
        this.ended(message.code || 1);
        break;
    }
  }

  private lost(lostRank: number, reason: string): void {
    if (this.finished) return;
    const coordinator = this.coordinator;
    if (lostRank === coordinator) {
      this.finished = true;
      this.options.log(`lost ${coordinator === 0 ? 'rank 0 (the tracker)' : 'the coordinator'}: ${reason}`);
      this.ended(1);
    } else if (this.roles.trackers === 2 && this.roles.isTracker(lostRank)) {
      // The transport's loss signal: the rank code fails over to the other tracker.
      this.comm.rankLost(lostRank, reason);
    } else if (!this.selfDone) {
      this.options.log(`lost rank ${lostRank}: ${reason}`);
      this.report({ type: 'lost', peer: lostRank, reason });
    }
  }
}
