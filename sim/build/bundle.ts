/**
 * The last build step: each thread entry becomes one file. A worker thread loads its
 * modules anew, and Node's ES module loader pays per module (resolve, read, link): the
 * threads worker's graph of ~40 modules cost ~20 ms of CPU per worker, which at one
 * worker per client on 2 cores was most of a small run. One bundled file costs ~2 ms.
 * esbuild does it (a bundler is not our core); it reads what tsc emitted, so types are
 * checked once, by tsc.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Entry points, relative to dist/, each bundled beside itself as `<name>.bundle.js`. */
export const BUNDLED_ENTRIES = ['sim/transports/threads/worker.js', 'sim/job/output-thread.js'] as const;

const dist = fileURLToPath(new URL('../../', import.meta.url));

for (const entry of BUNDLED_ENTRIES) {
  await build({
    absWorkingDir: dist,
    entryPoints: [entry],
    outfile: entry.replace(/\.js$/, '.bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}
