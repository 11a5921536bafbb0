/** `sim sweep` under a launcher: writing (and submitting) the Slurm jobs, and the two steps they run. */
import { resolve } from 'node:path';
import type { SweepOptions, SweepOutcome } from '../../commands/sweep.js';
import { InputError } from '../../run/failures.js';
import { note, print } from '../print.js';

export interface LauncherFlags {
  launcher?: 'slurm';
  submit: boolean;
  task?: number;
  merge: boolean;
}

/** This command line as the Slurm jobs run it again, without what only made the jobs. */
function commandAgain(): string[] {
  const args: string[] = [];
  const given = process.argv.slice(2);
  for (let i = 0; i < given.length; i++) {
    if (given[i] === '--launcher') i++;
    else if (given[i] !== '--submit' && !given[i].startsWith('--launcher=')) args.push(given[i]);
  }
  return [process.execPath, resolve(process.argv[1]), ...args];
}

function checkModes(flags: LauncherFlags): void {
  if (flags.submit && flags.launcher === undefined)
    throw new InputError('--submit', 'submits the jobs --launcher slurm writes: give --launcher slurm too');
  if (flags.task !== undefined && flags.merge)
    throw new InputError('--task', 'an array task runs one pair; --merge is the job after them: give one');
  if (flags.launcher !== undefined && (flags.task !== undefined || flags.merge)) {
    throw new InputError('--launcher', 'writes the jobs that run --task and --merge: not with them');
  }
}

/**
 * Runs the sweep's launcher mode, if one was asked for: 'done' when nothing is left to
 * print, a merged outcome to print as a sweep's, or undefined to run the sweep here.
 */
export async function launchedSweep(options: SweepOptions, flags: LauncherFlags): Promise<SweepOutcome | 'done' | undefined> {
  checkModes(flags);
  if (flags.launcher === undefined && flags.task === undefined && !flags.merge) return undefined;
  const { finishSweep, sweepPlan } = await import('../../commands/sweep.js');
  const slurm = await import('../../sweep/slurm.js');
  const plan = await sweepPlan(options);
  if (flags.merge) return await finishSweep(plan, options.outDir, await slurm.readRows(options.outDir, plan.pairs));
  if (flags.task !== undefined) {
    const pair = plan.pairs[flags.task];
    if (!pair)
      throw new InputError(
        '--task',
        `this sweep has ${plan.pairs.length} pairs: expected 0 to ${plan.pairs.length - 1}, got ${flags.task}`,
      );
    const { default: runSweepTask } = await import('../../sweep/sweep-task.js');
    const row = await runSweepTask(pair);
    await slurm.saveRow(options.outDir, flags.task, row);
    if (!options.onRow) return 'done';
    note(
      `${row.strategy} seed ${row.seed}: ${row.problem === undefined ? (row.ok ? 'correct' : 'WRONG OUTPUT') : `FAILED: ${row.problem}`}\n`,
    );
    return 'done';
  }
  const scripts = await slurm.writeSlurmScripts(options.outDir, plan.pairs.length, commandAgain(), process.cwd());
  if (!flags.submit) {
    print(`${plan.pairs.length} array tasks: ${scripts.array}\nthen the merge: ${scripts.merge}\nsubmit both: sh ${scripts.submit}\n`);
    return 'done';
  }
  const { arrayJob, mergeJob } = slurm.submitSlurm(scripts);
  print(
    `submitted array job ${arrayJob} (${plan.pairs.length} tasks) and merge job ${mergeJob}; the report: ${resolve(options.outDir, 'index.html')}\n`,
  );
  return 'done';
}
