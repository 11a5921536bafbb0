import { jsonResult, note, print, printJson } from '../print.js';
import { verb } from '../verb.js';

export const faultsVerb = verb({
  name: 'faults',
  description:
    'the fault matrix: kill each rank in turn early, midway, late and at the last transfer of the run (in virtual time unless --transport says otherwise), and check that every run completes with correct outputs or exits 4 naming exactly what could not be saved',
  args: [{ name: '<input-dir>', help: 'folder holding in1.txt .. in<N-1>.txt' }],
  options: ['trackers', 'strategy', 'seed', 'transport', 'random', 'quiet', 'json'],
  defaults: { seed: '1', transport: 'virtual' },
  action: async ([inputDir], flags) => {
    const { faultsCommand } = await import('../../commands/faults.js');
    const outcome = await faultsCommand(inputDir, {
      transport: flags.transport,
      trackers: flags.trackers,
      strategies: flags.strategy,
      seed: flags.seed,
      random: flags.random,
      // With --json, stdout holds the document alone: the matrix and verdicts go to stderr.
      write: flags.json ? note : print,
      progress: flags.quiet ? undefined : (line) => note(`${line}\n`),
    });
    if (flags.json) printJson(jsonResult(outcome.exitCode, { runs: outcome.runs }));
    process.exitCode = outcome.exitCode;
  },
});
