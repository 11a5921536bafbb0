import { join } from 'node:path';
import { BUILTIN_CHOICES } from '../../strategies/choice.js';
import { InputError } from '../../run/failures.js';
import { replayRun } from '../../run/replay.js';
import { jsonResult, note, print, printJson } from '../print.js';
import { verb } from '../verb.js';
import { describeArrivals } from '../../job/arrivals.js';
import { NETWORK_OPTIONS, networkArgs, networkSettings } from '../virtual-flags.js';
import type { SweepOptions } from '../../commands/sweep.js';
import { launchedSweep } from './sweep-launcher.js';

export const sweepVerb = verb({
  name: 'sweep',
  description:
    'run every (strategy, seed) pair as an independent virtual-time simulation, on every core, and compare the strategies: mean and spread of load and completion, as CSV and charts',
  args: [{ name: '<input-dir>', help: 'folder holding in1.txt .. in<N-1>.txt' }],
  options: [
    'strategy',
    'freeRiders',
    'arrivals',
    'seedTime',
    'seeds',
    'out',
    'workers',
    'quiet',
    'json',
    'launcher',
    'submit',
    'task',
    'merge',
    ...NETWORK_OPTIONS,
  ],
  defaults: { strategy: [...BUILTIN_CHOICES], out: 'sweep' },
  // What the Slurm scripts run.
  hidden: ['task', 'merge'],
  action: async ([inputDir], flags) => {
    if (flags.workers === 'all')
      throw new InputError('--workers', 'a sweep runs this many simulations at once: expected a whole number, got "all"');
    const { sweepCommand } = await import('../../commands/sweep.js');
    const { textTable } = await import('../text-table.js');
    const options: SweepOptions = {
      inputDir,
      strategies: flags.strategy,
      freeRiderCount: flags.freeRiders,
      arrivals: flags.arrivals,
      seedTimeSeconds: flags.seedTime,
      seeds: flags.seeds,
      network: await networkSettings(flags),
      outDir: flags.out,
      workers: flags.workers,
      onRow: flags.quiet
        ? undefined
        : (row, done, total) =>
            note(
              row.problem !== undefined
                ? `[${done}/${total}] ${row.strategy} seed ${row.seed}: FAILED\n`
                : `[${done}/${total}] ${row.strategy} seed ${row.seed}: Jain ${row.jain.toFixed(3)}, done at ${row.completionSeconds.toFixed(2)} s${row.ok ? '' : ', WRONG OUTPUT'}\n`,
            ),
    };
    const launched = await launchedSweep(options, flags);
    if (launched === 'done') return;
    const outcome = launched ?? (await sweepCommand(options));
    for (const row of outcome.rows.filter((r) => r.problem !== undefined)) {
      const replay = replayRun({
        inputDir,
        transport: 'virtual',
        seed: row.seed,
        strategy: flags.strategy.find((choice) => choice.label === row.strategy),
        freeRiders: flags.freeRiders,
        arrivals: flags.arrivals && describeArrivals(flags.arrivals),
        seedTime: flags.seedTime,
        networkArgs: networkArgs(flags),
      });
      note(`sim: ${row.strategy}, seed ${row.seed}: ${row.problem}\nreplay: ${replay}\n`);
    }
    const report = join(flags.out, 'index.html');
    if (flags.json) {
      printJson(jsonResult(outcome.exitCode, { rows: outcome.rows, summaries: outcome.summaries, report }));
    } else {
      const { BEST_LEGEND, boundSentence, figureCells } = await import('../../sweep/sweep-report.js');
      const rows = outcome.summaries.map((s) => [s.strategy, `${s.runs - s.failed}/${s.runs}`, ...figureCells(s)]);
      const header = ['strategy', 'correct', "Jain's index", 'max/mean', 'median done (s)', 'last done (s)', 'messages'];
      const compared = outcome.summaries.length > 1 && outcome.summaries.some((s) => s.best.length > 0);
      const legend = compared
        ? `mean ± 95% confidence interval over the seeds; ${BEST_LEGEND}\n`
        : 'mean ± 95% confidence interval over the seeds\n';
      const bound = outcome.jainBound === null ? '' : `${boundSentence(outcome.jainBound)}\n`;
      print(`${textTable(header, rows, true)}\n${legend}${bound}report: ${report}\n`);
    }
    process.exitCode = outcome.exitCode;
  },
});
