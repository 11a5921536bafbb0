/**
 * Every option of every verb, declared once: flags, parser (its check), default, help, and
 * a value it must refuse. A verb picks the entries it takes by key (./verbs/); the flags its
 * action receives are typed from these entries. The options of one verb only are in
 * ./verb-options.ts.
 */
import { FAULT_FORMS } from '../faults/plan.js';
import { NETWORK_DEFAULTS } from '../transports/virtual/network-defaults.js';
import { STRATEGY_NAMES } from '../../ranks/strategies/index.js';
import type { StrategyChoice } from '../strategies/choice.js';
import { TRANSPORT_NAMES, type TransportName } from '../transports/names.js';
import { TRACE_FORMATS, type TraceFormat } from '../trace/formats.js';
import { toggle, value } from './option-table.js';
import { ARRIVAL_FORMS, type ArrivalSpec } from '../job/arrivals.js';
import * as parse from './parsers.js';
import { VERB_OPTIONS } from './verb-options.js';

const VIRTUAL = 'virtual transport:';

/** The options several verbs share. */
const SHARED = {
  verbose: toggle({ flags: '--verbose', help: 'print stack traces of failures', bad: ['--verbose=yes'] }),
  json: toggle({
    flags: '--json',
    help: 'print the result as one JSON document on stdout, with ok and exitCode at its top (sim run: the metrics document)',
    bad: ['--json=yes'],
  }),
  quiet: toggle({
    flags: '--quiet',
    help: "nothing on stderr but errors: no progress bar or lines, no line per finished run, no summary of what a fault lost under --json, no TCP coordinator's lines on ranks lost and connections refused (the run's end still says what failed)",
    bad: ['--quiet=yes'],
  }),
  report: toggle({
    flags: '--no-report',
    help: 'do not write report/ (metrics.json, CSV, index.html with its charts)',
    bad: ['--no-report=yes'],
  }),
  png: toggle({
    flags: '--png',
    help: 'also draw each chart of the report to a PNG file (index.html draws them either way; drawing them in Node costs ~0.2 s)',
    bad: ['--png=yes'],
  }),

  // The job and where its results go.
  ranks: value({
    flags: '-n, --ranks <n>',
    help: 'ranks in the job, tracker included (-np works too); sim run: must match the in*.txt present (default: in*.txt + 1)',
    parse: parse.wholeNumber(3),
    aliases: ['-np'],
    bad: ['--ranks', '2'],
  }),
  out: value({
    flags: '--out <dir>',
    help: 'the folder results are written to (created if missing)',
    parse: parse.nonEmpty('a folder'),
    bad: ['--out', '/proc/nope'],
  }),
  transport: value<TransportName>({
    flags: '--transport <name>',
    help: 'threads: clients in worker threads; tcp: ranks in processes over loopback TCP (rank groups: --processes); virtual: every rank in one thread, in simulated time, reproducible by --seed',
    parse: parse.oneOf(TRANSPORT_NAMES),
    default: 'threads',
    bad: ['--transport', 'pigeon'],
  }),
  strategy: value<StrategyChoice[]>({
    flags: '--strategy <names>',
    help: `how a client picks the holder to ask: ${STRATEGY_NAMES.join(', ')}, or a module's path (./mine.js, or label=./mine.js: see defineStrategy); several, comma-separated, or all, run one after another`,
    parse: parse.strategyList,
    bad: ['--strategy', 'random-walk'],
  }),
  freeRiders: value({
    flags: '--free-riders <k>',
    help: 'this many clients never upload (the highest-ranked of those that own nothing): what tit-for-tat punishes; the summary shows their completion apart',
    parse: parse.wholeNumber(0),
    default: 0,
    bad: ['--free-riders', '-1'],
  }),
  arrivals: value<ArrivalSpec>({
    flags: '--arrivals <spec>',
    help: `when clients arrive: ${ARRIVAL_FORMS}; drawn from the seed, exact in virtual time, by the wall clock on threads and tcp`,
    parse: parse.arrivals,
    bad: ['--arrivals', 'poisson:0'],
  }),
  seedTime: value({
    flags: '--seed-time <seconds>',
    help: 'a client that has every wanted file stays this long, then leaves the swarm with a BYE (a graceful departure: nothing is reported lost)',
    parse: parse.seedTime,
    bad: ['--seed-time', '-1'],
  }),
  pipeline: value<number | 'auto'>({
    flags: '--pipeline <n>',
    help: "segment requests a client keeps in flight ('auto': one per 20 segments wanted, 8 to 256)",
    parse: parse.pipeline,
    default: 'auto',
    bad: ['--pipeline', '0'],
  }),
  stallTimeout: value({
    flags: '--stall-timeout <seconds>',
    help: 'end a run, saying what every rank waits for, when no message moves for this long',
    parse: parse.seconds,
    default: 10,
    bad: ['--stall-timeout', '0'],
  }),
  workers: value<number | 'all'>({
    flags: '--workers <n>',
    help: "threads to run in: the clients share this many worker threads (run, check, faults; 'all': one per client, the widest interleavings; default: every core but the tracker's, and a thread of its own for each client a fault kills), or the sweep runs this many simulations at once (default one per core)",
    parse: parse.workerCount,
    aliases: ['--threads'],
    bad: ['--workers', '0'],
  }),
  processes: value<number | 'all'>({
    flags: '--processes <n>',
    help: "tcp: processes the clients share, each a rank group whose ranks trade messages without a socket ('all': one per client, every link TCP; default: every core but the coordinator's, and a process of its own for each client a fault kills)",
    parse: parse.workerCount,
    bad: ['--processes', '0'],
  }),
  progress: value<'auto' | 'bar' | 'lines' | 'off'>({
    flags: '--progress <mode>',
    help: 'live progress on stderr: bar (redrawn in place), lines (one a second), off, or auto: a bar on a terminal, lines otherwise',
    parse: parse.oneOf(['auto', 'bar', 'lines', 'off']),
    default: 'auto',
    bad: ['--progress', 'fancy'],
  }),
  trackers: value<1 | 2>({
    flags: '--trackers <n>',
    help: 'trackers: 2 adds a standby (one more rank, after the clients) that takes over when rank 0 is lost',
    parse: parse.trackers,
    default: 1,
    bad: ['--trackers', '3'],
  }),
  trackerState: value({
    flags: '--tracker-state <dir>',
    help: 'the tracker keeps its changes in this folder (a log flushed in batches, a snapshot now and then), so that restart:0@... needs no standby: it reloads them, and clients wait for it; over TCP rank 0 is then a process of its own under a coordinator apart, which sim run starts again whatever kills it (sim rank: give it to every rank and to the sim rank --coordinate process; start rank 0 again by hand)',
    parse: parse.nonEmpty('a folder'),
    bad: ['--tracker-state', '/proc/nope'],
  }),
  fault: value({
    flags: '--fault <spec>',
    help: `inject a fault, repeatable: ${FAULT_FORMS} (see docs/faults.md)`,
    parse: parse.faultSpec,
    bad: ['--fault', 'explode:3'],
  }),
  dumpTracker: toggle({
    flags: '--dump-tracker',
    help: "print the serving tracker's swarm table at the end (per file: seeds, peers, completed downloads)",
    bad: ['--dump-tracker=yes'],
  }),

  // Virtual time.
  seed: value({
    flags: '--seed <x>',
    help: 'the seed: the same seed, the same virtual-time run (run, check; default 1), fault plans (faults) or files (gen)',
    parse: parse.nonEmpty('a seed'),
    bad: ['--seed', ''],
  }),
  trace: value({
    flags: '--trace <file>',
    help: 'write every message delivered to this file (JSON Lines, or as --trace-format says): in simulated time, or on threads and TCP each rank records its own on the wall clock (sim check: virtual time only)',
    parse: parse.nonEmpty('a file'),
    bad: ['--trace', '/proc/nope/trace.jsonl'],
  }),
  traceFormat: value<TraceFormat>({
    flags: '--trace-format <format>',
    help: `the --trace file's format: jsonl (a line of JSON per message) or perfetto (Chrome trace event JSON for ui.perfetto.dev or chrome://tracing: a track per rank, a slice per segment request, an arrow per segment sent, a counter of segments held) (default jsonl)`,
    parse: parse.oneOf(TRACE_FORMATS),
    bad: ['--trace-format', 'chrome'],
  }),
  checkDeterminism: toggle({
    flags: '--check-determinism',
    help: `${VIRTUAL} run twice and fail, naming the first differing event, if the runs differ`,
    bad: ['--check-determinism'],
  }),
  latency: value({
    flags: '--latency <ms>',
    help: `${VIRTUAL} link latency in ms (default ${NETWORK_DEFAULTS.latencyMs})`,
    parse: parse.positiveNumber,
    bad: ['--latency', '-1'],
  }),
  upload: value({
    flags: '--upload <mbps>',
    help: `${VIRTUAL} each client's upload in Mbit/s (default ${NETWORK_DEFAULTS.uploadMbps})`,
    parse: parse.positiveNumber,
    bad: ['--upload', '0'],
  }),
  download: value({
    flags: '--download <mbps>',
    help: `${VIRTUAL} each client's download in Mbit/s (default ${NETWORK_DEFAULTS.downloadMbps})`,
    parse: parse.positiveNumber,
    bad: ['--download', 'fast'],
  }),
  segmentSize: value({
    flags: '--segment-size <kib>',
    help: `${VIRTUAL} segment size in KiB (default ${NETWORK_DEFAULTS.segmentKiB})`,
    parse: parse.positiveNumber,
    bad: ['--segment-size', '0'],
  }),
  network: value({
    flags: '--network <file>',
    help: `${VIRTUAL} a JSON network scenario (global values and per-rank links); flags win over it`,
    parse: parse.readableFile,
    bad: ['--network', '/nonexistent/network.json'],
  }),
};

export const OPTIONS = { ...SHARED, ...VERB_OPTIONS };

export type OptionKey = keyof typeof OPTIONS;
