#!/usr/bin/env node
/**
 * The `sim` command's entry: the CLI as the build bundled it (sim/build/bundle.ts, from
 * sim/cli/start.ts). The specifier is a value, not a literal, because the bundle exists
 * only once built: its modules were type-checked as sources.
 */
const BUNDLED_CLI: string = './cli/bundle/start.js';
await import(BUNDLED_CLI);
