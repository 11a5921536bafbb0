import type { Job } from './inputs.js';

/**
 * The clients that could serve someone: an owner of a file another client wants, or a
 * downloader of a file that some other client also wants. Load figures are taken over
 * these only, since a client nobody could ask is not unfairly idle.
 */
function add(map: Map<string, number[]>, key: string, rank: number): void {
  const list = map.get(key);
  if (list) list.push(rank);
  else map.set(key, [rank]);
}

export function servingClients(job: Job): number[] {
  const wantedBy = new Map<string, number[]>();
  const ownedBy = new Map<string, number[]>();
  job.clients.forEach((client, i) => {
    for (const name of client.wanted) add(wantedBy, name, i + 1);
    for (const { name } of client.owned) add(ownedBy, name, i + 1);
  });
  const could = new Set<number>();
  for (const [name, downloaders] of wantedBy) {
    for (const owner of ownedBy.get(name) ?? []) could.add(owner);
    if (downloaders.length > 1) for (const rank of downloaders) could.add(rank);
  }
  return [...could].sort((a, b) => a - b);
}

/** Segment transfers the inputs imply: every wanted file, whole, once per client that wants it. */
export function expectedTransfers(job: Job): number {
  let total = 0;
  for (const client of job.clients) for (const name of client.wanted) total += job.files.get(name)?.length ?? 0;
  return total;
}
