import { describe, expect, it } from 'vitest';
import { Roles } from '../ranks/roles.js';
import { addFault, emptyPlan } from '../sim/faults/plan.js';
import { RunLedger } from '../sim/run/ledger.js';
import { runExitCode } from '../sim/run/exit-codes.js';

/** The verdict rule for losses, as every transport reports them to the ledger. */
describe('the run ledger: a loss no fault asked for', () => {
  const result = (ledger: RunLedger) => ledger.result({ swarmGrowth: [] });

  it('names the rank and how it was lost, and the run exits 1 though every output is right', () => {
    const ledger = new RunLedger(Roles.forJob(4, 1), undefined, () => 0);
    ledger.rankLost(2, { obtained: 5, reason: 'its process was killed by SIGKILL' });
    const faults = result(ledger).faults;
    expect(faults?.lost).toEqual([2]);
    expect(faults?.unasked).toEqual([{ rank: 2, reason: 'its process was killed by SIGKILL' }]);
    expect(runExitCode({ run: { ok: true }, faults: { ...emptySection(), unasked: faults?.unasked } })).toBe(1);
  });

  it('is not said of a rank a fault killed, nor of one under a test fault', () => {
    const plan = addFault(addFault(emptyPlan(), 'kill:2@segments=0'), 'exit:3');
    const ledger = new RunLedger(Roles.forJob(5, 1), plan, () => 0);
    ledger.carryOutFaultsWith({ kill: (rank) => ledger.rankLost(rank, { reason: 'killed' }), restart: () => undefined });
    ledger.faults.segments(0);
    ledger.rankLost(3, { reason: 'exited with code 3' });
    const faults = result(ledger).faults;
    expect(faults?.lost).toEqual([2, 3]);
    expect(faults?.unasked).toBeUndefined();
  });
});

function emptySection() {
  return { fired: [], lost: [], missing: [], unavailable: [], complete: [], trackersAgree: null };
}
