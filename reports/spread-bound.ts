/**
 * The most even spread of uploads any schedule could reach for a job: an upper bound on
 * Jain's index, so that a user can tell a bad strategy from a hard case.
 *
 * The model ignores when segments arrive. Each client that wants a file gets each of its
 * segments once, from an owner or from another client that wants it. Per segment the
 * transfers form a forest rooted at the owners, and any per-client upload counts summing
 * to the wanters' number are such a forest as long as an owner serves at least once:
 * so per file, owners upload at least one copy of each segment, and the wanters at most
 * `segments x (wanters - 1)` in all (each wanter at most that much too). Every client's
 * upload total x_i is then a flow out of the files, and Jain's index over fixed total
 * uploads is highest where the sum of x_i squared is lowest: a convex min-cost flow.
 *
 * Solved exactly in integers: start from an even split, then move uploads from a busier
 * client to a less busy one along residual paths. For a separable convex cost the flow is
 * optimal once no path leads from a client to one with at least 2 fewer uploads.
 */
import { jainIndex } from './metrics.js';
import { waterFill } from './water-fill.js';

/** Who owns and who wants one file, by rank. */
export interface FileHolders {
  segments: number;
  owners: readonly number[];
  wanters: readonly number[];
}

/** Edge visits the search may spend before it gives up on a job this large (null bound). */
const WORK_LIMIT = 50_000_000;

/** One wanted file as the flow sees it: clients by their index among the servers. */
interface ServingFile {
  /** Copies of its segments wanted in all: segments x wanters. */
  demand: number;
  /** What owners must upload at least: one copy of each segment, and what serving wanters cannot. */
  ownersAtLeast: number;
  owners: number[];
  wanters: number[];
  /** What one wanter may upload of it: each segment to every other wanter. */
  wanterCap: number;
}

interface FileFlow {
  demand: number;
  ownersAtLeast: number;
  /** What owners upload now. */
  owners: number;
}

/** The flow network: clients, then per file a wanters' node F and an owners' node P. */
class SpreadFlow {
  readonly uploads: number[];
  readonly files: FileFlow[] = [];
  /** Per edge: its file, 0 for an owner's (from P) or 1 for a wanter's (from F), its client, flow, cap. */
  private readonly edgeFile: number[] = [];
  private readonly edgeKind: number[] = [];
  private readonly edgeClient: number[] = [];
  private readonly flow: number[] = [];
  private readonly cap: number[] = [];
  private readonly clientEdges: number[][];
  /** Per file node (2k for F, 2k + 1 for P): the edges out to clients. */
  private readonly nodeEdges: number[][] = [];
  work = 0;

  constructor(clients: number) {
    this.uploads = new Array<number>(clients).fill(0);
    this.clientEdges = Array.from({ length: clients }, () => []);
  }

  /** A file's edges, with the shares its owners, then its wanters, upload to start with. */
  addFile(file: ServingFile, shares: readonly number[]): void {
    const k = this.files.length;
    const owners = file.owners.reduce((sum, _, i) => sum + shares[i], 0);
    this.files.push({ demand: file.demand, ownersAtLeast: file.ownersAtLeast, owners });
    this.nodeEdges.push([], []);
    const add = (kind: number, client: number, amount: number, cap: number): void => {
      const e = this.flow.length;
      this.edgeFile.push(k);
      this.edgeKind.push(kind);
      this.edgeClient.push(client);
      this.flow.push(amount);
      this.cap.push(cap);
      this.clientEdges[client].push(e);
      this.nodeEdges[2 * k + (kind === 0 ? 1 : 0)].push(e);
      this.uploads[client] += amount;
    };
    file.owners.forEach((c, i) => add(0, c, shares[i], file.demand));
    file.wanters.forEach((c, i) => add(1, c, shares[file.owners.length + i], file.wanterCap));
  }

  /**
   * Moves uploads off client `h` to the least busy client a residual path reaches. When none
   * gains, returns the clients reached: each of them with no more uploads than `h` reaches
   * only what `h` reaches, so it cannot gain either.
   */
  improve(h: number): number[] | undefined {
    const n = this.uploads.length;
    const parentNode = new Int32Array(n + 2 * this.files.length).fill(-2);
    const parentEdge = new Int32Array(parentNode.length).fill(-1);
    parentNode[h] = -1;
    const queue = [h];
    let best = -1;
    const reach = (from: number, next: number, edge: number): void => {
      this.work++;
      if (parentNode[next] !== -2) return;
      parentNode[next] = from;
      parentEdge[next] = edge;
      queue.push(next);
      if (next < n && (best < 0 || this.uploads[next] < this.uploads[best])) best = next;
    };
    for (let head = 0; head < queue.length; head++) this.arcsOut(queue[head], reach);
    if (best < 0 || this.uploads[h] - this.uploads[best] < 2) return queue.filter((node) => node < n);
    const path: [number, number, number][] = [];
    for (let node = best; node !== h; node = parentNode[node]) path.push([parentNode[node], node, parentEdge[node]]);
    let amount = Math.floor((this.uploads[h] - this.uploads[best]) / 2);
    for (const [from, to, edge] of path) amount = Math.min(amount, this.room(from, to, edge));
    for (const [from, to, edge] of path) this.push(from, to, edge, amount);
    this.uploads[h] -= amount;
    this.uploads[best] += amount;
    return undefined;
  }

