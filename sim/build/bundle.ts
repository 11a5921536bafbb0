/**
 * The last build step: what a process or thread loads first becomes few files. Node's ES
 * module loader pays per module (resolve, read, link): the threads worker's graph of ~40
 * modules cost ~20 ms of CPU per worker, and the CLI's ~100 modules kept rank 0 from
 * starting the tracker for ~40 ms of a ~100 ms small run. One bundled file costs ~2 ms.
 * esbuild does it (a bundler is not our core); it reads what tsc emitted, so types are
 * checked once, by tsc.
 */
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeControlValidators } from './control-validators.js';

/** Thread entry points, relative to dist/, each bundled beside itself as `<name>.bundle.js`. */
export const BUNDLED_ENTRIES = ['sim/transports/threads/worker.js', 'sim/job/output-thread.js'] as const;

/**
 * The CLI after its thin entry (sim/cli.ts), as one CommonJS file. Not an ES module: a
 * bundle of those hoists every package any lazily loaded verb imports to the top, so all
 * would load on every command (the canvas alone ~25 ms), and split into chunks it was ~25
 * files that cost ~1 ms each to load; CommonJS keeps each lazily loaded module's packages
 * lazy, in one file.
 */
export const CLI_BUNDLE = { entry: 'sim/cli/start.js', outfile: 'sim/cli/cli.bundle.cjs' } as const;

/**
 * Packages the CLI bundle takes in: small, pure JavaScript, and loaded on every run; or,
 * comlink, shipped only as an ES module where it is used, which CommonJS cannot require.
 * The rest stay packages: native code (the canvas), files read by path (chart.js into the
 * report), or loaded only on some paths.
 */
const INLINED_PACKAGES = new Set(['commander', 'comlink', 'p-limit', 'seedrandom']);

/** What `import.meta.url` of the bundle itself is, in a CommonJS file. */
const BUNDLE_URL = '__bundleUrl';

const dist = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Each module of a bundle keeps its own `import.meta.url`, the place tsc put it, so that a
 * path made from it (a worker's entry, package.json, the CLI a TCP rank runs) does not move
 * with the bundle: it is made from the bundle's own URL and the module's path from there.
 */
function ownImportMetaUrl(outdir: string, bundleUrl = 'import.meta.url'): Plugin {
  return {
    name: 'own-import-meta-url',
    setup(on) {
      on.onLoad({ filter: /\.js$/ }, async ({ path }) => {
        if (path.includes('/node_modules/')) return undefined;
        const contents = await readFile(path, 'utf8');
        if (!contents.includes('import.meta.url')) return undefined;
        const fromBundle = JSON.stringify(relative(outdir, path));
        return {
          contents: contents.replaceAll('import.meta.url', `new URL(${fromBundle}, ${bundleUrl}).href`),
          loader: 'js',
          resolveDir: dirname(path),
        };
      });
    },
  };
}

async function dependencies(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(dist, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(manifest.dependencies);
}

writeControlValidators(dist);

const common = {
  absWorkingDir: dist,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
} as const;

for (const entry of BUNDLED_ENTRIES) {
  const outfile = entry.replace(/\.js$/, '.bundle.js');
  await build({ ...common, entryPoints: [entry], outfile, plugins: [ownImportMetaUrl(join(dist, dirname(outfile)))] });
}

await build({
  ...common,
  format: 'cjs',
  entryPoints: [CLI_BUNDLE.entry],
  outfile: CLI_BUNDLE.outfile,
  external: (await dependencies()).filter((name) => !INLINED_PACKAGES.has(name)),
  // The modules are ES modules, strict: the directive must stay first, above the banner's line.
  banner: { js: `'use strict';\nconst ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;` },
  // CommonJS has no import.meta: any use but the url the plugin rewrites would be undefined at run time.
  logOverride: { 'empty-import-meta': 'error' },
  plugins: [ownImportMetaUrl(join(dist, dirname(CLI_BUNDLE.outfile)), BUNDLE_URL)],
});
