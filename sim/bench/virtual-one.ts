/** One virtual-time run at scale, in its own process: prints its figures as JSON. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCase } from '../job/generate.js';
import { loadJob } from '../job/inputs.js';
import { runVirtual } from '../transports/virtual/transport.js';
import { NETWORK_DEFAULTS } from '../transports/virtual/network-defaults.js';

const [dir, ranks, files, segments, wants] = process.argv.slice(2);
await writeCase(dir, {
  ranks: Number(ranks),
  files: Number(files),
  segments: { min: Number(segments), max: Number(segments) },
  seeders: 3,
  wants: Number(wants),
  seed: 'scale',
});
const job = loadJob(dir);
const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-scale-'));
const started = performance.now();
const { result } = await runVirtual(job, {
  strategy: 'round-robin',
  pipeline: 'auto',
  outDir,
  stallTimeoutMs: 10_000,
  virtual: { seed: '1', network: { ...NETWORK_DEFAULTS, ranks: new Map() } },
});
const seconds = (performance.now() - started) / 1000;
(globalThis as { gc?: () => void }).gc?.();
const liveBytes = process.memoryUsage().heapUsed;
await rm(outDir, { recursive: true, force: true });
const transfers = result.ranks.reduce((n, rank) => n + rank.downloaded, 0);
const messages = result.ranks.reduce((n, rank) => n + rank.messagesOut, 0);
process.stdout.write(
  JSON.stringify({ clients: job.ranks - 1, transfers, messages, seconds, peakBytes: process.resourceUsage().maxRSS * 1024, liveBytes }),
);
