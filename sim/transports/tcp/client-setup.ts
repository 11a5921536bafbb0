/** What a rank process is told, and what it does before it joins the job: read its input, reach the coordinator. */
import { join } from 'node:path';
import { parseClient, readInput, type ParsedClient } from '../../job/inputs.js';
import { RunFailure } from '../../run/failures.js';
import type { TcpNetwork } from './network.js';
import type { SharedLists } from './job-lists.js';
import type { Neighbour, NetworkEvents } from './network-events.js';
import { coordinatorMayAnswer, retryUntil } from './retry.js';

/** What a rank process is told to be: its rank, its job, and how to reach the coordinator. */
export interface ClientOptions {
  rank: number;
  size: number;
  key: Buffer;
  certificates?: NetworkEvents['certificates'];
  inputDir: string;
  outDir: string;
  coordinator: { host: string; port: number };
  /** The address to listen on and register; default: the one this host reaches rank 0 from. */
  bind?: string;
  /** How long to keep trying to reach rank 0, which may start after this rank. */
  connectTimeoutMs: number;
  /** 2: a standby tracker, and a coordinator that is not rank 0 but a harness after every rank. */
  trackers?: 1 | 2;
  /** `--tracker-state`: rank 0 keeps its changes there, under a harness too; clients wait for it when it is lost. */
  trackerState?: string;
  log: (line: string) => void;
  /** The ranks of this process (rank-group.ts), by rank: this one joins them, and hands them messages in this event loop. */
  neighbours?: Map<number, Neighbour>;
  /** The job's hash lists and this rank's input, from the whole job this process loaded (job-lists.ts); else it reads its own. */
  lists?: SharedLists;
  input?: ParsedClient;
  /** Ends this rank at once, quietly, exit code 1: the coordinator beside it in this process failed, and said why. */
  signal?: AbortSignal;
}

/** A registered rank waits for the table this much beyond its connect timeout: the coordinator's deadline came first. */
export const TABLE_SLACK_MS = 5000;

/** What a tracker rank registers: it owns and wants nothing. */
export const NO_FILES: ParsedClient = { file: '', owned: [], wanted: [], ownedLines: [], wantedLines: [] };

export function readOwnInput(dir: string, rank: number): ParsedClient {
  const path = join(dir, `in${rank}.txt`);
  return parseClient(path, readInput(path, `missing: rank ${rank} reads its input from here`));
}

export async function connectWithRetry(
  network: TcpNetwork,
  host: string,
  port: number,
  coordinator: number,
  timeoutMs: number,
): Promise<string> {
  const name = coordinatorName(coordinator);
  try {
    return (await retryUntil(Date.now() + timeoutMs, coordinatorMayAnswer, () => network.connect(host, port, coordinator))).localAddress;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) {
      throw new RunFailure(
        `${name} at ${host}:${port} did not accept this rank (${(error as Error).message}); does every rank have the same job key, or was ${name} already ending the job?`,
        1,
      );
    }
    throw new RunFailure(`cannot reach ${name} at ${host}:${port}: ${(error as Error).message}`, 1);
  }
}

export function coordinatorName(coordinator: number): string {
  return coordinator === 0 ? 'rank 0' : 'the coordinator';
}

/**
 * The coordinator sends the table once every rank has registered, or aborts at its own
 * registration deadline: a registered rank waits that long and a little more, then ends.
 */
export function noTableWithin(
  ms: number,
  coordinator: number,
  network: TcpNetwork,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log(
        `${coordinatorName(coordinator)} sent no address table within ${ms / 1000} s of this rank's registration (see --connect-timeout): is it stopped, or is a rank missing?`,
      );
      network.destroy();
      resolve(1);
    }, ms).unref();
    signal.addEventListener('abort', () => clearTimeout(timer));
  });
}
