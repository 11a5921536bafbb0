import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsDocument } from '../../reports/document.js';
import { generated, sim } from './cli.js';
import { tempDir } from './files.js';

/** A virtual-time run of a generated job, its trace in `<out>/trace.jsonl`, as `sim view` finds it. */
export function tracedRun(ranks: number, files: number, segments: string, seed: string): { out: string; doc: MetricsDocument } {
  const dir = generated(['--ranks', String(ranks), '--files', String(files), '--segments', segments, '--wants', '2', '--seed', seed]);
  const out = tempDir();
  const result = sim('run', dir, '--transport', 'virtual', '--out', out, '--trace', join(out, 'trace.jsonl'), '--quiet');
  if (result.status !== 0) throw new Error(`sim run failed: ${result.stderr}`);
  return { out, doc: JSON.parse(readFileSync(join(out, 'report', 'metrics.json'), 'utf8')) as MetricsDocument };
}
