/**
 * The CLI's first module, bundled (sim/build/bundle.ts): it starts booting a worker
 * (sim/cli/warm.ts), and the rest of the CLI loads meanwhile, by a dynamic import, since
 * static ones would all load first. Loading the CLI takes ~30 ms, and a worker ~35 ms.
 */
import { warmForArguments } from './warm.js';

warmForArguments(process.argv.slice(2));
void import('./main.js');
