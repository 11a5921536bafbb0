/**
 * How long messages take in virtual time. Every message takes the link latency; a segment
 * (the ACK that carries it) also queues behind the holder's earlier uploads and the
 * requester's earlier downloads, each link sending one segment at a time at its bandwidth.
 * Rank code itself takes no virtual time.
 */
import { readRegularFileSync } from '../../job/read-file.js';
import { Ajv } from 'ajv';
import { Tag } from '../../../ranks/protocol.js';
import { InputError } from '../../run/failures.js';

export interface LinkSettings {
  latencyMs: number;
  uploadMbps: number;
  downloadMbps: number;
}

export interface NetworkSettings extends LinkSettings {
  segmentKiB: number;
  /** Per-rank overrides, by rank. */
  ranks: Map<number, Partial<Pick<LinkSettings, 'uploadMbps' | 'downloadMbps'>>>;
}

export { NETWORK_DEFAULTS } from './network-defaults.js';

interface ScenarioFile {
  latencyMs?: number;
  segmentKiB?: number;
  uploadMbps?: number;
  downloadMbps?: number;
  ranks?: { ranks: string; uploadMbps?: number; downloadMbps?: number }[];
}

const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const SCENARIO_SCHEMA = {
  type: 'object',
  properties: {
    latencyMs: positive,
    segmentKiB: positive,
    uploadMbps: positive,
    downloadMbps: positive,
    ranks: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ranks: { type: 'string', pattern: '^[0-9]+(-[0-9]+)?$' }, uploadMbps: positive, downloadMbps: positive },
        required: ['ranks'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** Reads a network scenario file: global values and per-rank links, e.g. a few fast seeds. */
export function readScenario(path: string): Partial<NetworkSettings> {
  let data: unknown;
  try {
    data = JSON.parse(readRegularFileSync(path, 64 * 2 ** 20, true));
  } catch (error) {
    throw new InputError(path, `cannot read the network scenario (${(error as { problem?: string }).problem ?? (error as Error).message})`);
  }
  const validate = new Ajv({ strict: true }).compile<ScenarioFile>(SCENARIO_SCHEMA);
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new InputError(path, `${first?.instancePath || '(top)'} ${first?.message ?? 'is not a network scenario'}`);
  }
  const ranks = new Map<number, Partial<LinkSettings>>();
  for (const entry of data.ranks ?? []) {
    const [from, to = from] = entry.ranks.split('-').map(Number);
    if (to < from) throw new InputError(path, `rank range ${entry.ranks} is empty`);
    if (to > MAX_RANK) throw new InputError(path, `rank range ${entry.ranks} goes beyond rank ${MAX_RANK}`);
    for (let rank = from; rank <= to; rank++) {
      ranks.set(rank, { ...ranks.get(rank), uploadMbps: entry.uploadMbps, downloadMbps: entry.downloadMbps });
    }
  }
  return { latencyMs: data.latencyMs, segmentKiB: data.segmentKiB, uploadMbps: data.uploadMbps, downloadMbps: data.downloadMbps, ranks };
}

const NS_PER_MS = 1e6;
/** Far beyond any job this machine can run; keeps a typo like 1-99999999 from filling memory. */
const MAX_RANK = 10_000_000;

export class NetworkModel {
  private readonly latencyNs: number;
  private readonly upNs: Float64Array;
  private readonly downNs: Float64Array;
  private readonly upFree: Float64Array;
  private readonly downFree: Float64Array;

  constructor(size: number, settings: NetworkSettings) {
    // At least 1 ns, so that a reply never arrives at the instant its request did.
    this.latencyNs = Math.max(1, Math.round(settings.latencyMs * NS_PER_MS));
    const bits = settings.segmentKiB * 1024 * 8;
    this.upNs = new Float64Array(size);
    this.downNs = new Float64Array(size);
    for (let rank = 0; rank < size; rank++) {
      const own = settings.ranks.get(rank);
      // At least 1 ns, so that two segments on one link never arrive at the same instant.
      this.upNs[rank] = Math.max(1, (bits / ((own?.uploadMbps ?? settings.uploadMbps) * 1e6)) * 1e9);
      this.downNs[rank] = Math.max(1, (bits / ((own?.downloadMbps ?? settings.downloadMbps) * 1e6)) * 1e9);
    }
    this.upFree = new Float64Array(size);
    this.downFree = new Float64Array(size);
  }

  /** When a message sent now arrives, in integer nanoseconds. */
  /** Nanoseconds a message without payload takes from `source` to `dest`. */
  latency(_source: number, _dest: number): number {
    return this.latencyNs;
  }

  arrival(now: number, source: number, dest: number, tag: number): number {
    if (tag !== Tag.ACK) return now + this.latencyNs;
    const sent = Math.max(now, this.upFree[source]) + this.upNs[source];
    this.upFree[source] = sent;
    // The slower of the two links sets the pace; each serves one segment at a time.
    const received = Math.max(sent, Math.max(now, this.downFree[dest]) + this.downNs[dest]);
    this.downFree[dest] = received;
    return Math.ceil(received + this.latencyNs);
  }
}
