/**
 * The virtual transport at scale, for `npm run bench`: one child process per size (so each
 * peak memory is its own), each generating a job and running it in virtual time.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Mailbox } from '../comm/mailbox.js';

const ONE_RUN = fileURLToPath(new URL('./virtual-one.js', import.meta.url));

export interface ScaleFigures {
  clients: number;
  transfers: number;
  messages: number;
  seconds: number;
  peakBytes: number;
  /** Heap in use after a full collection at the end, the run's result still held: the live state. */
  liveBytes: number;
  /** Messages delivered, by tag name. */
  byKind: Record<string, number>;
}

/** "12.8 per transfer: SEGMENT_REQUEST 6.2, NACK 5.2, ...": each kind's share of a transfer's cost, largest first. */
export function perTransfer(byKind: Record<string, number>, transfers: number): string {
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind} ${(count / transfers).toFixed(2)}`);
  return `${(total / transfers).toFixed(1)} messages per transfer (${kinds.join(', ')})`;
}

/** Runs one size in a child process; `gen` is the `sim gen` arguments after the folder. */
export function virtualAtScale(dir: string, gen: string[]): ScaleFigures {
  const result = spawnSync(process.execPath, ['--max-old-space-size=20000', '--expose-gc', ONE_RUN, dir, ...gen], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`virtual run at scale failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ScaleFigures;
}

/**
 * The baseline: two tasks in one thread trading messages through mailboxes, each receive
 * a promise resolved by direct hand-off, as ranks in virtual time do. Messages per second.
 */
export async function rawInProcessRate(count: number): Promise<number> {
  const boxes = [new Mailbox(), new Mailbox()];
  const player = async (me: number): Promise<void> => {
    for (let i = 0; i < count / 2; i++) {
      if (me === 1 || i > 0) await boxes[me].wait();
      boxes[1 - me].deliver({ source: me, tag: 6, payload: { file: 'file1', index: i } });
    }
  };
  const started = performance.now();
  await Promise.all([player(0), player(1)]);
  return count / ((performance.now() - started) / 1000);
}
