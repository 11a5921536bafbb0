/**
 * Runs any implementation of the protocol as a shell command, in its own process group
 * (so a timeout or Ctrl-C can kill an `mpirun` and every rank it started), in a fresh
 * folder holding copies of a case's inputs, then checks what it wrote.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError, inputRanks, loadJob } from '../job/inputs.js';
import { freeLoopbackPort } from '../net/ports.js';
import { lastMeaningfulLine } from '../run/stderr-lines.js';
import { compareWithExpected, type CaseRun, type Failure } from './verdict.js';

export interface ExecOptions {
  /** With {ranks}, {dir} and {port} (a free TCP port, e.g. for a coordinator) placeholders. */
  command: string;
  timeoutMs: number;
  /** Where `./name` paths in the command are found (the folder sim check was started in). */
  origin: string;
}

/** Process groups still running and their folders, so that an interrupted check can clean up. */
const running = new Set<number>();
const folders = new Set<string>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Kills every command still running and removes its folder; for SIGINT and SIGTERM handlers. */
export function killAllRunning(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** `./tema2` in the command names a file where sim check was started: link it into the run folder. */
async function linkLocalPaths(command: string, origin: string, runDir: string): Promise<void> {
  for (const token of command.split(/\s+/)) {
    if (!/^\.\/[\w./-]+$/.test(token) || token.includes('..')) continue;
    const source = resolve(origin, token);
    if (!existsSync(source)) continue;
    const target = join(runDir, token);
    await mkdir(dirname(target), { recursive: true });
    await symlink(source, target).catch(() => undefined);
  }
}

/** The line of the command's stderr that says why it failed: its own last words, not a launcher's box around them. */
async function lastLine(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const last = lastMeaningfulLine(text.split('\n'));
  return last.length > 200 ? `${last.slice(0, 200)}...` : last;
}

interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

function runInGroup(command: string, cwd: string, timeoutMs: number): Promise<Ending> {
  const out = openSync(join(cwd, 'stdout.txt'), 'w');
  const err = openSync(join(cwd, 'stderr.txt'), 'w');
  return new Promise((resolveEnding, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, detached: true, stdio: ['ignore', out, err] });
    const pid = child.pid;
    closeSync(out);
    closeSync(err);
    if (pid === undefined) {
      child.once('error', reject);
      return;
    }
    running.add(pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid);
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Whatever the command left behind (ranks of a failed mpirun, background jobs) goes too.
      killGroup(pid);
      running.delete(pid);
      resolveEnding({ code, signal, timedOut });
    });
  });
}

function endingFailures(ending: Ending, timeoutMs: number, stderrTail: string): Failure[] {
  const tail = stderrTail ? `; stderr ends: ${stderrTail}` : '';
  if (ending.timedOut) return [{ kind: 'timeout', detail: `no exit within ${timeoutMs / 1000} s; its process group was killed` }];
  if (ending.signal) return [{ kind: 'signal', detail: `killed by ${ending.signal}${tail}` }];
  const code = ending.code ?? 0;
  // A shell reports a child killed by signal N as exit code 128 + N.
  const signal = code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
  if (signal) return [{ kind: 'signal', detail: `killed by ${signal} (exit code ${code})${tail}` }];
  if (code !== 0) return [{ kind: 'exit code', detail: `exited with code ${code}${tail}` }];
  return [];
}

/** One run of the command on a case. `keep` sees the run folder of a failing run before it is removed. */
export async function runExecOnce(caseDir: string, options: ExecOptions, keep?: (runDir: string) => Promise<void>): Promise<CaseRun> {
  const started = performance.now();
  let job;
  try {
    job = loadJob(caseDir);
  } catch (error) {
    if (error instanceof InputError) return { seconds: 0, failures: [{ kind: 'bad input', detail: error.message }] };
    throw error;
  }
  const runDir = await mkdtemp(join(tmpdir(), 'swarmsim-exec-'));
  folders.add(runDir);
  try {
    for (const rank of inputRanks(caseDir)) await copyFile(join(caseDir, `in${rank}.txt`), join(runDir, `in${rank}.txt`));
    const port = options.command.includes('{port}') ? String(await freeLoopbackPort()) : '';
    const command = options.command.replaceAll('{ranks}', String(job.ranks)).replaceAll('{dir}', runDir).replaceAll('{port}', port);
    await linkLocalPaths(command, options.origin, runDir);
    const ending = await runInGroup(command, runDir, options.timeoutMs);
    const seconds = (performance.now() - started) / 1000;
    const failures = [
      ...endingFailures(ending, options.timeoutMs, await lastLine(join(runDir, 'stderr.txt'))),
      ...(await compareWithExpected(job, caseDir, runDir)),
    ];
    if (failures.length > 0 && keep) await keep(runDir);
    return { seconds, failures };
  } finally {
    await rm(runDir, { recursive: true, force: true });
    folders.delete(runDir);
  }
}
