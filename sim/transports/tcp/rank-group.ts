/**
 * A rank group: several ranks of a job in one process, in one event loop, as a packed
 * worker hosts them on the threads transport. Each is a rank process of its own towards
 * the coordinator (its registration, its listener, its control frames), but protocol
 * messages between two of them are handed over in this event loop (network.ts): only
 * ranks of other processes are reached by socket. Saves each rank a Node process's start
 * (~0.3 s of CPU on 2 busy cores) and the TLS links between co-hosted ranks.
 */
import { runTcpClient } from './client.js';
import type { ClientOptions } from './client-setup.js';
import type { Neighbour } from './network-events.js';
import type { Job } from '../../job/inputs.js';

export interface GroupOptions extends Omit<ClientOptions, 'rank' | 'log' | 'input'> {
  /** The ranks this process hosts (beside rank 0, if the coordinator is in this process too and in `neighbours`). */
  ranks: readonly number[];
  log: (rank: number, line: string) => void;
  /** The whole job, when this process could load it (job-lists.ts): each client's input is taken from it. */
  job?: Job;
}

/** Runs every rank of the group to the end of the job; resolves with the first non-zero exit code of one, else 0. */
export async function runRankGroup(options: GroupOptions): Promise<number> {
  const { ranks, log, neighbours = new Map<number, Neighbour>(), job, ...common } = options;
  const codes = await Promise.all(
    ranks.map((rank) => runTcpClient({ ...common, rank, neighbours, input: job?.clients[rank - 1], log: (line) => log(rank, line) })),
  );
  return codes.find((code) => code !== 0) ?? 0;
}
