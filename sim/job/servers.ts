import type { Job } from './inputs.js';

/** Who owns and who wants one file, by rank: what the best possible spread is computed from. */
export interface FileHolding {
  segments: number;
  owners: number[];
  wanters: number[];
}

/** Per file the job names: its segments, who owns it and who wants it (ranks, in order). */
export function fileHolders(job: Job): Map<string, FileHolding> {
  const files = new Map<string, FileHolding>();
  const entry = (name: string): FileHolding => {
    let found = files.get(name);
    if (!found) files.set(name, (found = { segments: job.files.get(name)?.length ?? 0, owners: [], wanters: [] }));
    return found;
  };
  job.clients.forEach((client, i) => {
    for (const { name } of client.owned) entry(name).owners.push(i + 1);
    for (const name of client.wanted) entry(name).wanters.push(i + 1);
  });
  return files;
}

/**
 * The clients that could serve someone: an owner of a file another client wants, or a
 * downloader of a file that some other client also wants. Load figures are taken over
 * these only, since a client nobody could ask is not unfairly idle; nor is a free rider,
 * which chose not to serve (its 0 would say only that it rode free).
 */
export function servingClients(job: Job, freeRiders: readonly number[] = []): number[] {
  const could = new Set<number>();
  for (const { owners, wanters } of fileHolders(job).values()) {
    if (wanters.length === 0) continue;
    for (const owner of owners) could.add(owner);
    if (wanters.length > 1) for (const rank of wanters) could.add(rank);
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
