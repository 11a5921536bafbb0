#!/usr/bin/env node
/**
 * The `sim` command's entry: the CLI as the build bundled it, one CommonJS file
 * (sim/build/bundle.ts, from sim/cli/start.ts), loaded by `require`, which is synchronous
 * and, unlike `import`, does not scan the file for its exports first.
 */
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./cli/cli.bundle.cjs');
