import { basename, resolve } from 'node:path';
import { InputError } from '../job/inputs.js';
import { readMetrics } from '../run/metrics-file.js';
import { ensureOutputFolder } from '../job/output-folders.js';

export interface CompareOptions {
  outDir: string;
  /** One per run; default each run's strategy, or its folder's name when strategies repeat. */
  labels?: string[];
  /** Also draw the charts to PNG files. */
  png?: boolean;
}

/** Strategies name runs well unless two runs share one; then folder names do. */
function defaultLabels(dirs: readonly string[], strategies: readonly string[]): string[] {
  return new Set(strategies).size === strategies.length ? [...strategies] : dirs.map((dir) => basename(resolve(dir)));
}

/** `sim compare`: a side-by-side report of earlier runs. */
export async function compareCommand(
  runDirs: readonly string[],
  options: CompareOptions,
): Promise<{ dir: string; labels: string[]; files: string[] }> {
  if (runDirs.length < 2) throw new InputError('compare', 'needs at least two runs');
  if (options.labels && options.labels.length !== runDirs.length) {
    throw new InputError('--labels', `${options.labels.length} labels for ${runDirs.length} runs`);
  }
  await ensureOutputFolder('--out', options.outDir);
  const runs = await Promise.all(runDirs.map(readMetrics));
  const labels =
    options.labels ??
    defaultLabels(
      runDirs,
      runs.map(({ doc }) => doc.run.strategy),
    );
  const { writeCompareReport } = await import('../../reports/write.js');
  const files = await writeCompareReport(
    options.outDir,
    runs.map(({ doc }, i) => ({ label: labels[i], doc })),
    { png: options.png },
  );
  return { dir: options.outDir, labels, files };
}
