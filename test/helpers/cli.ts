import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from './files.js';

const CLI = fileURLToPath(new URL('../../dist/sim/cli.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export const CLI_PATH = CLI;

/** Runs the built `sim` CLI (npm test builds it first). */
export function sim(...args: string[]): CliResult {
  return simIn(process.cwd(), ...args);
}

/** The same, started in folder `cwd`. */
export function simIn(cwd: string, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh folder holding the case `sim gen` writes for these arguments. */
export function generated(args: string[]): string {
  const dir = tempDir();
  const result = sim('gen', dir, ...args);
  if (result.status !== 0) throw new Error(`sim gen ${args.join(' ')} failed: ${result.stderr}`);
  return dir;
}
