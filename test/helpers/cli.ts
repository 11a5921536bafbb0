import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