  /** Calls `reach` for each residual arc out of a node, with its edge (-1 for the arc between F and P). */
  private arcsOut(node: number, reach: (from: number, next: number, edge: number) => void): void {
    const n = this.uploads.length;
    if (node < n) {
      for (const e of this.clientEdges[node])
        if (this.flow[e] > 0) reach(node, n + 2 * this.edgeFile[e] + (this.edgeKind[e] === 0 ? 1 : 0), e);
      return;
    }
    const file = this.files[(node - n) >> 1];
    const isOwners = (node - n) % 2 === 1;
    if (isOwners ? file.owners > file.ownersAtLeast : file.owners < file.demand) reach(node, isOwners ? node - 1 : node + 1, -1);
    for (const e of this.nodeEdges[node - n]) if (this.flow[e] < this.cap[e]) reach(node, this.edgeClient[e], e);
  }

  private room(from: number, to: number, edge: number): number {
    const n = this.uploads.length;
    if (edge >= 0) return from < n ? this.flow[edge] : this.cap[edge] - this.flow[edge];
    const file = this.files[(from - n) >> 1];
    // From F to P more goes to owners; from P to F owners give some up, never below their floor.
    return (to - n) % 2 === 1 ? file.demand - file.owners : file.owners - file.ownersAtLeast;
  }

  private push(from: number, to: number, edge: number, amount: number): void {
    const n = this.uploads.length;
    if (edge >= 0) {
      this.flow[edge] += from < n ? -amount : amount;
      return;
    }
    this.files[(from - n) >> 1].owners += (to - n) % 2 === 1 ? amount : -amount;
  }
}

/** At most this many sweeps of the start's block descent; it stops sooner once a sweep gains nothing. */
const SWEEPS = 64;
/** Member visits the sweeps may spend in all (each some 60 arithmetic steps). */
const START_WORK = 20_000_000;

/**
 * A start near the optimum, so that the exact search has little left to move: each file in
 * turn shares its copies by water-filling over what its servers upload of other files.
 */
function startingShares(files: readonly ServingFile[], clients: number): number[][] {
  const loads = new Array<number>(clients).fill(0);
  const shares: number[][] = files.map(() => []);
  let squares = Infinity;
  const perSweep = files.reduce((sum, file) => sum + file.owners.length + file.wanters.length, 0);
  // Each member costs one water-filling's halving steps a sweep: a large job sweeps less.
  const sweeps = Math.max(2, Math.min(SWEEPS, Math.floor(START_WORK / Math.max(1, perSweep))));
  for (let sweep = 0; sweep < sweeps; sweep++) {
    files.forEach((file, k) => {
      const members = [...file.owners, ...file.wanters];
      shares[k].forEach((y, i) => (loads[members[i]] -= y));
      shares[k] = fileShares(
        file,
        members.map((c) => loads[c]),
      );
      shares[k].forEach((y, i) => (loads[members[i]] += y));
    });
    const now = loads.reduce((sum, x) => sum + x * x, 0);
    if (now >= squares) break;
    squares = now;
  }
  return shares;
}

/** The best shares of one file alone: free water-filling, or, where owners would send too little, owners held to their floor. */
function fileShares(file: ServingFile, loads: readonly number[]): number[] {
  const split = file.owners.length;
  const caps = [...file.owners.map(() => file.demand), ...file.wanters.map(() => file.wanterCap)];
  const free = waterFill(loads, caps, file.demand);
  if (free.slice(0, split).reduce((a, b) => a + b, 0) >= file.ownersAtLeast) return free;
  return [
    ...waterFill(loads.slice(0, split), caps.slice(0, split), file.ownersAtLeast),
    ...waterFill(loads.slice(split), caps.slice(split), file.demand - file.ownersAtLeast),
  ];
}

/**
 * The highest Jain's index of uploads over the clients that could serve (as the run's
 * figure is taken: `servers`, free riders left out) that any schedule could reach; null
 * when no schedule completes the job (a wanted file only free riders own) or the job is
 * too large to solve here.
 */
export function bestJain(files: Iterable<FileHolders>, servers: readonly number[]): number | null {
  const index = new Map(servers.map((rank, i) => [rank, i]));
  const serving: ServingFile[] = [];
  for (const { segments, owners, wanters } of files) {
    if (wanters.length === 0 || segments === 0) continue;
    const indices = (ranks: readonly number[]): number[] => ranks.flatMap((rank) => (index.has(rank) ? [index.get(rank) ?? 0] : []));
    const file = {
      demand: segments * wanters.length,
      owners: indices(owners),
      wanters: indices(wanters),
      wanterCap: segments * (wanters.length - 1),
    };
    if (file.owners.length === 0) return null;
    serving.push({ ...file, ownersAtLeast: Math.max(segments, file.demand - file.wanterCap * file.wanters.length) });
  }
  const flow = new SpreadFlow(servers.length);
  startingShares(serving, servers.length).forEach((shares, k) => flow.addFile(serving[k], shares));
  // Loads within one of each other cannot be evened further: the start is then the optimum.
  const range = flow.uploads.reduce((r, x) => [Math.min(r[0], x), Math.max(r[1], x)], [Infinity, -Infinity]);
  for (let improved = range[1] - range[0] >= 2; improved;) {
    improved = false;
    const settled = new Uint8Array(servers.length);
    const order = servers.map((_, i) => i).sort((a, b) => flow.uploads[b] - flow.uploads[a]);
    for (const h of order) {
      if (settled[h]) continue;
      let reached: number[] | undefined;
      while ((reached = flow.improve(h)) === undefined) {
        improved = true;
        if (flow.work > WORK_LIMIT) return null;
      }
      for (const client of reached) if (flow.uploads[client] <= flow.uploads[h]) settled[client] = 1;
      if (flow.work > WORK_LIMIT) return null;
    }
  }
  return jainIndex(flow.uploads);
}
