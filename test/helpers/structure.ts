import { readdirSync, readFileSync } from 'node:fs';
import { posix, join } from 'node:path';
import ts from 'typescript';

/** Source texts by repository-relative POSIX path, e.g. `sim/cli.ts`. */
export type Sources = Map<string, string>;

/** One relative import; `to` is a repository-relative path, whether or not that file exists. */
export interface ImportEdge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}

export interface FunctionSize {
  file: string;
  line: number;
  name: string;
  lines: number;
}

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;
/** Where the size limits apply; the import rules look at these and `reports/`. */
const SIZED = ['sim/', 'ranks/'];
export const SCANNED = ['sim', 'ranks', 'reports'];

const isSource = (name: string): boolean => /\.(ts|tsx|mts|cts)$/.test(name) && !/\.d\.[cm]?ts$/.test(name) && !/\.test\.tsx?$/.test(name);
const under = (file: string, dirs: string[]): boolean => dirs.some((dir) => file.startsWith(dir));

/** Every source file below `dirs` of the repository at `root`, tests and declaration files aside. */
export function readSources(root: string, dirs = SCANNED): Sources {
  const sources: Sources = new Map();
  for (const dir of dirs) {
    const names = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' });
    for (const name of names.map((n) => n.split('\\').join('/')).sort()) {
      if (isSource(name)) sources.set(`${dir}/${name}`, readFileSync(join(root, dir, name), 'utf8'));
    }
  }
  return sources;
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** Lines as `wc -l` counts them: a final newline does not open another line. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Where a relative specifier points: NodeNext names the emitted `.js`, whose source is the `.ts`. */
function target(from: string, spec: string, sources: Sources): string {
  const path = posix.normalize(posix.join(posix.dirname(from), spec));
  const candidates = [
    path.replace(/\.js$/, '.ts'),
    path.replace(/\.js$/, '.tsx'),
    path.replace(/\.mjs$/, '.mts'),
    path,
    `${path}.ts`,
    `${path}/index.ts`,
  ];
  return candidates.find((candidate) => sources.has(candidate)) ?? candidates[0];
}

/** `import { type A }` and `import type A` are erased from the emitted JavaScript; `import './x'` is not. */
function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.phaseModifier === ts.SyntaxKind.TypeKeyword) return true;
  const bindings = clause.namedBindings;
  if (clause.name || !bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** The specifier a node imports from, and whether only types come through it. */
function importOf(node: ts.Node): { spec: ts.Expression; typeOnly: boolean } | undefined {
  if (ts.isImportDeclaration(node)) return { spec: node.moduleSpecifier, typeOnly: importIsTypeOnly(node) };
  if (ts.isExportDeclaration(node) && node.moduleSpecifier) return { spec: node.moduleSpecifier, typeOnly: exportIsTypeOnly(node) };
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length > 0) {
    return { spec: node.arguments[0], typeOnly: false };
  }
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) return { spec: node.argument.literal, typeOnly: true };
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    return { spec: node.moduleReference.expression, typeOnly: node.isTypeOnly };
  }
  return undefined;
}

