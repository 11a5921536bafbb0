import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import type { Mailbox } from '../../comm/mailbox.js';
import { batchProblem, decodeBatch, type InternedLists } from '../../comm/wire-layout.js';

/** Messages waiting unread in a rank's mailbox past which the peer that sent more is refused. */
const MAX_UNREAD_LETTERS = 1_000_000;

/**
 * A BATCH frame's body as the protocol's flat values, or why it is refused: checked whole
 * before any of it is delivered. With `interned`, a list may come as one of its numbers.
 */
export function checkedBatch(body: Buffer, interned?: InternedLists): unknown[] | string {
  let batch: unknown;
  try {
    batch = JSON.parse(body.toString('utf8'));
  } catch {
    return 'a batch that is not JSON';
  }
  const problem = batchProblem(batch, SWARM_LAYOUT, interned);
  return problem ? `a batch that fails the protocol's schema (${problem})` : (batch as unknown[]);
}

/**
 * Delivers a BATCH frame's messages from `peer` into `intake`: how many, or why the peer is
 * refused: a frame that fails a check delivers nothing; one past the unread cap was delivered.
 */
export function takeBatch(body: Buffer, peer: number, intake: Mailbox, interned?: InternedLists): number | string {
  const batch = checkedBatch(body, interned);
  if (typeof batch === 'string') return batch;
  const before = intake.delivered;
  decodeBatch(batch, SWARM_LAYOUT, (tag, payload) => void intake.deliver({ source: peer, tag, payload }), interned);
  // Bounded at the cap and one frame: honest ranks read as they go.
  if (intake.queued > MAX_UNREAD_LETTERS) return `more messages than ${MAX_UNREAD_LETTERS} this rank holds unread`;
  return intake.delivered - before;
}
