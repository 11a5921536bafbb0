/**
 * A rank as its own process: a client reads only its own `in<R>.txt`, registers with the
 * coordinator, then runs the unchanged Peer over TCP; outputs are written locally and also
 * sent to the coordinator, so no shared file system is needed. With a standby tracker the
 * coordinator is a harness of its own and both trackers are processes like this one. Any
 * failure here is told to the coordinator, which ends the job; losing it ends this process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoTrackerLeft, Peer } from '../../../ranks/peer.js';
import type { SwarmPayloads } from '../../../ranks/protocol.js';
import { Roles } from '../../../ranks/roles.js';
import { STRATEGIES } from '../../../ranks/strategies/index.js';
import { Tracker } from '../../../ranks/tracker.js';
import { RunFailure } from '../../run/failures.js';
import { ensureDir } from '../../job/files.js';
import { InputError, parseClient, type ParsedClient } from '../../job/inputs.js';
import { MailboxComm } from '../../comm/local-comm.js';
import { Mailbox } from '../../comm/mailbox.js';
import { formatOutput, writeOutput, outputName } from '../../job/outputs.js';
import { summarizeSwarms } from '../../run/result.js';
import { Sampler, now, secondsSince } from '../../run/timeline.js';
import { faultyTag } from '../threads/protocol.js';
import { parseCoordinatorControl, type ClientControl, type CoordinatorControl } from './control.js';
import { TcpNetwork } from './network.js';

export interface ClientOptions {
  rank: number;
  size: number;
  key: Buffer;
  inputDir: string;
  outDir: string;
  coordinator: { host: string; port: number };
  /** The address to listen on and register; default: the one this host reaches rank 0 from. */
  bind?: string;
  /** How long to keep trying to reach rank 0, which may start after this rank. */
  connectTimeoutMs: number;
  /** 2: a standby tracker, and a coordinator that is not rank 0 but a harness after every rank. */
  trackers?: 1 | 2;
  log: (line: string) => void;
}

const CONNECT_RETRY_MS = 100;
/** Outputs travel to rank 0 in pieces this size, well under the frame limit. */
const OUTPUT_PIECE_CHARS = 1 << 20;

type Table = Extract<CoordinatorControl, { type: 'table' }>;

function readOwnInput(dir: string, rank: number): ParsedClient {
  const path = join(dir, `in${rank}.txt`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? `missing: rank ${rank} reads its input from here` : `cannot be read (${code})`);
  }
  return parseClient(path, text);
}

async function connectWithRetry(network: TcpNetwork, host: string, port: number, coordinator: number, timeoutMs: number): Promise<string> {
  const name = coordinatorName(coordinator);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await network.connect(host, port, coordinator)).localAddress;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) {
        throw new RunFailure(
          `${name} at ${host}:${port} did not accept this rank (${(error as Error).message}); does every rank have the same job key, or was ${name} already ending the job?`,
          1,
        );
      }
      const retriable = code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT';
      if (!retriable || Date.now() + CONNECT_RETRY_MS > deadline) {
        throw new RunFailure(`cannot reach ${name} at ${host}:${port}: ${(error as Error).message}`, 1);
      }
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
}

function coordinatorName(coordinator: number): string {
  return coordinator === 0 ? 'rank 0' : 'the coordinator';
}

/** What a tracker rank registers: it owns and wants nothing. */
const NO_FILES: ParsedClient = { file: '', owned: [], wanted: [], ownedLines: [], wantedLines: [] };

