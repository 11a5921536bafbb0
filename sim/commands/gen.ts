import { join } from 'node:path';
import { fileHashes, generate, suiteCase, type GenOptions } from '../job/generate.js';
import { ensureDir, writeAtomically } from '../job/files.js';
import { formatOutput } from '../job/outputs.js';

/** `sim gen`: writes in<R>.txt and the expected out<k>.txt of every file. */
export async function genCommand(outDir: string, options: GenOptions): Promise<{ inputs: number; files: number }> {
  const scenario = generate(options);
  await ensureDir(outDir);
  for (const [i, text] of scenario.inputs.entries()) await writeAtomically(join(outDir, `in${i + 1}.txt`), text);
  for (const [i, count] of scenario.segmentCounts.entries()) {
    await writeAtomically(join(outDir, `out${i + 1}.txt`), formatOutput(fileHashes(options.seed, i + 1, count)));
  }
  return { inputs: scenario.inputs.length, files: scenario.segmentCounts.length };
}

/** `sim gen --suite`: `count` varied cases, each in its own folder. */
export async function genSuite(dir: string, count: number, seed: string): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const { name, options } = suiteCase(seed, i);
    await genCommand(join(dir, name), options);
    names.push(name);
  }
  return names;
}
