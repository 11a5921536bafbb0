import type { GenOptions } from '../../job/generate.js';
import { InputError } from '../../run/failures.js';
import { jsonResult, print, printJson } from '../print.js';
import { verb } from '../verb.js';

export const genVerb = verb({
  name: 'gen',
  description: 'write a valid random job (in<R>.txt) and its expected outputs (out<k>.txt), or a varied suite of them',
  args: [{ name: '<out-dir>', help: 'folder to write into (empty, or give --force)' }],
  options: ['ranks', 'files', 'segments', 'seeders', 'wants', 'seed', 'assignmentLimits', 'suite', 'count', 'force', 'json'],
  defaults: { seed: '1' },
  action: async ([outDir], flags) => {
    const { genCommand, genSuite } = await import('../../commands/gen.js');
    const { ranks, files, segments } = flags;
    if (flags.suite) {
      const sized = ranks !== undefined || files !== undefined || segments !== undefined;
      if (sized) throw new InputError('--suite', 'draws the sizes of its cases itself: leave --ranks, --files and --segments out');
      const names = await genSuite(outDir, flags.count, flags.seed, { force: flags.force });
      if (flags.json) printJson(jsonResult(0, { dir: outDir, cases: names }));
      else print(`wrote ${names.length} cases to ${outDir}\n`);
      return;
    }
    if (ranks === undefined || files === undefined || segments === undefined) {
      throw new InputError('gen', '--ranks, --files and --segments are required (or --suite)');
    }
    const options: GenOptions = { ranks, files, segments, seeders: flags.seeders, wants: flags.wants, seed: flags.seed };
    const written = await genCommand(outDir, options, { force: flags.force, assignmentLimits: flags.assignmentLimits });
    if (flags.json) printJson(jsonResult(0, { dir: outDir, ...written }));
    else print(`wrote ${written.inputs} inputs and ${written.files} expected outputs to ${outDir}\n`);
  },
});
