import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeLeftoverTemps, tempName, writeAtomically } from '../sim/job/files.js';
import { tempDir } from './helpers/files.js';

describe('output files', () => {
  it('removes only the temp files that atomic writes of the named outputs left', async () => {
    const dir = tempDir();
    const names = ['client1_f', 'client1_f.1-2-3.tmp', 'client1_g.44-0-7.tmp', 'client2_f.9-9-9.tmp', 'client2_f.tmp', 'notes.1-2-3.tmp'];
    for (const name of names) writeFileSync(join(dir, name), 'x');
    await removeLeftoverTemps(dir, ['client1_f', 'client1_g']);
    expect(readdirSync(dir).sort()).toEqual(['client1_f', 'client2_f.9-9-9.tmp', 'client2_f.tmp', 'notes.1-2-3.tmp']);
  });

  it('finds the temp files atomic writes make, and leaves the outputs they wrote', async () => {
    const dir = tempDir();
    await writeAtomically(join(dir, 'client3_h'), 'done\n');
    // What a writer killed between its write and its rename leaves behind.
    writeFileSync(tempName(join(dir, 'client3_h')), 'half');
    await removeLeftoverTemps(dir, ['client3_h']);
    expect(readdirSync(dir)).toEqual(['client3_h']);
  });
});
