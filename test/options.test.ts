import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { longFlag, type OptionEntry } from '../sim/cli/option-table.js';
import { OPTIONS, type OptionKey } from '../sim/cli/options.js';
import { VERBS } from '../sim/cli/verbs/index.js';
import { CLI_PATH, generated } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { tracedRun } from './helpers/replay.js';

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function simAsync(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs every task, at most `limit` at a time: the machine has two cores. */
async function limited<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const entry = (key: OptionKey): OptionEntry => OPTIONS[key];

/** The same bad value, spelled with each alias of its option (`-np 2`, `--threads 0`). */
function spellings(key: OptionKey): string[][] {
  const { bad, flags, aliases = [] } = entry(key);
  const long = longFlag(flags);
  return [[...bad], ...aliases.filter(() => bad[0] === long).map((alias) => [alias, ...bad.slice(1)])];
}

describe('every option of every verb refuses a bad value before anything starts', () => {
  let base: Record<string, string[]> = {};
  const env = { ...process.env, SIM_JOB_KEY: 'a'.repeat(32) };

  beforeAll(() => {
    const dir = generated(['--ranks', '3', '--files', '1', '--segments', '2', '--wants', '1', '--seed', 'options']);
    // Each verb's valid command line: the bad option is then the only thing wrong with it.
    base = {
      run: [dir, '--out', join(tempDir(), 'out'), '--quiet'],
      check: [dir],
      faults: [dir, '--quiet'],
      sweep: [dir, '--seeds', '1', '--out', join(tempDir(), 'sweep'), '--quiet'],
      gen: [join(tempDir(), 'case'), '--ranks', '3', '--files', '1', '--segments', '1'],
      rank: [dir, '--rank', '1', '--size', '3', '--coordinator', '127.0.0.1:9', '--connect-timeout', '1', '--out', join(tempDir(), 'rank')],
      report: [dir],
      compare: [dir, dir, '--out', join(tempDir(), 'compare')],
      view: [tracedRun(3, 1, '2', 'options').out],
    };
  });

  it('names a valid command line for every verb, and every option is taken by some verb', () => {
    expect(VERBS.map((verb) => verb.name).sort()).toEqual(Object.keys(base).sort());
    const taken = new Set<string>(['verbose', ...VERBS.flatMap((verb) => verb.options)]);
    expect(Object.keys(OPTIONS).filter((key) => !taken.has(key))).toEqual([]);
  });

  it('exit 2, a message naming the option, no stack trace', async () => {
    const cases = VERBS.flatMap((verb) =>
      [...verb.options, 'verbose' as const].flatMap((key) =>
        spellings(key).map((bad) => ({ verb: verb.name, flag: longFlag(entry(key).flags), args: [verb.name, ...base[verb.name], ...bad] })),
      ),
    );
    expect(cases.length).toBeGreaterThan(100);
    const outcomes = await limited(
      cases.map((c) => () => simAsync(c.args, env)),
      2,
    );
    const wrong = cases.flatMap((c, i) => {
      const { status, stdout, stderr } = outcomes[i];
      const right = status === 2 && stderr.startsWith('sim: ') && stderr.includes(c.flag) && !/\n\s+at /.test(stderr) && stdout === '';
      return right ? [] : [`sim ${c.args.join(' ')}\n  exit ${status}: ${stderr.trim() || stdout.trim()}`];
    });
    expect(wrong).toEqual([]);
  }, 300_000);
});

describe('--help', () => {
  it('shows every default as a person reads it, a strategy by its name', async () => {
    const helps = await limited(
      VERBS.map((verb) => () => simAsync([verb.name, '--help'], process.env)),
      2,
    );
    for (const { status, stdout } of helps) {
      expect(status).toBe(0);
      expect(stdout.replace(/\s+/g, ' ')).not.toContain('[object Object]');
    }
    const run = helps[VERBS.findIndex((verb) => verb.name === 'run')].stdout.replace(/\s+/g, ' ');
    expect(run).toMatch(/--strategy <names> .*? \(default: round-robin\)/);
  });
});
