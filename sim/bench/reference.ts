/**
 * swarmsim against our C/MPI reference (reference/swarm.c) on the same cases, whole
 * process as a user waits for it: the reference under `mpirun --oversubscribe`, `sim run`
 * with default flags, interleaved so that the machine's drift hits both alike.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../../reports/numbers.js';

const SOURCE = fileURLToPath(new URL('../../../sim/bench/reference/swarm.c', import.meta.url));
const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const PEAK_HOOK = fileURLToPath(new URL('./peak-memory.js', import.meta.url));

export interface BenchCase {
  label: string;
  dir: string;
}

/** Builds the reference with mpicc; undefined (and why) when there is no mpicc or mpirun. */
export function buildReference(work: string): { binary?: string; missing?: string } {
  for (const tool of ['mpicc', 'mpirun']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) return { missing: tool };
  }
  const binary = join(work, 'swarm-reference');
  const built = spawnSync('mpicc', ['-O2', '-pthread', '-o', binary, SOURCE], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`mpicc failed on ${SOURCE}:\n${built.stderr}`);
  return { binary };
}

interface Timed {
  seconds: number;
  peakBytes: number;
}

function ranksOf(dir: string): number {
  return readdirSync(dir).filter((name) => /^in\d+\.txt$/.test(name)).length + 1;
}

/** A fresh folder holding the case's inputs, as `sim check --exec` gives a student's program. */
function freshCopy(dir: string, work: string): string {
  const copy = mkdtempSync(join(work, 'case-'));
  for (const name of readdirSync(dir)) if (/^in\d+\.txt$/.test(name)) copyFileSync(join(dir, name), join(copy, name));
  return copy;
}

function timeReference(binary: string, dir: string, work: string): Timed {
  const copy = freshCopy(dir, work);
  const peaks = join(copy, 'peaks');
  mkdirSync(peaks);
  const started = performance.now();
  // Open MPI refuses to start as root unless told (CI runs as root).
  const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  const args = [...root, '--oversubscribe', '-np', String(ranksOf(dir)), '-x', 'SWARMSIM_PEAK_DIR', binary];
  const result = spawnSync('mpirun', args, { cwd: copy, encoding: 'utf8', env: { ...process.env, SWARMSIM_PEAK_DIR: peaks } });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`the C reference failed on ${dir}:\n${result.stderr}`);
  const peakBytes = readdirSync(peaks).reduce((sum, name) => sum + Number(readFileSync(join(peaks, name), 'utf8')), 0);
  rmSync(copy, { recursive: true, force: true });
  return { seconds, peakBytes };
}

function timeSim(dir: string, work: string, extra: string[]): Timed {
  const out = mkdtempSync(join(work, 'out-'));
  const peakFile = join(out, 'peak');
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', PEAK_HOOK, CLI, 'run', dir, '--out', out, '--quiet', ...extra], {
    encoding: 'utf8',
    env: { ...process.env, SWARMSIM_PEAK_FILE: peakFile },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`sim run ${dir} failed:\n${result.stderr}`);
  const peakBytes = Number(readFileSync(peakFile, 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { seconds, peakBytes };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Prints, per case, medians of `repeat` interleaved runs and the ratio of sim's wall time to the reference's. */
export function referenceTable(binary: string, cases: BenchCase[], work: string, repeat: number): void {
  console.log(`sim run (default flags) against the C/MPI reference under mpirun --oversubscribe, whole process, median of ${repeat}:`);
  for (const { label, dir } of cases) {
    const reference: Timed[] = [];
    const sim: Timed[] = [];
    const bare: Timed[] = [];
    for (let i = 0; i < repeat; i++) {
      reference.push(timeReference(binary, dir, work));
      sim.push(timeSim(dir, work, []));
      bare.push(timeSim(dir, work, ['--no-report']));
    }
    const c = median(reference.map((r) => r.seconds));
    const s = median(sim.map((r) => r.seconds));
    const b = median(bare.map((r) => r.seconds));
    console.log(
      `  ${label.padEnd(34)} C ${c.toFixed(2)} s, ${mib(median(reference.map((r) => r.peakBytes)))} over its ranks; ` +
        `sim ${s.toFixed(2)} s = ${(s / c).toFixed(2)}x, ${mib(median(sim.map((r) => r.peakBytes)))}; ` +
        `--no-report ${b.toFixed(2)} s = ${(b / c).toFixed(2)}x`,
    );
  }
}
