import { jsonResult, print, printJson } from '../print.js';
import { verb } from '../verb.js';

export const viewVerb = verb({
  name: 'view',
  description: 'write a self-contained page that replays a run from its trace (sim run --trace): segments filling in, transfers, uploads',
  args: [{ name: '<run-dir>', help: 'a run folder (its --out), its report/ folder, or its metrics.json' }],
  options: ['replayTrace', 'replayOut', 'json'],
  action: async ([runDir], flags) => {
    const { viewCommand } = await import('../../commands/view.js');
    const result = await viewCommand(runDir, { trace: flags.replayTrace, out: flags.replayOut });
    if (flags.json) printJson(jsonResult(0, { ...result }));
    else print(`${result.file}\n`);
  },
});
