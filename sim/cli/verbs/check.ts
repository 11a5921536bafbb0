import { builtinChoice } from '../../strategies/choice.js';
import { InputError } from '../../run/failures.js';
import { jsonResult, note, print, printJson } from '../print.js';
import { verb } from '../verb.js';
import { checkVirtualFlags, checkPackingFlags, traceRequest, VIRTUAL_OPTIONS, virtualSettings } from '../virtual-flags.js';

export const checkVerb = verb({
  name: 'check',
  description:
    'run every case folder (with swarmsim, once per strategy, or any implementation with --exec) and compare outputs with its out<k>.txt (like diff -w)',
  args: [{ name: '<suite-dir...>', help: 'case folders, or folders holding them' }],
  options: [
    'repeat',
    'exec',
    'timeout',
    'compareBuiltin',
    'keepFailures',
    'junit',
    'golden',
    'update',
    'transport',
    'strategy',
    'pipeline',
    'stallTimeout',
    'workers',
    'processes',
    'report',
    'png',
    'json',
    ...VIRTUAL_OPTIONS,
  ],
  defaults: { strategy: [builtinChoice('round-robin')] },
  action: async (roots, flags) => {
    if (flags.compareBuiltin && !flags.exec) throw new InputError('--compare-builtin', 'goes with --exec');
    if (flags.exec && flags.strategy.length > 1) {
      throw new InputError('--strategy', "several strategies apply to swarmsim's own runs: with --exec give one (for --compare-builtin)");
    }
    checkPackingFlags(flags.transport, flags);
    checkVirtualFlags(flags);
    const golden = flags.update || flags.golden;
    if (golden && flags.transport !== 'virtual') {
      throw new InputError(flags.update ? '--update' : '--golden', 'goes with --transport virtual: only virtual-time runs repeat exactly');
    }
    if (golden && flags.exec) throw new InputError('--golden', 'checks swarmsim itself, not an --exec command');
    const { checkCommand } = await import('../../commands/check.js');
    const outcome = await checkCommand({
      roots: [...roots],
      repeat: flags.repeat,
      strategies: flags.strategy,
      builtin: {
        transport: flags.transport,
        virtual: await virtualSettings(flags),
        trace: traceRequest(flags),
        golden: flags.update ? 'update' : flags.golden ? 'compare' : undefined,
        pipeline: flags.pipeline,
        stallTimeoutMs: flags.stallTimeout * 1000,
        workers: flags.workers,
        processes: flags.processes,
        report: flags.report,
        png: flags.png,
      },
      exec: flags.exec ? { command: flags.exec, timeoutMs: flags.timeout * 1000, origin: process.cwd() } : undefined,
      compareBuiltin: flags.compareBuiltin,
      junit: flags.junit,
      keepFailures: flags.keepFailures,
      // With --json, stdout holds the document alone; the lines still show how the check goes.
      write: flags.json ? note : print,
    });
    if (flags.json) printJson(jsonResult(outcome.exitCode, { cases: outcome.results, builtin: outcome.builtin }));
    process.exitCode = outcome.exitCode;
  },
});
