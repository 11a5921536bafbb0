/**
 * A job's segment hash lists sent by number between processes that both loaded the whole
 * job (InternedLists, as the threads transport numbers them between workers). Every client
 * that wants a file is told its hashes: a 32-rank job of 10 files x 5,000 segments sent the
 * same ten lists 155 times over TLS, 27 MB that the tracker's process wrote as JSON and the
 * clients' process read, checked and kept before its first request could go out.
 *
 * Numbers stand for lists only where both ends built their tables from the same inputs: a
 * process says at registration what its table holds (a digest of every file's name and
 * hashes, in the job's order), and the coordinator tells every rank which ranks hold the
 * table its own digest names. A rank sends numbers only to those, and only from a table of
 * that digest; it takes numbers only into a table of its own, so a number it does not hold
 * is refused like any bad field.
 */
import { createHash } from 'node:crypto';
import { InternedLists } from '../../comm/wire-layout.js';
import { InputError, loadJob, type Job } from '../../job/inputs.js';

/** The coordinator's table of lists, by its digest (null: it has none), and the ranks whose process holds the same. */
export interface ListsTable {
  digest: string | null;
  ranks: number[];
}

export interface SharedLists {
  readonly table: InternedLists;
  /** sha-256 of the files' names and hashes in the job's order, in hex. */
  readonly digest: string;
}

/**
 * The table of a job loaded whole (its owners share one array per file: validateJob), made
 * when first asked for: the coordinator is given it before it starts the rank processes,
 * and needs it only once they register.
 */
export function listsOf(job: Job): SharedLists {
  let made: SharedLists | undefined;
  const make = (): SharedLists => {
    if (made) return made;
    const hash = createHash('sha256');
    for (const [name, hashes] of job.files) hash.update(JSON.stringify([name, hashes]));
    return (made = { table: new InternedLists([...job.files.values()]), digest: hash.digest('hex') });
  };
  return {
    get table() {
      return make().table;
    },
    get digest() {
      return make().digest;
    },
  };
}

/**
 * The whole job, for a process that hosts several ranks: their inputs come from it, so that
 * what they send holds the table's own lists. Undefined when this host cannot load all of
 * it (a file missing here, or one the coordinator will refuse anyway): each rank then reads
 * its own input, as a process of one rank does, and its lists go by value.
 */
export function wholeJob(dir: string, ranks: number): Job | undefined {
  try {
    return loadJob(dir, ranks);
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
}

/** What one rank's network knows of the tables: its own, and which peers hold the same one. */
export class LinkLists {
  private readonly listed = new Set<number>();
  /** This rank's table is the one the coordinator named. */
  private agreed = false;

  constructor(readonly own: SharedLists | undefined) {}

  /**
   * The coordinator's word: the ranks whose table has digest `digest`. A table of another
   * digest, or none, numbers nothing.
   */
  learn({ digest, ranks }: ListsTable): void {
    this.listed.clear();
    this.agreed = this.own !== undefined && digest === this.own.digest;
    if (!this.agreed) return;
    for (const rank of ranks) this.listed.add(rank);
  }

  /** A rank started again holds the table, or not (its new process said at registration). */
  set(rank: number, holds: boolean): void {
    if (holds && this.agreed) this.listed.add(rank);
    else this.listed.delete(rank);
  }

  /** The table to send lists to `peer` by, if it holds this one. */
  towards(peer: number): InternedLists | undefined {
    return this.listed.has(peer) ? this.own?.table : undefined;
  }
}