/** Runs one rank (a client, or a tracker under a harness) to the end of the job; resolves with the exit code. */
export async function runTcpClient(options: ClientOptions): Promise<number> {
  const { rank, size } = options;
  const roles = new Roles(size, options.trackers ?? 1);
  /** Where harness messages go: rank 0, or the harness after every rank. */
  const coordinator = roles.trackers === 2 ? size : 0;
  const isTracker = roles.isTracker(rank);
  let inputProblem: InputError | undefined;
  let files: ParsedClient | undefined = isTracker ? NO_FILES : undefined;
  try {
    files ??= readOwnInput(options.inputDir, rank);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    inputProblem = error;
  }

  let fault: Table['fault'] = null;
  let table: (value: Table) => void = () => undefined;
  let ended: (code: number) => void = () => undefined;
  const tableArrived = new Promise<Table>((resolve) => (table = resolve));
  const end = new Promise<number>((resolve) => (ended = resolve));
  let finished = false;
  let selfDone = false;
  let peer: Peer | undefined;
  let tracker: Tracker | undefined;
  const comm = new MailboxComm<SwarmPayloads>(rank, size, (dest, tag, payload) => network.post(dest, faultyTag(fault, tag), payload));

  const network: TcpNetwork = new TcpNetwork(rank, coordinator === 0 ? size : size + 1, options.key, comm.mailbox, {
    control: (from, body) => {
      const message = parseCoordinatorControl(body);
      if (from !== coordinator || typeof message === 'string') {
        options.log(`rank ${from} sent ${typeof message === 'string' ? message : 'a control frame only the coordinator may send'}`);
        return;
      }
      switch (message.type) {
        case 'table':
          table(message);
          break;
        case 'describe': {
          const status: ClientControl = {
            type: 'status',
            waiting: comm.mailbox.waiting(),
            queued: comm.mailbox.queued,
            detail: tracker?.describe() ?? peer?.describe() ?? 'has not started',
          };
          network.control(coordinator, status);
          break;
        }
        case 'finish':
          finished = true;
          ended(0);
          break;
        case 'rank-lost':
          comm.rankLost(message.rank, message.reason);
          break;
        case 'rank-back':
          network.moved(message.rank, message.host, message.port);
          comm.rankBack(message.rank);
          break;
        case 'abort':
          finished = true;
          options.log(`job aborted by ${coordinatorName(coordinator)}: ${message.message}`);
          ended(message.code || 1);
          break;
      }
    },
    lost: (lostRank, reason) => {
      if (finished) return;
      if (lostRank === coordinator) {
        finished = true;
        options.log(`lost ${coordinator === 0 ? 'rank 0 (the tracker)' : 'the coordinator'}: ${reason}`);
        ended(1);
      } else if (roles.trackers === 2 && roles.isTracker(lostRank)) {
        // The transport's loss signal: the rank code fails over to the other tracker.
        comm.rankLost(lostRank, reason);
      } else if (!selfDone) {
        options.log(`lost rank ${lostRank}: ${reason}`);
        network.control(coordinator, { type: 'lost', peer: lostRank, reason } satisfies ClientControl);
      }
    },
    // A restarted tracker that connects here may do so before the coordinator's word of it
    // arrives: its messages must not be taken for a lost rank's.
    returned: (peer) => {
      if (roles.isTracker(peer)) comm.rankBack(peer);
    },
    log: options.log,
  });

  const failed = (error: unknown, code = 1): void => {
    const failure = error instanceof Error ? error : new Error(String(error));
    network.control(coordinator, {
      type: 'failed',
      code,
      message: failure.message,
      stack: failure.stack ?? failure.message,
    } satisfies ClientControl);
  };

  let progressTimer: NodeJS.Timeout | undefined;
  try {
    const localAddress = await connectWithRetry(
      network,
      options.coordinator.host,
      options.coordinator.port,
      coordinator,
      options.connectTimeoutMs,
    );
    if (inputProblem || !files) {
      failed(inputProblem, 2);
      options.log(inputProblem?.message ?? 'no input');
      network.close();
      return 2;
    }
    const host = options.bind ?? localAddress;
    const port = await network.listen(host, 0);
    network.control(coordinator, { type: 'register', size, host, port, files } satisfies ClientControl);

    const ready = await Promise.race([tableArrived, end]);
    if (typeof ready === 'number') return ready;
    fault = ready.fault;
    // A stalled rank (a test fault) takes in nothing, like a process stuck in a loop.
    if (fault === 'stall') network.intake = new Mailbox();
    network.setAddresses(ready.addresses);
    for (const lost of ready.lost) comm.rankLost(lost, 'lost before this rank started');
    if (isTracker) {
      const running = new Tracker(comm, { roles, start: ready.restarted ? 'restarted' : rank === 0 ? 'primary' : 'standby' });
      tracker = running;
      const ran = await Promise.race([running.run(), end]);
      if (typeof ran === 'number') return ran;
      const { messagesIn, messagesOut } = comm;
      const swarms = summarizeSwarms(running.state);
      network.control(coordinator, {
        type: 'tracker-done',
        served: running.served,
        follower: running.follower ?? null,
        swarms,
        messagesIn,
        messagesOut,
      } satisfies ClientControl);
      return await end;
    }
    const epochMs = now();
    const timeline = new Sampler();
    const writes: Promise<unknown>[] = [];
    await ensureDir(options.outDir);
    const running = new Peer(comm, files, {
      strategy: STRATEGIES[ready.strategy](rank, size),
      pipeline: ready.pipeline,
      standby: roles.standby,
      sink: (file, hashes) => {
        timeline.record(secondsSince(epochMs), [running.obtained], true);
        const write = writeOutput(options.outDir, rank, file, hashes);
        write.catch((error: unknown) => failed(error));
        writes.push(write);
        const text = formatOutput(hashes);
        const name = outputName(rank, file);
        for (let at = 0; at === 0 || at < text.length; at += OUTPUT_PIECE_CHARS) {
          const last = at + OUTPUT_PIECE_CHARS >= text.length;
          network.control(coordinator, {
            type: 'output',
            name,
            text: text.slice(at, at + OUTPUT_PIECE_CHARS),
            last,
          } satisfies ClientControl);
        }
      },
    });
    peer = running;
    let lastSent = '';
    progressTimer = setInterval(() => {
      const figures = `${network.delivered} ${running.obtained}`;
      if (figures === lastSent) return;
      lastSent = figures;
      network.control(coordinator, { type: 'progress', delivered: network.delivered, obtained: running.obtained } satisfies ClientControl);
      timeline.record(secondsSince(epochMs), [running.obtained]);
    }, ready.progressMs);

    if (fault === 'crash') throw new Error('injected crash (--fault crash)');
    if (fault === 'exit') process.exit(3);
    timeline.record(0, [0], true);
    let stranded: string | undefined;
    const ran = running.run().catch((error: unknown) => {
      if (!(error instanceof NoTrackerLeft)) throw error;
      stranded = error.message;
      return running.snapshot();
    });
    const report = await Promise.race([ran, end]);
    if (typeof report === 'number') return report;
    await Promise.all(writes);
    selfDone = true;
    const counts = {
      report: { ...report, downloadedFrom: [...report.downloadedFrom] },
      messagesIn: comm.messagesIn,
      messagesOut: comm.messagesOut,
      timeline: timeline.samples(),
    };
    network.control(
      coordinator,
      (stranded === undefined ? { type: 'done', ...counts } : { type: 'stranded', reason: stranded, ...counts }) satisfies ClientControl,
    );
    return await end;
  } catch (error) {
    if (error instanceof RunFailure) {
      options.log(error.message);
      return error.exitCode;
    }
    failed(error);
    options.log(`failed: ${(error as Error).message}`);
    // Rank 0 answers with an abort; wait for it so the reason reaches every rank.
    return await Promise.race([end, new Promise<number>((resolve) => setTimeout(() => resolve(1), 2000).unref())]);
  } finally {
    clearInterval(progressTimer);
    network.close();
  }
}
