import type { PayloadMap } from '../../sim/comm/comm.js';
import { MailboxComm } from '../../sim/comm/local-comm.js';

/**
 * N ranks in one thread: each send is delivered to the destination's mailbox on a later
 * macrotask, so ranks interleave as they would across threads, in a fixed order.
 */
export function loopback<M extends PayloadMap>(size: number): MailboxComm<M>[] {
  const comms: MailboxComm<M>[] = [];
  for (let rank = 0; rank < size; rank++) {
    comms.push(
      new MailboxComm<M>(rank, size, (dest, tag, payload) => {
        setImmediate(() => comms[dest].mailbox.deliver({ source: rank, tag, payload }));
      }),
    );
  }
  return comms;
}
