import type { FaultOutcome, FiredFault } from '../run/result.js';

export type { FiredFault } from '../run/result.js';
import type { TimedFault } from './plan.js';

/** How a fault reaches a rank: the transport's own way to kill or restart it. */
export interface FaultTarget {
  kill(rank: number, reason: string): void;
  restart(rank: number, reason: string): void;
}

/** What the schedule does when a fault's point comes, on any transport; the reason names the fault and when it fired. */
export function faultAction(target: FaultTarget, clock: () => number): (fault: TimedFault) => void {
  return (fault) => {
    const reason = `killed by --fault ${fault.spec} at ${clock().toFixed(3)} s`;
    if (fault.action === 'restart') target.restart(fault.rank, reason);
    else target.kill(fault.rank, reason);
  };
}

/**
 * Watches a run for the points its timed faults name and fires each once. The transport
 * feeds it segments transferred, its clock and files finished, and does the killing.
 */
export class FaultSchedule {
  private readonly pending: TimedFault[];
  readonly fired: FiredFault[] = [];

  constructor(
    faults: readonly TimedFault[],
    private readonly act: (fault: TimedFault) => void,
    private readonly clock: () => number,
  ) {
    this.pending = [...faults];
  }

  /** What the faults did, for the run's result: `lost` are the ranks dead at the end. */
  outcome(lost: Iterable<number>, noTracker?: string): FaultOutcome {
    return {
      fired: this.fired,
      ...(this.pending.length > 0 ? { unfired: this.pending.map((fault) => fault.spec) } : {}),
      lost: [...lost].sort((a, b) => a - b),
      ...(noTracker ? { noTracker } : {}),
    };
  }

  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** The earliest `time=` point still to come, in seconds. */
  nextTime(): number | undefined {
    let next: number | undefined;
    for (const { at } of this.pending) if (at.kind === 'time' && (next === undefined || at.seconds < next)) next = at.seconds;
    return next;
  }

  segments(total: number): void {
    this.fire((fault) => fault.at.kind === 'segments' && total >= fault.at.count);
  }

  time(seconds: number): void {
    this.fire((fault) => fault.at.kind === 'time' && seconds >= fault.at.seconds);
  }

  fileDone(rank: number, file: string): void {
    this.fire((fault) => fault.at.kind === 'file-done' && fault.at.rank === rank && fault.at.file === file);
  }

  private fire(due: (fault: TimedFault) => boolean): void {
    for (let i = 0; i < this.pending.length;) {
      const fault = this.pending[i];
      if (!due(fault)) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.fired.push({ spec: fault.spec, action: fault.action, rank: fault.rank, seconds: this.clock() });
      this.act(fault);
    }
  }
}
