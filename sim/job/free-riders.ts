/**
 * Which clients ride free under `--free-riders K`: the K of highest rank among those that
 * own nothing. A free rider never uploads, so it must own nothing: a file only it owned
 * could never be served, and the job could not finish.
 */
import { InputError } from '../run/failures.js';
import type { Job } from './inputs.js';

export function chooseFreeRiders(job: Job, count: number): number[] {
  if (count === 0) return [];
  const empty = job.clients.flatMap((client, i) => (client.owned.length === 0 ? [i + 1] : []));
  if (empty.length < count) {
    throw new InputError(
      '--free-riders',
      `${count} asked, but only ${empty.length} of the ${job.clients.length} clients own nothing (a free rider must own nothing: a file only it owned could never be served)`,
    );
  }
  return empty.slice(empty.length - count);
}
