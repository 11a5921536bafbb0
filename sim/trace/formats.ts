import type { Roles } from '../../ranks/roles.js';
import { PerfettoTrace } from './perfetto.js';
import { TraceFile, type TraceSink } from './trace.js';

/** What `--trace-format` takes: a line of JSON per message, or Chrome trace event JSON for Perfetto. */
export const TRACE_FORMATS = ['jsonl', 'perfetto'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The sink that writes a trace file in a format; `roles` names each rank's track. */
export function openTrace(path: string, format: TraceFormat, roles: Roles): TraceSink {
  return format === 'perfetto' ? new PerfettoTrace(path, roles) : new TraceFile(path);
}

/** Hands every message to several sinks: the determinism check's hashes beside a trace in another format. */
export class TeeSink implements TraceSink {
  constructor(private readonly sinks: readonly TraceSink[]) {}

  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void {
    for (const sink of this.sinks) sink.event(timeNs, source, dest, tag, payload);
  }

  /** Closes every sink, even after one fails, so none leaves its temp file; then says the first failure. */
  close(): void {
    const failures: unknown[] = [];
    for (const sink of this.sinks) {
      try {
        sink.close();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
