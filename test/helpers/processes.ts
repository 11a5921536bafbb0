import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freeLoopbackPort } from '../../sim/net/ports.js';
import { CLI_PATH } from './cli.js';

/** Pids of the processes whose command line contains every marker, read from /proc (no pgrep needed). */
export function processesWith(...markers: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (markers.every((marker) => command.includes(marker))) found.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export interface Running {
  pid: number;
  /** What it has written to stderr so far. */
  stderr(): string;
  /** Resolves when it exits. */
  exited: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the built CLI without waiting for it. */
export function startSim(args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { pid: child.pid ?? -1, stderr: () => stderr, exited };
}

/** One rank of a `sim rank` job of `size` ranks on `dir`, whose rank 0 listens at 127.0.0.1:`port`. */
export function startRank(
  dir: string,
  rank: number,
  size: number,
  port: number,
  options: { out: string; extra?: string[]; env: NodeJS.ProcessEnv },
): Running {
  const args = ['rank', dir, '--rank', String(rank), '--size', String(size), '--coordinator', `127.0.0.1:${port}`, '--out', options.out];
  return startSim([...args, ...(options.extra ?? [])], options.env);
}

/** A loopback port nothing listens on right now, for a coordinator started next: drawn as `{port}` is, for the same reason. */
export const freePort = freeLoopbackPort;

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
