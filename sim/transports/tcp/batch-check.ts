import { SWARM_LAYOUT } from '../../../ranks/protocol.js';
import { batchProblem } from '../../comm/wire-layout.js';

/** A BATCH frame's body as the protocol's flat values, or why it is refused: checked whole before any of it is delivered. */
export function checkedBatch(body: Buffer): unknown[] | string {
  let batch: unknown;
  try {
    batch = JSON.parse(body.toString('utf8'));
  } catch {
    return 'a batch that is not JSON';
  }
  const problem = batchProblem(batch, SWARM_LAYOUT);
  return problem ? `a batch that fails the protocol's schema (${problem})` : (batch as unknown[]);
}
