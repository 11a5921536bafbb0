import type { RunLedger } from '../../run/ledger.js';
import { STATUS_WAIT_MS } from '../../run/watchdog.js';
import { describeWait, withTimeout } from '../rank-status.js';
import type { ClientControl } from './control.js';

export type StatusAnswer = Extract<ClientControl, { type: 'status' }>;

/** A stall report's questions to rank processes, each answered or timed out on its own. */
export class StatusRequests {
  private readonly waiters = new Map<number, (status: StatusAnswer) => void>();

  constructor(private readonly ask: (rank: number) => void) {}

  /** One line for `rank`: what it waits for, or that it did not answer. */
  async describe(rank: number): Promise<string> {
    const answer = new Promise<StatusAnswer>((resolve) => this.waiters.set(rank, resolve));
    this.ask(rank);
    const status = await withTimeout(answer, STATUS_WAIT_MS);
    return status
      ? `rank ${rank}: ${describeWait(status.waiting, status.queued)}; ${status.detail}`
      : `rank ${rank}: did not answer within ${STATUS_WAIT_MS} ms (busy or blocked)`;
  }

  answered(from: number, status: StatusAnswer): void {
    this.waiters.get(from)?.(status);
    this.waiters.delete(from);
  }
}

/** A stall report over TCP: the coordinator's own tracker, then every rank process, asked at once. */
export async function describeProcesses(own: string[], firstRank: number, ledger: RunLedger, statuses: StatusRequests): Promise<string[]> {
  const { roles } = ledger;
  const asked = [];
  for (let rank = firstRank; rank < roles.size; rank++) {
    if (ledger.isLost(rank)) asked.push(Promise.resolve(`${roles.describe(rank)}: lost`));
    else if (ledger.hasEnded(rank)) asked.push(Promise.resolve(`${roles.describe(rank)}: done; serving until TERMINATE`));
    else asked.push(statuses.describe(rank));
  }
  return [...own, ...(await Promise.all(asked))];
}
