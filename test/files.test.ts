import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeLeftoverTemps, tempName, writeAtomically } from '../sim/job/files.js';
import { tempDir } from './helpers/files.js';

describe('output files', () => {
  it("removes only this invocation's temp files of the named outputs", async () => {
    const dir = tempDir();
    const ours = (name: string): string => tempName(join(dir, name)).slice(dir.length + 1);
    const kept = ['client1_f', 'client1_f.1-2-3.tmp', `client1_g.other1token.1-0-7.tmp`, ours('client2_f'), 'notes.1-2-3.tmp'];
    const removed = [ours('client1_f'), ours('client1_g')];
    for (const name of [...kept, ...removed]) writeFileSync(join(dir, name), 'x');
    await removeLeftoverTemps(dir, ['client1_f', 'client1_g']);
    expect(readdirSync(dir).sort()).toEqual(kept.sort());
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
