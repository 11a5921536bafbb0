/** What a rank process does before it joins the job: read its input, reach the coordinator. */
import { join } from 'node:path';
import { parseClient, readInput, type ParsedClient } from '../../job/inputs.js';
import { RunFailure } from '../../run/failures.js';
import type { TcpNetwork } from './network.js';
import { coordinatorMayAnswer, retryUntil } from './retry.js';

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
