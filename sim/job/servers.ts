import type { Job } from './inputs.js';

function add(map: Map<string, number[]>, key: string, rank: number): void {
  const list = map.get(key);
  if (list) list.push(rank);
  else map.set(key, [rank]);
}

/**
 * The clients that could serve someone: an owner of a file another client wants, or a
 * downloader of a file that some other client also wants. Load figures are taken over
 * these only, since a client nobody could ask is not unfairly idle; nor is a free rider,
 * which chose not to serve (its 0 would say only that it rode free).
 */
export function servingClients(job: Job, freeRiders: readonly number[] = []): number[] {
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
  for (const rank of freeRiders) could.delete(rank);
  return [...could].sort((a, b) => a - b);
}

/** Segments each client wants in all (index rank - 1). */
export function wantedSegments(job: Job): number[] {
  return job.clients.map((client) => client.wanted.reduce((n, file) => n + (job.files.get(file)?.length ?? 0), 0));
}

/** Segment transfers the whole job needs. */
export function totalTransfers(job: Job): number {
  return wantedSegments(job).reduce((a, b) => a + b, 0);
}
