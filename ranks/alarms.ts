import type { SwarmComm } from './protocol.js';

/** What sets an alarm in a client: the download's request timeout, the upload's rechoke, and churn's arrival and departure. */
export type AlarmOwner = 'download' | 'upload' | 'arrival' | 'leave';

/** An alarm counts as due this close to its time: a wall-clock timer may fire a hair early by another clock. */
const SLACK_MS = 1;

/**
 * The comm gives a rank one kind of alarm, with no name on it, and a client has two
 * activities that set them. Each alarm is noted with its owner and due time here, so that
 * an ALARM wakes only the activity whose alarm it is: each owner keeps at most one alarm
 * pending, and `fired` hands out those due by now.
 */
export class Alarms {
  /** Made when the first alarm is set: clients without timeouts or choking never set one. */
  private due: Map<AlarmOwner, number> | undefined;

  constructor(private readonly comm: SwarmComm) {}

  set(owner: AlarmOwner, ms: number): void {
    (this.due ??= new Map()).set(owner, this.comm.now() + ms);
    this.comm.alarm(ms);
  }

  /** The owners whose alarm is due, each taken off the list. */
  fired(): AlarmOwner[] {
    const now = this.comm.now();
    const owners: AlarmOwner[] = [];
    const pending = this.due;
    if (!pending) return owners;
    for (const [owner, due] of pending) {
      if (due > now + SLACK_MS) continue;
      owners.push(owner);
      pending.delete(owner);
    }
    return owners;
  }
}
