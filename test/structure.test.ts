import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/files.js';
import {
  commandsImportedFromBelow,
  functionSizes,
  importCycles,
  importEdges,
  lineCount,
  longFiles,
  longFunctions,
  ranksReachingOut,
  readSources,
  transportCrossings,
  type Sources,
} from './helpers/structure.js';

// The layering rules of the harness, measured on the sources themselves (the TypeScript compiler's
// parser, no build needed): each rule lists every offender, so one run shows all that is left.
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function offenders(what: string, found: string[]): string {
  return `${found.length} ${what}:\n  ${found.join('\n  ')}`;
}

describe('structure of sim/, ranks/ and reports/', () => {
  const sources = readSources(ROOT);
  const edges = importEdges(sources);

  it('scans the real tree (so that the rules below cannot pass on nothing)', () => {
    expect(sources.has('sim/cli.ts')).toBe(true);
    expect(sources.has('ranks/peer.ts')).toBe(true);
    expect([...sources.keys()].filter((file) => file.endsWith('.d.ts') || file.endsWith('.test.ts'))).toEqual([]);
    expect(sources.size).toBeGreaterThan(50);
    expect(functionSizes(sources).length).toBeGreaterThan(500);
    expect(edges.filter((edge) => sources.has(edge.to)).length).toBeGreaterThan(200);
    // An import the checks could not follow to its file would drop out of the graph unseen.
    const unresolved = edges.filter((edge) => !sources.has(edge.to) && !existsSync(join(ROOT, edge.to)));
    expect(unresolved.map((edge) => `${edge.from}:${edge.line} ${edge.to}`)).toEqual([]);
  });

  it('has no source file over 300 lines in sim/ and ranks/', () => {
    const found = longFiles(sources);
    expect(found, offenders('files over 300 lines', found)).toEqual([]);
  });

  it('has no function over 80 lines in sim/ and ranks/', () => {
    const found = longFunctions(sources);
    expect(found, offenders('functions over 80 lines', found)).toEqual([]);
  });

  it('has no import cycle (type-only imports aside)', () => {
    const found = importCycles(edges, sources);
    expect(found, offenders('import cycles', found)).toEqual([]);
  });

  it('has no import from one transport into another', () => {
    const found = transportCrossings(edges);
    expect(found, offenders('imports between transports', found)).toEqual([]);
  });

  it('imports sim/commands/ only from sim/cli.ts, sim/api.ts, sim/cli/ and sim/commands/', () => {
    const found = commandsImportedFromBelow(edges);
    expect(found, offenders('imports of sim/commands/ from below it', found)).toEqual([]);
  });

  it('lets ranks/ import from sim/ only the Comm seam (sim/comm/), and nothing from reports/', () => {
    const found = ranksReachingOut(edges);
    expect(found, offenders('imports out of ranks/', found)).toEqual([]);
  });
});

