import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generated, sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';

/** Runs a script the way a Slurm node would: sh, in the --chdir folder, with the array index set. */
function asSlurm(script: string, task?: number): { status: number | null; stderr: string } {
  const text = readFileSync(script, 'utf8');
  const cwd = /^#SBATCH --chdir=(.+)$/m.exec(text)?.[1] ?? '.';
  const env = task === undefined ? process.env : { ...process.env, SLURM_ARRAY_TASK_ID: String(task) };
  const result = spawnSync('sh', [script], { cwd, env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('sim sweep --launcher slurm', () => {
  let dir = '';
  let local = '';
  const sweep = (...more: string[]) => sim('sweep', dir, '--seeds', '1,2', '--strategy', 'round-robin,least-loaded', '--quiet', ...more);

  beforeAll(() => {
    dir = generated(['--ranks', '5', '--files', '2', '--segments', '12', '--wants', '2', '--seed', 'slurm-sweep']);
    local = join(tempDir(), 'local');
    expect(sweep('--out', local).status).toBe(0);
  });

  it('writes an array job of one task per pair and a merge job whose report is the local sweep, byte for byte', () => {
    const out = join(tempDir(), 'slurm');
    const written = sweep('--out', out, '--launcher', 'slurm');
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    const folder = join(out, 'slurm');
    expect(written.stdout).toBe(
      `4 array tasks: ${join(folder, 'sweep.sbatch')}\nthen the merge: ${join(folder, 'merge.sbatch')}\nsubmit both: sh ${join(folder, 'submit.sh')}\n`,
    );
    const array = readFileSync(join(folder, 'sweep.sbatch'), 'utf8');
    expect(array).toMatch(/^#SBATCH --array=0-3$/m);
    expect(array).toMatch(/ sweep .* --task "\$SLURM_ARRAY_TASK_ID"$/m);
    expect(array).not.toMatch(/--launcher/);
    expect(readFileSync(join(folder, 'submit.sh'), 'utf8')).toMatch(/--dependency=afterany:/);
    for (const task of [0, 1, 2, 3]) expect(asSlurm(join(folder, 'sweep.sbatch'), task)).toEqual({ status: 0, stderr: '' });
    expect(asSlurm(join(folder, 'merge.sbatch')).status).toBe(0);
    for (const file of ['runs.csv', 'summary.csv', 'index.html']) {
      expect(readFileSync(join(out, file), 'utf8')).toBe(readFileSync(join(local, file), 'utf8'));
    }
  });

  it('reports a task that left no result as a failed run, naming its log, and exits 1', () => {
    const out = join(tempDir(), 'missing');
    for (const task of [0, 1, 2, 3]) expect(sweep('--out', out, '--task', String(task)).status).toBe(0);
    rmSync(join(out, 'slurm', 'rows', '2.json'));
    const merged = sweep('--out', out, '--merge');
    expect(merged.status).toBe(1);
    expect(merged.stderr).toContain(`least-loaded, seed 1: array task 2 left no result (see ${join(out, 'slurm', 'task-2.log')})`);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toMatch(/^least-loaded,2,1,/m);
  });

  it('refuses a task past the last pair, a task with --merge, and --submit alone, before anything runs', () => {
    const out = join(tempDir(), 'refused');
    const late = sweep('--out', out, '--task', '4');
    expect([late.status, late.stderr]).toEqual([2, 'sim: --task: this sweep has 4 pairs: expected 0 to 3, got 4\n']);
    expect(sweep('--out', out, '--task', '0', '--merge').stderr).toMatch(
      /^sim: --task: an array task runs one pair; --merge is the job after them/,
    );
    const alone = sweep('--out', out, '--submit');
    expect([alone.status, alone.stderr]).toEqual([
      2,
      'sim: --submit: submits the jobs --launcher slurm writes: give --launcher slurm too\n',
    ]);
  });
});
