/**
 * The flags only some transports read: refused with the others rather than ignored, and
 * turned into the virtual transport's settings (defaults, then the scenario file, then flags).
 */
import type { TraceRequest, VirtualSettings } from '../run/pipeline.js';
import { InputError } from '../run/failures.js';
import type { TraceFormat } from '../trace/formats.js';
import type { TransportName } from '../transports/names.js';
import { checkPacking } from '../transports/rank-groups.js';
import type { NetworkSettings } from '../transports/virtual/network-model.js';
import { NETWORK_DEFAULTS } from '../transports/virtual/network-defaults.js';

export interface NetworkFlags {
  readonly latency: number | undefined;
  readonly upload: number | undefined;
  readonly download: number | undefined;
  readonly segmentSize: number | undefined;
  readonly network: string | undefined;
}

export interface VirtualFlags extends NetworkFlags {
  readonly transport: TransportName;
  readonly seed: string | undefined;
  readonly trace: string | undefined;
  readonly traceFormat: TraceFormat | undefined;
  readonly checkDeterminism: boolean;
}

/** The network flags as given, for a replay command. */
export function networkArgs(flags: NetworkFlags): string[] {
  const given: [string, string | number | undefined][] = [
    ['--latency', flags.latency],
    ['--upload', flags.upload],
    ['--download', flags.download],
    ['--segment-size', flags.segmentSize],
    ['--network', flags.network],
  ];
  return given.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
}

/**
 * Flags that only the virtual transport reads are refused elsewhere. `--trace` is one of
 * them for a verb that runs many jobs (`sim check`: one file for every run), not for `sim run`.
 */
export function checkVirtualFlags(flags: VirtualFlags, traceOnAnyTransport = false): void {
  checkTraceFlags(flags);
  if (flags.transport === 'virtual') return;
  const given = [
    ['--seed', flags.seed !== undefined],
    ['--trace', flags.trace !== undefined && !traceOnAnyTransport],
    ['--check-determinism', flags.checkDeterminism],
    ...networkArgs(flags)
      .filter((_, i) => i % 2 === 0)
      .map((flag) => [flag, true] as const),
  ] as const;
  const first = given.find(([, set]) => set);
  if (first) throw new InputError(first[0], 'applies to --transport virtual only');
}

/** `--workers` on threads only, `--processes` over TCP only (../transports/rank-groups.ts). */
export function checkPackingFlags(transport: TransportName, flags: { workers?: number | 'all'; processes?: number | 'all' }): void {
  checkPacking(transport, flags, (setting) => `--${setting}`);
}

/** Defaults, then the scenario file, then flags; the file's per-rank links on top. */
export async function networkSettings(flags: NetworkFlags): Promise<NetworkSettings> {
  const { readScenario } = await import('../transports/virtual/network-model.js');
  // A scenario that is not one is named by its file and the place in it; a missing file was refused as --network's value.
  const file = flags.network === undefined ? {} : readScenario(flags.network);
  const pick = <T>(flag: T | undefined, fromFile: T | undefined, fallback: T): T => flag ?? fromFile ?? fallback;
  return {
    latencyMs: pick(flags.latency, file.latencyMs, NETWORK_DEFAULTS.latencyMs),
    uploadMbps: pick(flags.upload, file.uploadMbps, NETWORK_DEFAULTS.uploadMbps),
    downloadMbps: pick(flags.download, file.downloadMbps, NETWORK_DEFAULTS.downloadMbps),
    segmentKiB: pick(flags.segmentSize, file.segmentKiB, NETWORK_DEFAULTS.segmentKiB),
    ranks: file.ranks ?? new Map(),
  };
}

/** The virtual transport's settings, or undefined for another transport. */
export async function virtualSettings(flags: VirtualFlags): Promise<VirtualSettings | undefined> {
  if (flags.transport !== 'virtual') return undefined;
  return {
    seed: flags.seed ?? '1',
    checkDeterminism: flags.checkDeterminism,
    network: await networkSettings(flags),
    networkArgs: networkArgs(flags),
  };
}

/** A format says how to write a file: without the file it says nothing. */
export function checkTraceFlags(flags: Pick<VirtualFlags, 'trace' | 'traceFormat'>): void {
  if (flags.traceFormat !== undefined && flags.trace === undefined)
    throw new InputError('--trace-format', 'needs --trace <file>, the file it is the format of');
}

/** `--trace` and `--trace-format` as the pipeline takes them. */
export function traceRequest(flags: Pick<VirtualFlags, 'trace' | 'traceFormat'>): TraceRequest | undefined {
  return flags.trace === undefined ? undefined : { path: flags.trace, format: flags.traceFormat ?? 'jsonl' };
}

/** The network model's options, as every verb that runs in virtual time takes them. */
export const NETWORK_OPTIONS = ['latency', 'upload', 'download', 'segmentSize', 'network'] as const;

/** The virtual transport's options: the seed, the trace, the determinism check and the network model. */
export const VIRTUAL_OPTIONS = ['seed', 'trace', 'traceFormat', 'checkDeterminism', ...NETWORK_OPTIONS] as const;
