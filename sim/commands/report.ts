import { dirname } from 'node:path';
import { readMetrics } from '../run/metrics-file.js';

/** `sim report`: redraws a run's report (charts, CSV, index.html) from its metrics.json alone. */
export async function reportCommand(runDir: string, options: { png?: boolean } = {}): Promise<{ dir: string; files: string[] }> {
  const { file, doc } = await readMetrics(runDir);
  const { writeRunReport } = await import('../../reports/write.js');
  const dir = dirname(file);
  return { dir, files: await writeRunReport(dir, doc, options) };
}
