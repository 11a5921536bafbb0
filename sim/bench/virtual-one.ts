/**
 * One virtual-time run at scale, in its own process so that its peak memory is its own:
 * the run pipeline as `sim run --transport virtual --no-report` drives it (old outputs
 * cleared, the run, every output read back and checked), timed from loading the inputs.
 * Prints its figures as JSON: `node virtual-one.js CASE_DIR OUT_DIR STRATEGY`.
 */
import { loadJob } from '../job/inputs.js';
import { defaultNetwork, runJob } from '../run/pipeline.js';
import type { MetricsDocument } from '../../reports/document.js';

export interface OneRun {
  clients: number;
  transfers: number;
  messages: number;
  /** Messages delivered, by tag name. */
  byKind: Record<string, number>;
  /** Loading the inputs, running, and reading back every output. */
  seconds: number;
  peakBytes: number;
  exitCode: number;
  /** Outputs wrong or missing, the first few named. */
  problems: { count: number; first: string[] };
}

/**
 * Every message of a run without faults, by kind, from the counters: each client sends
 * INIT and CLIENT_GOT_ALL_FILES and hears INIT_ACK and TERMINATE once, each file it
 * finishes is one SINGLE_FILE_DOWNLOAD_COMPLETED, each swarm request gets one reply, and
 * what is left is PEER_UPDATE (every 10 segments).
 */
export function messagesByKind(doc: MetricsDocument): Record<string, number> {
  const clients = doc.ranks.filter((rank) => rank.role === 'client');
  const sum = (field: 'requestsSent' | 'uploaded' | 'nacksSent' | 'swarmRequests'): number => clients.reduce((n, c) => n + c[field], 0);
  const once = clients.length;
  const finished = doc.outputs.written;
  const kinds: Record<string, number> = {
    SEGMENT_REQUEST: sum('requestsSent'),
    ACK: sum('uploaded'),
    NACK: sum('nacksSent'),
    SWARM_REQUEST: sum('swarmRequests'),
    SWARM_REPLY: sum('swarmRequests'),
    INIT: once,
    INIT_ACK: once,
    CLIENT_GOT_ALL_FILES: once,
    TERMINATE: once,
    SINGLE_FILE_DOWNLOAD_COMPLETED: finished,
  };
  kinds.PEER_UPDATE = doc.run.messages - Object.values(kinds).reduce((a, b) => a + b, 0);
  // At most one per 10 segments obtained: a count outside that would say these sums are wrong.
  if (kinds.PEER_UPDATE < 0 || kinds.PEER_UPDATE > doc.run.segmentsTransferred / 10) {
    throw new Error(`the message counts do not add up: ${kinds.PEER_UPDATE} left for PEER_UPDATE`);
  }
  return kinds;
}

async function main(): Promise<void> {
  const [dir, outDir, strategy] = process.argv.slice(2);
  const started = performance.now();
  const job = loadJob(dir);
  const doc = await runJob(job, {
    transport: 'virtual',
    strategy: { label: strategy },
    pipeline: 'auto',
    outDir,
    stallTimeoutMs: 10_000,
    virtual: { seed: '1', network: defaultNetwork() },
  });
  const seconds = (performance.now() - started) / 1000;
  const problems = doc.outputs.problems;
  const figures: OneRun = {
    clients: job.clients.length,
    transfers: doc.run.segmentsTransferred,
    messages: doc.run.messages,
    byKind: messagesByKind(doc),
    seconds,
    peakBytes: process.resourceUsage().maxRSS * 1024,
    exitCode: doc.exitCode ?? 1,
    problems: { count: problems.length, first: problems.slice(0, 3).map(({ output, problem }) => `${output}: ${problem}`) },
  };
  process.stdout.write(JSON.stringify(figures));
}

if (process.argv[1]?.endsWith('virtual-one.js')) await main();
