/** The threads transport's stall report: rank 0 read in this thread, every worker rank asked over its control port. */
import type { Roles } from '../../../ranks/roles.js';
import { STATUS_WAIT_MS } from '../../run/watchdog.js';
import { describeWait, withTimeout } from '../rank-status.js';
import type { MainThreadTracker } from './main-tracker.js';
import type { ControlClient } from './worker-control.js';

export interface ThreadRanks {
  roles: Roles;
  rank0: MainThreadTracker;
  /** The ranks each worker hosts. */
  groups: readonly number[][];
  isLost: (rank: number) => boolean;
  control: (worker: number) => Promise<ControlClient>;
}

export async function describeThreads(ranks: ThreadRanks): Promise<string[]> {
  const { roles, rank0, groups, isLost } = ranks;
  const asked = groups.map(async (group, w) =>
    group.every(isLost) ? [] : withTimeout((await ranks.control(w)).remote.status(), STATUS_WAIT_MS),
  );
  const answers = await Promise.all(asked);
  const statuses = new Map(answers.flatMap((answer) => answer ?? []).map((status) => [status.rank, status]));
  const { mailbox } = rank0.comm;
  const lines = [
    `${roles.describe(0)}: ${isLost(0) ? 'lost' : `${describeWait(mailbox.waiting(), mailbox.queued)}; ${rank0.tracker.describe()}`}`,
  ];
  for (let rank = 1; rank < roles.size; rank++) {
    const status = statuses.get(rank);
    const text = isLost(rank)
      ? 'lost'
      : status
        ? `${describeWait(status.waiting, status.queued)}; ${status.detail}`
        : `did not answer within ${STATUS_WAIT_MS} ms (busy or blocked)`;
    lines.push(`${roles.describe(rank)}: ${text}`);
  }
  return lines;
}

/** `1-4, 6`: ranks as runs of consecutive ones. */
export function describeRanks(ranks: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < ranks.length; i++) {
    const from = ranks[i];
    while (i + 1 < ranks.length && ranks[i + 1] === ranks[i] + 1) i++;
    runs.push(from === ranks[i] ? String(from) : `${from}-${ranks[i]}`);
  }
  return runs.join(', ');
}
