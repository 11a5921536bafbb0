/**
 * A sweep as a Slurm array job: array task K runs the sweep's pair K (`sim sweep ... --task
 * K`) and leaves its row in OUT/slurm/rows/K.json; a last job, which waits for the whole
 * array, merges the rows into the sweep's report (`--merge`): the same files a sweep on one
 * machine writes, since every pair is a seeded virtual-time run.
 */
import { spawnSync } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureDir, writeAtomically } from '../job/files.js';
import { InputError } from '../run/failures.js';
import { failedRow, type SweepRow, type SweepTask } from './sweep-task.js';

export interface SlurmScripts {
  array: string;
  merge: string;
  submit: string;
}

export const slurmFolder = (outDir: string): string => join(outDir, 'slurm');
const rowFile = (outDir: string, task: number): string => join(slurmFolder(outDir), 'rows', `${task}.json`);

/** One word for sh, whatever it holds. */
function shellWord(text: string): string {
  return /^[\w./:=,@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes the array job, the merge job and a script that submits both, the merge held until
 * every task has ended (`afterany`: a failed task is the merge's to report, not to wait for).
 * `command` runs this sweep again as given (node, the CLI, its arguments); `cwd` is where.
 */
export async function writeSlurmScripts(outDir: string, tasks: number, command: readonly string[], cwd: string): Promise<SlurmScripts> {
  // Absolute, so that the scripts run from anywhere.
  const folder = resolve(cwd, slurmFolder(outDir));
  await ensureDir(join(folder, 'rows'));
  const run = command.map(shellWord).join(' ');
  const header = (name: string, log: string): string[] => [
    '#!/bin/sh',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --chdir=${shellWord(cwd)}`,
    `#SBATCH --output=${shellWord(join(folder, log))}`,
    '#SBATCH --ntasks=1',
  ];
  const scripts = { array: join(folder, 'sweep.sbatch'), merge: join(folder, 'merge.sbatch'), submit: join(folder, 'submit.sh') };
  const array = [...header('swarmsim-sweep', 'task-%a.log'), `#SBATCH --array=0-${tasks - 1}`, `exec ${run} --task "$SLURM_ARRAY_TASK_ID"`];
  const merge = [...header('swarmsim-sweep-merge', 'merge.log'), `exec ${run} --merge`];
  const submit = [
    '#!/bin/sh',
    'set -e',
    `array=$(sbatch --parsable ${shellWord(scripts.array)})`,
    `merge=$(sbatch --parsable --dependency=afterany:"\${array%%;*}" ${shellWord(scripts.merge)})`,
    'echo "$array $merge"',
  ];
  await writeAtomically(scripts.array, `${array.join('\n')}\n`);
  await writeAtomically(scripts.merge, `${merge.join('\n')}\n`);
  await writeAtomically(scripts.submit, `${submit.join('\n')}\n`);
  await chmod(scripts.submit, 0o755);
  return scripts;
}

/** Submits both jobs; resolves with their ids. */
export function submitSlurm(scripts: SlurmScripts): { arrayJob: string; mergeJob: string } {
  const result = spawnSync('sh', [scripts.submit], { encoding: 'utf8' });
  if (result.status !== 0) {
    const why = result.stderr.trim().split('\n').pop() || `exit ${result.status}`;
    throw new InputError('--submit', `sbatch refused the sweep (${why}); the scripts are in ${dirname(scripts.submit)}`);
  }
  const [arrayJob = '', mergeJob = ''] = result.stdout.trim().split(/\s+/);
  return { arrayJob: arrayJob.split(';')[0], mergeJob: mergeJob.split(';')[0] };
}

/** Array task K: its pair's row, for the merge. */
export async function saveRow(outDir: string, task: number, row: SweepRow): Promise<void> {
  await ensureDir(join(slurmFolder(outDir), 'rows'));
  await writeAtomically(rowFile(outDir, task), JSON.stringify(row));
}

/** NaN travels as null in JSON. */
const FIGURES = ['jain', 'maxOverMean', 'completionSeconds', 'medianCompletionSeconds'] as const;

/** Every task's row, in pair order; a task that left none, or another pair's, is a failed run saying so. */
export async function readRows(outDir: string, pairs: readonly SweepTask[]): Promise<SweepRow[]> {
  const rows = await Promise.all(
    pairs.map(async (pair, task) => {
      const failed = (problem: string): SweepRow => failedRow(pair, problem);
      const text = await readFile(rowFile(outDir, task), 'utf8').catch(() => undefined);
      if (text === undefined)
        return { row: failed(`array task ${task} left no result (see ${join(slurmFolder(outDir), `task-${task}.log`)})`), saved: false };
      let row: SweepRow;
      try {
        row = JSON.parse(text) as SweepRow;
      } catch {
        return { row: failed(`array task ${task} left a result that is not JSON`), saved: true };
      }
      if (row.strategy !== pair.strategy.label || row.seed !== pair.seed) {
        return {
          row: failed(`array task ${task} ran ${row.strategy} seed ${row.seed}, not this pair: another sweep's result`),
          saved: true,
        };
      }
      for (const figure of FIGURES) if ((row[figure] as number | null) === null) row[figure] = NaN;
      return { row, saved: true };
    }),
  );
  if (!rows.some((entry) => entry.saved)) {
    throw new InputError(
      '--merge',
      `no array task of this sweep has left a result in ${join(slurmFolder(outDir), 'rows')}: submit the array job first`,
    );
  }
  return rows.map((entry) => entry.row);
}