/** Every relative import of every file: static, re-exports, `import()` and `import('./x').T` types. */
export function importEdges(sources: Sources): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [file, text] of sources) {
    const sf = parse(file, text);
    const visit = (node: ts.Node): void => {
      const found = importOf(node);
      if (found && ts.isStringLiteralLike(found.spec) && found.spec.text.startsWith('.')) {
        const to = target(file, found.spec.text, sources);
        edges.push({ from: file, to, line: lineOf(sf, node.getStart(sf)), typeOnly: found.typeOnly });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

function functionName(node: ts.FunctionLikeDeclaration): string {
  const owner = ts.isClassLike(node.parent) ? `${node.parent.name?.text ?? '(class)'}.` : '';
  if (ts.isConstructorDeclaration(node)) return `${owner}constructor`;
  if (node.name) return `${owner}${node.name.getText()}`;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText();
  }
  return ts.isArrowFunction(node) ? '(arrow function)' : '(function expression)';
}

/** Every function with a body, measured from its first token (after its doc comment) to its closing brace. */
export function functionSizes(sources: Sources): FunctionSize[] {
  const sizes: FunctionSize[] = [];
  for (const [file, text] of sources) {
    const sf = parse(file, text);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const line = lineOf(sf, node.getStart(sf));
        const lines = lineOf(sf, node.getEnd()) - line + 1;
        sizes.push({ file, line, name: functionName(node as ts.FunctionLikeDeclaration), lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return sizes;
}

export function longFiles(sources: Sources): string[] {
  return [...sources]
    .filter(([file, text]) => under(file, SIZED) && lineCount(text) > MAX_FILE_LINES)
    .map(([file, text]) => `${file}: ${lineCount(text)} lines`);
}

export function longFunctions(sources: Sources): string[] {
  return functionSizes(sources)
    .filter((size) => under(size.file, SIZED) && size.lines > MAX_FUNCTION_LINES)
    .map((size) => `${size.file}:${size.line} ${size.name}: ${size.lines} lines`);
}

/** Strongly connected components (Tarjan) of the graph, each a set of its nodes. */
function components(graph: Map<string, string[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: Set<string>[] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) connect(next);
      if (stack.includes(next)) low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop() as string;
      component.add(member);
    } while (member !== node);
    found.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return found;
}

/** The shortest path from `start` to `goal` inside `within`, both ends included. */
function shortestPath(graph: Map<string, string[]>, start: string, goal: string, within: Set<string>): string[] {
  const previous = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length && !previous.has(goal); i++) {
    for (const next of graph.get(queue[i]) ?? []) {
      if (!within.has(next) || previous.has(next)) continue;
      previous.set(next, queue[i]);
      queue.push(next);
    }
  }
  const path = [goal];
  while (path[0] !== start) path.unshift(previous.get(path[0]) as string);
  return path;
}

/**
 * Import cycles as chains `a → b → a`, type-only imports aside (they vanish from the emitted code).
 * Every import inside a cycle is shown in one: for each edge u → v of a strongly connected set, the
 * shortest way back from v to u, so that one run shows every import that would have to go.
 */
export function importCycles(edges: ImportEdge[], sources: Sources): string[] {
  const graph = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.typeOnly || !sources.has(edge.to)) continue;
    const nexts = graph.get(edge.from) ?? [];
    if (!nexts.includes(edge.to)) nexts.push(edge.to);
    graph.set(edge.from, nexts);
  }
  const cycles = new Set<string>();
  for (const component of components(graph)) {
    for (const from of component) {
      for (const to of (graph.get(from) ?? []).filter((next) => component.has(next))) {
        const cycle = from === to ? [from] : [from, ...shortestPath(graph, to, from, component).slice(0, -1)];
        const first = cycle.indexOf([...cycle].sort()[0]);
        const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      }
    }
  }
  return [...cycles].sort();
}

const describeEdge = (edge: ImportEdge): string => `${edge.from}:${edge.line} imports ${edge.to}${edge.typeOnly ? ' (types only)' : ''}`;

/** A file in `sim/transports/<name>/`; files directly in `sim/transports/` are shared by all. */
const transportOf = (file: string): string | undefined => /^sim\/transports\/([^/]+)\//.exec(file)?.[1];

export function transportCrossings(edges: ImportEdge[]): string[] {
  return edges
    .filter((edge) => {
      const [from, to] = [transportOf(edge.from), transportOf(edge.to)];
      return from !== undefined && to !== undefined && from !== to;
    })
    .map(describeEdge);
}

/** The two entries (the CLI and the library, `sim/api.ts`) sit above the commands they call. */
const mayImportCommands = (file: string): boolean =>
  file === 'sim/cli.ts' || file === 'sim/api.ts' || file.startsWith('sim/cli/') || file.startsWith('sim/commands/');

export function commandsImportedFromBelow(edges: ImportEdge[]): string[] {
  return edges.filter((edge) => edge.to.startsWith('sim/commands/') && !mayImportCommands(edge.from)).map(describeEdge);
}

/** `ranks/` talks to the harness only through the Comm seam, and knows nothing of reports. */
export function ranksReachingOut(edges: ImportEdge[]): string[] {
  const forbidden = (to: string): boolean => (to.startsWith('sim/') && !to.startsWith('sim/comm/')) || to.startsWith('reports/');
  return edges.filter((edge) => edge.from.startsWith('ranks/') && forbidden(edge.to)).map(describeEdge);
}
