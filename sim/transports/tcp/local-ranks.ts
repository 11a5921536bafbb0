/**
 * Starts ranks as local processes (`sim rank`) for `sim run --transport tcp`, one process
 * per rank or per rank group, and makes sure none outlives the run: they are killed on
 * Ctrl-C, on failure, and if they have not exited shortly after the job ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli.js', import.meta.url));
const STDERR_LINES_KEPT = 20;

export interface RankExit {
  /** The ranks the process hosted: one, or a rank group's. */
  ranks: readonly number[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it wrote to stderr. */
  stderr: string[];
  /** It was killed to be replaced by a new process for its rank (`restart`); its exit was not reported. */
  replaced?: boolean;
}

interface Launch {
  args: (ranks: readonly number[]) => string[];
  env: NodeJS.ProcessEnv;
  onExit: (exit: RankExit) => void;
}

export class LocalRanks {
  /** Each rank's process: the one process of a group is every member's. */
  private readonly children = new Map<number, ChildProcess>();
  private readonly exits: Promise<RankExit>[] = [];
  private readonly replaced = new WeakSet<ChildProcess>();
  private launch: Launch | undefined;

  /** Starts `sim rank` with these arguments for each group of ranks; `onExit` hears of every exit. */
  start(groups: readonly (readonly number[])[], args: Launch['args'], env: NodeJS.ProcessEnv, onExit: (exit: RankExit) => void): void {
    this.launch = { args, env, onExit };
    for (const ranks of groups) this.spawn(ranks);
  }

  /** Kills a rank's process if it still runs, and starts a new one for it alone, as `start` did (a rank a fault restarts is alone). */
  restart(rank: number): void {
    const old = this.children.get(rank);
    if (old) {
      this.replaced.add(old);
      old.kill('SIGKILL');
    }
    this.spawn([rank]);
  }

  private spawn(ranks: readonly number[]): void {
    const { args, env, onExit } = this.launch as Launch;
    const child = spawn(process.execPath, [CLI, 'rank', ...args(ranks)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      stderr.push(...lines.filter((line) => line.length > 0));
      if (stderr.length > STDERR_LINES_KEPT) stderr.splice(0, stderr.length - STDERR_LINES_KEPT);
    });
    for (const rank of ranks) this.children.set(rank, child);
    const exited = new Promise<RankExit>((resolve) => {
      const replaced = (): Pick<RankExit, 'replaced'> => (this.replaced.has(child) ? { replaced: true } : {});
      child.once('error', (error) => resolve({ ranks, code: null, signal: null, stderr: [...stderr, error.message], ...replaced() }));
      child.once('close', (code, signal) => {
        if (partial) stderr.push(partial);
        for (const rank of ranks) if (this.children.get(rank) === child) this.children.delete(rank);
        resolve({ ranks, code, signal, stderr, ...replaced() });
      });
    });
    void exited.then((exit) => exit.replaced || onExit(exit));
    this.exits.push(exited);
  }

  /** Sends a signal to one rank, if it still runs. */
  kill(rank: number, signal: NodeJS.Signals): void {
    this.children.get(rank)?.kill(signal);
  }

  /** Sends a signal to every rank still running. */
  signal(signal: NodeJS.Signals): void {
    for (const child of new Set(this.children.values())) child.kill(signal);
  }

  /** Waits up to `graceMs` for every rank to exit, then kills those left. */
  async reap(graceMs: number): Promise<RankExit[]> {
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(this.exits);
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([all, late]);
    clearTimeout(timer);
    this.signal('SIGKILL');
    return all;
  }
}
