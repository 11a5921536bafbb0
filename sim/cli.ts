#!/usr/bin/env node
/**
 * The `sim` command's entry. Loading the CLI takes ~100 ms, and a threads run then waits
 * ~50 ms more for its worker to boot: the worker starts booting first (sim/cli/warm.ts),
 * and the CLI loads meanwhile, by a dynamic import, since static ones would all load first.
 */
import { warmForArguments } from './cli/warm.js';

warmForArguments(process.argv.slice(2));
await import('./cli/main.js');
