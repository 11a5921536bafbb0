import { buildMetrics, type MetricsDocument } from '../../reports/document.js';

/** A metrics document for `clients` clients where client r uploaded `uploads[r - 1]`. */
export function handMadeDoc(uploads: number[], options: { files?: number } = {}): MetricsDocument {
  const clients = uploads.length;
  const size = clients + 1;
  const total = uploads.reduce((a, b) => a + b, 0);
  // Every client downloads an equal share of what was uploaded, from the uploaders in turn.
  const downloadedFrom = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  let downloader = 1;
  uploads.forEach((count, i) => {
    for (let k = 0; k < count; k++) {
      if (downloader === i + 1) downloader = (downloader % clients) + 1;
      downloadedFrom[downloader][i + 1]++;
      downloader = (downloader % clients) + 1;
    }
  });
  const downloads = downloadedFrom.map((row) => row.reduce((a, b) => a + b, 0));
  const files = options.files ?? 2;
  return buildMetrics({
    run: {
      inputDir: 'in',
      outDir: 'out',
      transport: 'threads',
      workers: clients,
      strategy: 'round-robin',
      pipeline: 'auto',
      ranks: size,
      startedAt: '2026-01-01T00:00:00.000Z',
      wallSeconds: 1,
    },
    counters: Array.from({ length: size }, (_, rank) => ({
      rank,
      uploaded: rank === 0 ? 0 : uploads[rank - 1],
      downloaded: downloads[rank],
      nacksSent: 0,
      nacksReceived: 0,
      requestsSent: downloads[rank],
      swarmRequests: rank === 0 ? 0 : 1,
      messagesIn: 0,
      messagesOut: 0,
    })),
    downloadedFrom: downloadedFrom.map((row) =>
      row.flatMap((segments, uploader): [number, number][] => (segments > 0 ? [[uploader, segments]] : [])),
    ),
    wantedSegments: downloads.slice(1),
    servers: uploads.map((_, i) => i + 1),
    files: Array.from({ length: files }, (_, k) => ({
      name: `file${k + 1}`,
      segments: Math.ceil(total / files),
      seeds: 1,
      peers: 0,
      completed: 0,
      wantedBy: 1,
    })),
    progress: downloads.slice(1).map((count, i) => [
      [0, 0],
      [0.5 + i / (10 * clients), Math.floor(count / 2)],
      [1 + i / (10 * clients), count],
    ]),
    swarmGrowth: Array.from({ length: files }, (_, k) => ({
      file: `file${k + 1}`,
      samples: [
        [0, 1, 0],
        [0.2, 1, clients - 1],
        [1, clients, 0],
      ],
    })),
    outputs: { written: clients, problems: [] },
  });
}
