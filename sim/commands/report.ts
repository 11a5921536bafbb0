import { dirname } from 'node:path';
import { readMetrics } from '../run/metrics-file.js';

/** `sim report`: redraws a run's report (charts, CSV, index.html) from its metrics.json alone. */
export async function reportCommand(runDir: string): Promise<{ dir: string; files: string[] }> {
  const { file, doc } = await readMetrics(runDir);
  // Rendering pulls in chart.js and the canvas: loaded only when a report is drawn.
  const { writeRunReport } = await import('../../reports/write.js');
  const dir = dirname(file);
  return { dir, files: await writeRunReport(dir, doc) };
}
