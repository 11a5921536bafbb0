import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { InputError, loadJob, type Job } from '../sim/job/inputs.js';
import { defaultNetwork, runJob } from '../sim/run/pipeline.js';
import { tempDir } from './helpers/files.js';

/**
 * Mutated inputs, seeded: each is either accepted, and then a run of it writes every output
 * right, or refused with an InputError that names the file (and line, for what is in it)
 * and echoes no more than a few words of what it read.
 */
const MUTANTS = 3000;
/** Accepted mutants run in virtual time, up to this many (each run costs ~20 ms). */
const RUNS = 60;
const BASE = baseInputs('inputs');

function baseInputs(dir: string): string[] {
  return [1, 2, 3, 4, 5].map((rank) => readFileSync(join(dir, `in${rank}.txt`), 'utf8'));
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const ODD_TEXT = ['', ' ', '\t', '\r', '\0', '-1', '0', '99999999999', '1e3', '0x10', 'é', '\u202e', 'file1', '../x', 'a'.repeat(5000)];

/** One mutation of one line or character: the kinds of damage a hand-edited input gets. */
function mutate(text: string, random: Random): string {
  const lines = text.split('\n');
  const at = Math.floor(random() * lines.length);
  switch (Math.floor(random() * 8)) {
    case 0:
      lines.splice(at, 1);
      break;
    case 1:
      lines.splice(at, 0, lines[at] ?? '');
      break;
    case 2:
      lines.splice(at, 0, pick(random, ODD_TEXT));
      break;
    case 3: {
      const other = Math.floor(random() * lines.length);
      [lines[at], lines[other]] = [lines[other], lines[at]];
      break;
    }
    case 4:
      lines[at] = pick(random, ODD_TEXT);
      break;
    case 5: {
      const line = lines[at] ?? '';
      const i = Math.floor(random() * (line.length + 1));
      lines[at] = line.slice(0, i) + String.fromCharCode(Math.floor(random() * 0x80)) + line.slice(i + 1);
      break;
    }
    case 6:
      return text.slice(0, Math.floor(random() * text.length));
    default:
      lines[at] = (lines[at] ?? '').toUpperCase();
  }
  return lines.join('\n');
}

describe('the input parser under mutated inputs', () => {
  it(`refuses each of ${MUTANTS} mutants with a located error, or accepts it and runs it right`, async () => {
    const random = seedrandom('input-fuzz');
    const dir = tempDir();
    const accepted: Job[] = [];
    let refused = 0;
    for (let n = 0; n < MUTANTS; n++) {
      const texts = [...BASE];
      const which = Math.floor(random() * texts.length);
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) texts[which] = mutate(texts[which], random);
      const caseDir = join(dir, `case${n}`);
      writeInputs(caseDir, texts);
      const started = performance.now();
      try {
        const job = loadJob(caseDir);
        if (accepted.length < RUNS) accepted.push(job);
      } catch (error) {
        if (!(error instanceof InputError)) throw new Error(`mutant ${n}: not an InputError: ${String(error)}`);
        const file = join(caseDir, `in${which + 1}.txt`);
        // Every refusal names a file of the case (the mutated one, or one its change contradicts).
        expect(error.where.startsWith(caseDir), `mutant ${n}: ${error.message}`).toBe(true);
        expect(error.problem.length, `mutant ${n}: ${error.message}`).toBeLessThan(200);
        if (error.where.startsWith(file)) expect(error.where, `mutant ${n}: ${error.message}`).toMatch(/\.txt(:\d+)?$/);
        refused++;
      }
      expect(performance.now() - started, `mutant ${n} took too long to parse`).toBeLessThan(1000);
    }
    expect(refused).toBeGreaterThan(MUTANTS / 2);
    expect(accepted.length).toBeGreaterThan(10);
    for (const [n, job] of accepted.entries()) {
      const doc = await runJob(job, {
        transport: 'virtual',
        strategy: { label: 'round-robin' },
        pipeline: 'auto',
        outDir: join(dir, `out${n}`),
        stallTimeoutMs: 10_000,
        virtual: { seed: String(n), network: defaultNetwork() },
      });
      expect(doc.outputs.problems, `accepted mutant of ${job.dir}`).toEqual([]);
      expect(doc.run.ok).toBe(true);
    }
  }, 120_000);
});

function writeInputs(dir: string, texts: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  texts.forEach((text, i) => writeFileSync(join(dir, `in${i + 1}.txt`), text));
}
