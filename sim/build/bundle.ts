/**
 * The last build step: what a process or thread loads first becomes few files. Node's ES
 * module loader pays per module (resolve, read, link): the threads worker's graph of ~40
 * modules cost ~20 ms of CPU per worker, and the CLI's ~100 modules kept rank 0 from
 * starting the tracker for ~40 ms of a ~100 ms small run. One bundled file costs ~2 ms.
 * esbuild does it (a bundler is not our core); it reads what tsc emitted, so types are
 * checked once, by tsc.
 */
import { build, type Plugin } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Thread entry points, relative to dist/, each bundled beside itself as `<name>.bundle.js`. */
export const BUNDLED_ENTRIES = ['sim/transports/threads/worker.js', 'sim/job/output-thread.js'] as const;

/**
 * The CLI after its thin entry (sim/cli.ts): one entry file, and a chunk for each lazily
 * imported verb or transport, so that `sim --version` still loads no transport.
 */
export const CLI_BUNDLE = { entry: 'sim/cli/start.js', folder: 'sim/cli/bundle' } as const;

/**
 * Packages the CLI bundle takes in: small, pure JavaScript, and loaded on every run. The
 * rest stay packages: native code (the canvas), files read by path (chart.js into the
 * report), or loaded only on some paths.
 */
const INLINED_PACKAGES = new Set(['commander', 'p-limit', 'seedrandom']);

const dist = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Each module of a bundle keeps its own `import.meta.url`, the place tsc put it, so that a
 * path made from it (a worker's entry, package.json, the CLI a TCP rank runs) does not move
 * with the bundle. Exact only while every file of the bundle is in `outdir`: esbuild's
 * chunks are given no folder of their own below it.
 */
function ownImportMetaUrl(outdir: string): Plugin {
  return {
    name: 'own-import-meta-url',
    setup(on) {
      on.onLoad({ filter: /\.js$/ }, async ({ path }) => {
        const contents = await readFile(path, 'utf8');
        if (path.includes('/node_modules/') || !contents.includes('import.meta.url')) return undefined;
        const fromBundle = JSON.stringify(relative(outdir, path));
        return {
          contents: contents.replaceAll('import.meta.url', `new URL(${fromBundle}, import.meta.url).href`),
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

// Chunk names carry a hash of their contents: the last build's would stay beside this one's.
await rm(join(dist, CLI_BUNDLE.folder), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [CLI_BUNDLE.entry],
  outdir: CLI_BUNDLE.folder,
  splitting: true,
  chunkNames: '[name]-[hash]',
  external: (await dependencies()).filter((name) => !INLINED_PACKAGES.has(name)),
  // The inlined packages are CommonJS and require Node's modules, which an ES module has no
  // require for: esbuild's stand-in throws unless one is in scope.
  banner: { js: "import { createRequire as bundledRequire } from 'node:module'; const require = bundledRequire(import.meta.url);" },
  plugins: [ownImportMetaUrl(join(dist, CLI_BUNDLE.folder))],
});
