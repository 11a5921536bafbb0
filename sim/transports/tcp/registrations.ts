/**
 * Who has registered with the coordinator: each rank's listener and parsed input. The job
 * starts once every rank that is a process has registered, or fails naming those that did
 * not within the timeout.
 */
import { InputError, validateJob, type Job, type ParsedClient } from '../../job/inputs.js';
import { RunFailure } from '../../run/failures.js';
import type { ClientControl } from './control.js';
import type { ListsTable } from './job-lists.js';

export interface Registration {
  host: string;
  port: number;
  files: ParsedClient;
  /** The digest of the job's lists its process holds (job-lists.ts); a restarted process's replaces it. */
  lists: string | null;
}

export interface RegistrationSettings {
  size: number;
  /** The first rank that is a process: 1 when the coordinator is rank 0, else 0. */
  firstRank: number;
  /** How messages name the coordinator. */
  name: string;
  /** Where the coordinator listens, for the timeout's hint. */
  address: string;
  timeoutMs: number;
}

type Register = Extract<ClientControl, { type: 'register' }>;

export class Registrations {
  private readonly registered = new Map<number, Registration>();
  private timer: NodeJS.Timeout | undefined;
  private onRegistered: () => void = () => undefined;

  constructor(private readonly settings: RegistrationSettings) {}

  /** Resolves once every rank process has registered. */
  all(): Promise<void> {
    const { size, firstRank, name, address, timeoutMs } = this.settings;
    return new Promise((resolve, reject) => {
      this.timer = setTimeout(() => {
        const missing = [];
        for (let rank = firstRank; rank < size; rank++) if (!this.registered.has(rank)) missing.push(rank);
        reject(
          new RunFailure(
            `rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not register with ${name} within ${timeoutMs / 1000} s` +
              ` (${name} listens at ${address}; check --coordinator, the job key and the launcher)`,
            1,
          ),
        );
      }, timeoutMs);
      this.onRegistered = () => {
        if (this.registered.size < size - firstRank) return;
        clearTimeout(this.timer);
        resolve();
      };
    });
  }

  /**
   * A rank's registration: 'new', 'again' for a rank already registered that may come back
   * (a restarted tracker), or the reason it is refused.
   */
  take(from: number, message: Register, comesBack: boolean): 'new' | 'again' | InputError {
    const { size, name } = this.settings;
    if (message.size !== size) {
      return new InputError(
        `rank ${from}`,
        `was started for a ${message.size}-rank job, but ${name} for a ${size}-rank job (check -np and --size)`,
      );
    }
    const earlier = this.registered.get(from);
    if (earlier && comesBack) {
      earlier.lists = message.lists;
      return 'again';
    }
    if (earlier) {
      return new InputError(
        `rank ${from}`,
        `two processes claim this rank (listening at ${earlier.host}:${earlier.port} and ${message.host}:${message.port})`,
      );
    }
    this.registered.set(from, { host: message.host, port: message.port, files: message.files, lists: message.lists });
    this.onRegistered();
    return 'new';
  }

  ranks(): IterableIterator<number> {
    return this.registered.keys();
  }

  /**
   * The coordinator's table of lists (`digest`; null: it has none) and the ranks whose
   * process holds the same: rank 0 too when it is the coordinator (firstRank 1).
   */
  listsTable(digest: string | null): ListsTable {
    if (digest === null) return { digest, ranks: [] };
    const ranks = [...this.registered].filter(([, { lists }]) => lists === digest).map(([rank]) => rank);
    return { digest, ranks: this.settings.firstRank === 1 ? [0, ...ranks] : ranks };
  }

  get(rank: number): Registration | undefined {
    return this.registered.get(rank);
  }

  /** Every rank's listener; a rank that is no process (rank 0 as the coordinator) and the harness are at `coordinator`. */
  addressTable(coordinator: [string, number], harness: boolean): [string, number][] {
    const addresses: [string, number][] = [];
    for (let rank = 0; rank < this.settings.size; rank++) {
      const registration = this.registered.get(rank);
      addresses.push(registration ? [registration.host, registration.port] : coordinator);
    }
    // The harness is reached at the coordinator address, after every rank.
    if (harness) addresses.push(coordinator);
    return addresses;
  }

  /** The job the clients' inputs make, checked as a whole (owners agree, every wanted file is owned). */
  job(inputDir: string, clients: readonly number[]): Job {
    return validateJob(
      inputDir,
      clients.map((rank) => (this.registered.get(rank) as Registration).files),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
