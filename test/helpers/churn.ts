import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputText, tempDir, writeInputs } from './files.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Leavers still asked for what they had: ranks 2-9 share fileA and leave as soon as they
 * have it, while the slower ones may still ask them; rank 1 keeps fileA to the end, waiting
 * for fileH, whose owner arrives at 60 s and, wanting nothing, leaves at once: fileH alone
 * is lost (exit 4). The flags that make it so come with the inputs.
 */
export function leaversCase(): { input: string; flags: string[] } {
  const input = writeInputs([
    inputText([['fileA', range(200)]], ['fileH']),
    ...range(8).map(() => inputText([], ['fileA'])),
    inputText([['fileH', range(1)]], []),
  ]);
  const schedule = join(tempDir(), 'arrivals.txt');
  writeFileSync(schedule, '10 60\n');
  return { input, flags: ['--seed-time', '0', '--arrivals', `file:${schedule}`] };
}
