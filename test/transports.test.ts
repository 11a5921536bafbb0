import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { loadJob } from '../sim/job/inputs.js';
import { generated, sim } from './helpers/cli.js';
import { outputsOf } from './helpers/files.js';

const TRANSPORTS = ['virtual', 'threads', 'tcp'] as const;

function run(dir: string, transport: string, args: string[]): { status: number | null; stderr: string; doc: MetricsDocument } {
  const result = sim('run', dir, '--out', join(dir, transport), '--quiet', '--json', '--transport', transport, ...args);
  if (!result.stdout) throw new Error(`sim run over ${transport} printed nothing: ${result.stderr}`);
  return { status: result.status, stderr: result.stderr, doc: JSON.parse(result.stdout) as MetricsDocument };
}

/** The fields of a run that must not depend on its transport: no times, no interleaving. */
function transportFree(doc: MetricsDocument) {
  const faults = doc.faults;
  return {
    ok: doc.run.ok,
    ranks: doc.run.ranks,
    trackers: (doc.trackers ?? []).map(({ rank, role, served, lost, stopped }) => ({ rank, role, served, lost, stopped })),
    outputs: doc.outputs,
    files: doc.files,
    // Every live tracker's final table: who seeds, who is a peer, how many completed.
    tables: (doc.trackers ?? []).filter((table) => !table.lost).map((table) => table.swarms),
    exitCode: doc.exitCode,
    faults: faults && {
      fired: faults.fired.map(({ spec, action, rank }) => ({ spec, action, rank })),
      unfired: faults.unfired,
      lost: faults.lost,
      noTracker: faults.noTracker,
      missing: faults.missing,
      unavailable: faults.unavailable,
      complete: faults.complete,
      trackersAgree: faults.trackersAgree,
    },
    counted: doc.ranks.map((rank) => rank.rank),
  };
}

describe('one job, one fault plan, every transport', () => {
  // A standby beside rank 0, which is killed a third of the way in: the standby serves the rest.
  const dir = generated(['--ranks', '6', '--files', '3', '--segments', '2000', '--wants', '2', '--seeders', '2', '--seed', 'seam']);
  const job = loadJob(dir);
  const plans: [string, string[]][] = [
    ['no fault', []],
    ['a standby, the primary killed', ['--trackers', '2', '--fault', 'kill:0@segments=2000']],
  ];

  for (const [name, args] of plans) {
    it(`${name}: the same result fields on ${TRANSPORTS.join(', ')}`, () => {
      const runs = TRANSPORTS.map((transport) => ({ transport, ...run(dir, transport, args) }));
      const expected = new Set(job.clients.flatMap((client, i) => client.wanted.map((file) => `client${i + 1}_${file}`)));
      for (const { transport, status, stderr, doc } of runs) {
        expect(status, `${transport}: ${stderr}`).toBe(0);
        expect(doc.run.transport).toBe(transport);
        expect([...outputsOf(join(dir, transport)).keys()].sort(), transport).toEqual([...expected].sort());
      }
      const [first, ...others] = runs;
      for (const other of others)
        expect(transportFree(other.doc), `${other.transport} against ${first.transport}`).toEqual(transportFree(first.doc));
    });
  }
});
