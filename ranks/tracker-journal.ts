import type { ReplicatedChange } from './protocol.js';
import type { TrackerSnapshot } from './tracker-snapshot.js';

/**
 * Where a tracker keeps its changes so that a new process can take its place after the old
 * one died (`--tracker-state`): the seam between the protocol and the disk, which the
 * harness implements (sim/rank-host/tracker-journal.ts).
 */
export interface TrackerJournal {
  /** What was saved when the journal was opened: the last snapshot, and every change after it, in order. */
  readonly saved: { snapshot: TrackerSnapshot | undefined; changes: readonly ReplicatedChange[] };
  /** Takes a change; it is durable only once `sync` returns. */
  append(change: ReplicatedChange): void;
  /**
   * Makes every change appended so far durable, in one write and one flush to the disk.
   * When enough changes have gathered since the last snapshot, it saves `snapshot()` and
   * starts the log again after it.
   */
  sync(snapshot: () => TrackerSnapshot): void;
}
