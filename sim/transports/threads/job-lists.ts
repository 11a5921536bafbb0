/**
 * A job's segment hash lists as a threads run numbers them on its links (InternedLists),
 * and the ones each worker is given: a worker of clients gets the lists of the files they
 * own or want, at their numbers, rather than every file's. All of them, cloned into each
 * of 31 workers, would cost more than sending them did.
 */
import { InternedLists } from '../../comm/wire-layout.js';
import type { Job } from '../../job/inputs.js';
import type { HostedRank } from './protocol.js';

export class JobLists {
  /** The main thread's table: every list, in the job's order of files. */
  readonly table: InternedLists;
  private readonly ids = new Map<string, number>();

  constructor(job: Job) {
    this.table = new InternedLists([...job.files.values()]);
    [...job.files.keys()].forEach((name, id) => this.ids.set(name, id));
  }

  /** What a worker's table is built from: a sparse array, every list at its number; all of them for the standby's worker. */
  forWorker(hosted: readonly HostedRank[]): (readonly string[])[] {
    const all = this.table.lists;
    if (hosted.some((rank) => rank.role === 'standby')) return [...all];
    const lists = new Array<readonly string[]>(all.length);
    for (const { files } of hosted) {
      for (const name of [...files.owned.map((file) => file.name), ...files.wanted]) {
        const id = this.ids.get(name);
        if (id !== undefined) lists[id] = all[id];
      }
    }
    return lists;
  }
}
