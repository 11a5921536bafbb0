/** One virtual-time run at scale, in its own process: prints its figures as JSON. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCase } from '../job/generate.js';
import { loadJob } from '../job/inputs.js';
import { runVirtual } from '../transports/virtual/transport.js';
import { NETWORK_DEFAULTS } from '../transports/virtual/network-defaults.js';
import type { TraceSink } from '../transports/virtual/trace.js';
import { TAG_NAMES } from '../../ranks/protocol.js';

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
// Every message delivered, by kind: what a transfer costs, and where (issue: messages per transfer).
const byKind: Record<string, number> = {};
const counter: TraceSink = {
  event: (_time, _source, _dest, tag) => void (byKind[TAG_NAMES[tag] ?? String(tag)] = (byKind[TAG_NAMES[tag] ?? String(tag)] ?? 0) + 1),
  close: () => undefined,
};
const outDir = await mkdtemp(join(tmpdir(), 'swarmsim-scale-'));
const started = performance.now();
const { result } = await runVirtual(job, {
  strategy: { label: 'round-robin' },
  pipeline: 'auto',
  outDir,
  stallTimeoutMs: 10_000,
  virtual: { seed: '1', network: { ...NETWORK_DEFAULTS, ranks: new Map() }, trace: counter },
});
const seconds = (performance.now() - started) / 1000;
(globalThis as { gc?: () => void }).gc?.();
const liveBytes = process.memoryUsage().heapUsed;
await rm(outDir, { recursive: true, force: true });
const transfers = result.ranks.reduce((n, rank) => n + rank.downloaded, 0);
const messages = result.ranks.reduce((n, rank) => n + rank.messagesOut, 0);
process.stdout.write(
  JSON.stringify({
    clients: job.ranks - 1,
    transfers,
    messages,
    seconds,
    peakBytes: process.resourceUsage().maxRSS * 1024,
    liveBytes,
    byKind,
  }),
);
