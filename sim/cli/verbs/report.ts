import { jsonResult, print, printJson } from '../print.js';
import { verb } from '../verb.js';
import { join } from 'node:path';

export const reportVerb = verb({
  name: 'report',
  description: "redraw a run's report (charts, CSV, index.html) from its metrics.json",
  args: [{ name: '<run-dir>', help: 'a run folder (its --out), its report/ folder, or a metrics.json' }],
  options: ['png', 'json'],
  action: async ([runDir], flags) => {
    const { reportCommand } = await import('../../commands/report.js');
    const { dir, files } = await reportCommand(runDir, { png: flags.png });
    if (flags.json) printJson(jsonResult(0, { dir, files }));
    else print(`wrote ${files.length} files to ${dir}\n`);
  },
});

export const compareVerb = verb({
  name: 'compare',
  description: 'a side-by-side report of several runs (e.g. one strategy against another on the same inputs)',
  args: [{ name: '<run-dir...>', help: 'run folders, report/ folders or metrics.json files' }],
  options: ['out', 'labels', 'png', 'json'],
  defaults: { out: 'compare' },
  action: async (runDirs, flags) => {
    const { compareCommand } = await import('../../commands/compare.js');
    const { dir, labels, files } = await compareCommand(runDirs, { outDir: flags.out, labels: flags.labels, png: flags.png });
    if (flags.json) printJson(jsonResult(0, { dir, runs: labels, files }));
    else print(`comparison of ${labels.length} runs written to ${join(dir, 'index.html')}\n`);
  },
});
