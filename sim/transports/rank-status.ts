/** Wording for stall reports: what a rank's blocked receives wait for. */
import { TAG_NAMES } from '../../ranks/protocol.js';
import { ANY_SOURCE, ANY_TAG } from '../comm/comm.js';
import type { WaitState } from '../comm/mailbox.js';

/** The promise's value, or undefined if it takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function describeWait(waiting: readonly WaitState[], queued: number): string {
  if (waiting.length === 0) return `not in a receive (${queued} messages queued)`;
  const filters = waiting.map(({ source, tag }) => {
    const from = source === ANY_SOURCE ? 'any rank' : `rank ${source}`;
    const what = tag === ANY_TAG ? 'any tag' : (TAG_NAMES[tag] ?? `tag ${tag}`);
    return `${what} from ${from}`;
  });
  return `waiting for ${filters.join(' or ')} (${queued} queued)`;
}
