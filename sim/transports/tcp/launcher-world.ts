/**
 * Where a `sim rank` process stands in its job: its rank (or with `--ranks`, the block of
 * ranks its process hosts), the job size and rank 0's address, from flags or from the
 * environment a launcher sets (Open MPI, MPICH/PMI, PMIx, Slurm, torchrun-style).
 * Anything missing or contradictory is an InputError that says which variables were read.
 */
import { InputError } from '../../run/failures.js';
import { rankBlocks } from '../rank-groups.js';

export interface World {
  /** This process's rank; in a rank group, its first. */
  rank: number;
  /** Ranks in the job. */
  size: number;
  /** Where rank 0 listens. */
  coordinator: { host: string; port: number };
  /** With `--ranks`: this process is one of `processes`, hosting `ranks` (a contiguous block; process 0 has rank 0). */
  group?: { index: number; processes: number; ranks: number[] };
}

export interface WorldFlags {
  rank?: number;
  size?: number;
  coordinator?: string;
  /** `--ranks N`: the job has N ranks, and the launcher's rank and size count processes, each hosting its share. */
  ranks?: number;
  /** Where `rank` came from, for messages; default `--rank`. */
  rankFrom?: string;
}

/** Launcher variables, in the order they are believed: the first one set wins, the others must agree. */
const RANK_SOURCES = ['OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'PMIX_RANK', 'SLURM_PROCID', 'RANK'] as const;
const SIZE_SOURCES = ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'SLURM_NTASKS', 'WORLD_SIZE'] as const;

function wholeNumber(where: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InputError(where, `expected a whole number, got ${JSON.stringify(text)}`);
  return Number(text.trim());
}

function fromEnvironment(what: string, names: readonly string[], env: NodeJS.ProcessEnv): { value: number; from: string } | undefined {
  const set = names.filter((name) => env[name] !== undefined && env[name] !== '');
  if (set.length === 0) return undefined;
  const values = set.map((name) => ({ value: wholeNumber(name, env[name] as string), from: name }));
  const disagreeing = values.find((entry) => entry.value !== values[0].value);
  if (disagreeing) {
    throw new InputError(
      what,
      `the launcher variables disagree: ${values[0].from}=${values[0].value} but ${disagreeing.from}=${disagreeing.value}` +
        ` (pass --rank and --size to choose)`,
    );
  }
  return values[0];
}

/** Parses HOST:PORT or [IPv6]:PORT. */
export function parseAddress(where: string, text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535)
    throw new InputError(where, `expected HOST:PORT with a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2], port };
}

export function resolveWorld(flags: WorldFlags, env: NodeJS.ProcessEnv = process.env): World {
  const rankEntry =
    flags.rank !== undefined ? { value: flags.rank, from: flags.rankFrom ?? '--rank' } : fromEnvironment('rank', RANK_SOURCES, env);
  const sizeEntry = flags.size !== undefined ? { value: flags.size, from: '--size' } : fromEnvironment('size', SIZE_SOURCES, env);
  if (!rankEntry) {
    throw new InputError('rank', `unknown: pass --rank, or start under a launcher that sets one of ${RANK_SOURCES.join(', ')}`);
  }
  if (!sizeEntry) {
    throw new InputError(
      'size',
      `unknown (${flags.ranks === undefined ? 'rank' : 'process'} ${rankEntry.value} from ${rankEntry.from}): pass --size, or set one of ${SIZE_SOURCES.join(', ')}`,
    );
  }
  if (flags.ranks !== undefined) return groupWorld(flags.ranks, rankEntry, sizeEntry, coordinatorAddress(flags, env));
  if (sizeEntry.value < 3)
    throw new InputError(sizeEntry.from, `a job needs at least 3 ranks (a tracker and two clients), got ${sizeEntry.value}`);
  if (rankEntry.value >= sizeEntry.value) {
    throw new InputError(rankEntry.from, `rank ${rankEntry.value} does not exist in a job of ${sizeEntry.value} ranks (${sizeEntry.from})`);
  }
  return { rank: rankEntry.value, size: sizeEntry.value, coordinator: coordinatorAddress(flags, env) };
}

/**
 * The coordinator apart from every rank (`sim rank --coordinate`): the job's size, from
 * --size alone (a launcher's size would count its processes), and where it listens. The
 * network knows it as rank `size`, after every rank.
 */
export function coordinatorWorld(flags: WorldFlags, env: NodeJS.ProcessEnv = process.env): World {
  if (flags.size === undefined) throw new InputError('--coordinate', 'needs --size: the ranks of the job, the tracker included');
  if (flags.size < 3) throw new InputError('--size', `a job needs at least 3 ranks (a tracker and two clients), got ${flags.size}`);
  return { rank: flags.size, size: flags.size, coordinator: coordinatorAddress(flags, env) };
}

type Entry = { value: number; from: string };

/** `--ranks N` under a launcher of P processes: process p hosts the p-th of P contiguous blocks of ranks 0..N-1. */
function groupWorld(ranks: number, process: Entry, processes: Entry, coordinator: World['coordinator']): World {
  if (processes.value < 1 || processes.value > ranks) {
    throw new InputError(
      processes.from,
      `${processes.value} processes cannot share a job of ${ranks} ranks (--ranks): each needs one rank at least`,
    );
  }
  if (process.value >= processes.value) {
    throw new InputError(process.from, `process ${process.value} does not exist among ${processes.value} (${processes.from})`);
  }
  const hosted = rankBlocks(ranks, processes.value)[process.value];
  return { rank: hosted[0], size: ranks, coordinator, group: { index: process.value, processes: processes.value, ranks: hosted } };
}

function coordinatorAddress(flags: WorldFlags, env: NodeJS.ProcessEnv): World['coordinator'] {
  if (flags.coordinator !== undefined) {
    return parseAddress('--coordinator', flags.coordinator);
  } else if (env.MASTER_ADDR && env.MASTER_PORT) {
    return parseAddress(
      'MASTER_ADDR/MASTER_PORT',
      `${env.MASTER_ADDR.includes(':') ? `[${env.MASTER_ADDR}]` : env.MASTER_ADDR}:${env.MASTER_PORT}`,
    );
  } else if (env.MASTER_ADDR || env.MASTER_PORT) {
    throw new InputError(
      env.MASTER_ADDR ? 'MASTER_ADDR' : 'MASTER_PORT',
      'is set but its partner is not: set both, or pass --coordinator HOST:PORT',
    );
  } else {
    throw new InputError('coordinator', "unknown: pass --coordinator HOST:PORT (rank 0's address), or set MASTER_ADDR and MASTER_PORT");
  }
}