/** A function of `total` lines: its header, filler, and a closing line. */
const fn = (header: string, total: number, close = '}'): string[] => [header, ...Array<string>(total - 2).fill('  work();'), close];
const text = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('the structure checks themselves, on samples', () => {
  it('counts lines as wc -l does', () => {
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb'), lineCount('a\n\n')]).toEqual([0, 1, 1, 2, 2]);
  });

  it('finds every kind of function over 80 lines, names it, and spares one of exactly 80', () => {
    const lines = [
      '// a comment above is not part of the function',
      ...fn('export function tooLong(): void {', 81),
      ...fn('function justRight(): void {', 80),
      'class Box {',
      ...fn('  constructor() {', 81, '  }'),
      ...fn('  get size(): number {', 81, '  }'),
      ...fn('  async method(): Promise<void> {', 82, '  }'),
      '}',
      ...fn('const arrow = (): void => {', 81, '};'),
      ...fn('const expr = function (): void {', 81, '};'),
      ...fn('run(() => {', 81, '});'),
      'const handlers = {',
      ...fn('  handle() {', 81, '  },'),
      '};',
    ];
    const sample: Sources = new Map([
      ['sim/sample.ts', text(...lines)],
      ['reports/sample.ts', text(...fn('function long(): void {', 90))],
    ]);
    const at = (header: string): number => lines.indexOf(header) + 1;
    expect(longFunctions(sample)).toEqual([
      `sim/sample.ts:2 tooLong: 81 lines`,
      `sim/sample.ts:${at('  constructor() {')} Box.constructor: 81 lines`,
      `sim/sample.ts:${at('  get size(): number {')} Box.size: 81 lines`,
      `sim/sample.ts:${at('  async method(): Promise<void> {')} Box.method: 82 lines`,
      `sim/sample.ts:${at('const arrow = (): void => {')} arrow: 81 lines`,
      `sim/sample.ts:${at('const expr = function (): void {')} expr: 81 lines`,
      `sim/sample.ts:${at('run(() => {')} (arrow function): 81 lines`,
      `sim/sample.ts:${at('  handle() {')} handle: 81 lines`,
    ]);
    expect(functionSizes(sample).find((size) => size.name === 'justRight')?.lines).toBe(80);
  });

  it('finds files over 300 lines in sim/ and ranks/ only', () => {
    const filler = (n: number): string => text(...Array<string>(n).fill('work();'));
    const sample: Sources = new Map([
      ['ranks/long.ts', filler(301)],
      ['sim/fits.ts', filler(300)],
      ['reports/long.ts', filler(400)],
    ]);
    expect(longFiles(sample)).toEqual(['ranks/long.ts: 301 lines']);
  });

  // Imports of every form: static, re-export, dynamic, side effect, `import()` types.
  const graph: Sources = new Map([
    ['sim/a.ts', text("import { b } from './b.js';", "import type { C } from './c.js';", "import { readFileSync } from 'node:fs';")],
    ['sim/b.ts', text("export { a } from './a.js';")],
    ['sim/c.ts', text("import { a } from './a.js';")],
    ['sim/d.ts', text('export async function load() {', "  return import('./e.js');", '}')],
    ['sim/e.ts', text("import './f.js';")],
    ['sim/f.ts', text("export * from './d.js';", "export * from './b.js';")],
    ['sim/g.ts', text("import './g.js';", "import { h } from './h.js';")],
    ['sim/h.ts', text("import { type G } from './g.js';", "export type { D } from './d.js';")],
    ['sim/transports/shared.ts', text("import { y } from './threads/y.js';")],
    ['sim/transports/threads/y.ts', text("import { z } from './z.js';")],
    ['sim/transports/threads/z.ts', text('export const z = 1;')],
    [
      'sim/transports/tcp/x.ts',
      text("import { s } from '../shared.js';", "import { y } from '../threads/y.js';", "import type { V } from '../virtual/v.js';"),
    ],
    ['sim/job/z.ts', text("const load = () => import('../commands/run.js');")],
    ['sim/cli.ts', text("import { run } from './commands/run.js';")],
    ['sim/cli/w.ts', text("import { run } from '../commands/run.js';")],
    ['sim/commands/check.ts', text("import { run } from './run.js';")],
    ['sim/commands/run.ts', text('export const run = 1;')],
    ['reports/r.ts', text("import type { Run } from '../sim/commands/run.js';")],
    [
      'ranks/p.ts',
      text("import { Comm } from '../sim/comm/comm.js';", "import { z } from '../sim/job/z.js';", "type R = import('../reports/r.js').R;"),
    ],
  ]);
  const graphEdges = importEdges(graph);

  it('reads every relative import with its line, and tells type-only ones apart', () => {
    const of = (file: string): string[] =>
      graphEdges.filter((e) => e.from === file).map((e) => `${e.line} ${e.to}${e.typeOnly ? ' type' : ''}`);
    expect(of('sim/a.ts')).toEqual(['1 sim/b.ts', '2 sim/c.ts type']);
    expect(of('sim/d.ts')).toEqual(['2 sim/e.ts']);
    expect(of('sim/h.ts')).toEqual(['1 sim/g.ts type', '2 sim/d.ts type']);
    expect(of('ranks/p.ts')).toEqual(['1 sim/comm/comm.ts', '2 sim/job/z.ts', '3 reports/r.ts type']);
  });

  it('finds every runtime import cycle as a chain, and none through type-only imports', () => {
    expect(importCycles(graphEdges, graph)).toEqual([
      'sim/a.ts → sim/b.ts → sim/a.ts',
      'sim/d.ts → sim/e.ts → sim/f.ts → sim/d.ts',
      'sim/g.ts → sim/g.ts',
    ]);
  });

  it('finds imports between transports, but not of the shared modules', () => {
    expect(transportCrossings(graphEdges)).toEqual([
      'sim/transports/tcp/x.ts:2 imports sim/transports/threads/y.ts',
      'sim/transports/tcp/x.ts:3 imports sim/transports/virtual/v.ts (types only)',
    ]);
  });

  it('finds imports of sim/commands/ from below it', () => {
    expect(commandsImportedFromBelow(graphEdges)).toEqual([
      'sim/job/z.ts:1 imports sim/commands/run.ts',
      'reports/r.ts:1 imports sim/commands/run.ts (types only)',
    ]);
  });

  it('finds imports out of ranks/ other than the Comm seam', () => {
    expect(ranksReachingOut(graphEdges)).toEqual(['ranks/p.ts:2 imports sim/job/z.ts', 'ranks/p.ts:3 imports reports/r.ts (types only)']);
  });

  it('reads a tree from disk, tests and declaration files aside', () => {
    const root = tempDir();
    const files = { 'sim/a.ts': 'a', 'sim/deep/b.ts': 'b', 'sim/c.d.ts': 'c', 'sim/d.test.ts': 'd', 'sim/e.json': 'e', 'ranks/f.ts': 'f' };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
    expect([...readSources(root, ['sim', 'ranks'])]).toEqual([
      ['sim/a.ts', 'a'],
      ['sim/deep/b.ts', 'b'],
      ['ranks/f.ts', 'f'],
    ]);
  });
});
