export interface DownloadCounters {
  downloaded: number;
  nacksReceived: number;
  requestsSent: number;
  swarmRequests: number;
  /** Segments obtained from each rank that served any (a map, so that it does not grow with the job). */
  downloadedFrom: Map<number, number>;
  /** Wanted files given up because some segment had no live holder left. */
  gaveUp: string[];
  /** Replies that came after their request was abandoned (timed out, or its holder lost). */
  lateReplies: number;
}

export function newDownloadCounters(): DownloadCounters {
  return { downloaded: 0, nacksReceived: 0, requestsSent: 0, swarmRequests: 0, downloadedFrom: new Map(), gaveUp: [], lateReplies: 0 };
}
