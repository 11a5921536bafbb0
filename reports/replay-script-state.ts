/**
 * The replay page's model, as browser JavaScript (the page inlines it; the project's
 * TypeScript has no DOM types to check it against): the events decoded from base64, and the
 * state at one instant, kept as counts per row and segment and per rank. Seeking steps
 * events forwards or backwards from where it is (or from the start, when that is nearer),
 * so playing costs only the events between two frames; a binary search over the event
 * times finds where an instant falls.
 */
export const REPLAY_STATE_SCRIPT = String.raw`
const KIND = { TRANSFER: 0, REPEAT: 1, NACK: 2, REQUEST: 3, JOIN: 4, LEAVE: 5 };

function decodeColumn(text, Type) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Type(bytes.buffer);
}

/** The first index whose value is above 'value', in an ascending array. */
function upperBound(values, count, value) {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds one per member to 'grid' for each segment of the files a client's CSR lists name. */
function addFiles(r, grid, start, files) {
  r.data.clients.forEach((rank, i) => {
    const row = r.rowOf[rank] * r.S;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const file = r.data.files[files[k]];
      for (let s = file.offset; s < file.offset + file.segments; s++) grid[row + s]++;
    }
  });
}

function makeReplay(data, maxRows) {
  const count = data.events.count;
  const ev = {
    count,
    t: decodeColumn(data.events.t, Float32Array),
    kind: decodeColumn(data.events.kind, Uint8Array),
    from: decodeColumn(data.events.from, Int32Array),
    to: decodeColumn(data.events.to, Int32Array),
    seg: decodeColumn(data.events.seg, Int32Array),
  };
  const clients = data.clients.length;
  const per = Math.max(1, Math.ceil(clients / maxRows));
  const rows = Math.ceil(clients / per);
  const rowOf = new Int32Array(data.ranks).fill(-1);
  data.clients.forEach((rank, i) => (rowOf[rank] = Math.floor(i / per)));
  const S = data.segments;
  const r = { data, ev, per, rows, rowOf, S, base: new Uint16Array(rows * S), relevant: new Uint16Array(rows * S) };
  addFiles(r, r.base, data.ownedStart, data.ownedFiles);
  addFiles(r, r.relevant, data.ownedStart, data.ownedFiles);
  addFiles(r, r.relevant, data.wantedStart, data.wantedFiles);
  r.held = r.base.slice();
  for (const name of ['up', 'down', 'req', 'nackSent', 'nackRecv']) r[name] = new Int32Array(data.ranks);
  r.rowUp = new Float64Array(rows);
  r.cursor = 0;
  r.time = 0;
  r.inSwarm = 0;
  r.transfers = 0;
  r.done = Float64Array.from(data.completion.filter((t) => t >= 0)).sort();
  r.maxRowUp = 1;
  const finalUp = new Float64Array(rows);
  for (let i = 0; i < count; i++) {
    const row = rowOf[ev.from[i]];
    if (ev.kind[i] <= KIND.REPEAT && row >= 0) r.maxRowUp = Math.max(r.maxRowUp, ++finalUp[row]);
  }
  return r;
}

/** Applies event i (sign 1) or takes it back (sign -1). */
function stepEvent(r, i, sign) {
  const kind = r.ev.kind[i];
  const from = r.ev.from[i];
  const to = r.ev.to[i];
  if (kind === KIND.TRANSFER || kind === KIND.REPEAT) {
    r.up[from] += sign;
    if (r.rowOf[from] >= 0) r.rowUp[r.rowOf[from]] += sign;
  }
  if (kind === KIND.TRANSFER) {
    r.down[to] += sign;
    r.held[r.rowOf[to] * r.S + r.ev.seg[i]] += sign;
    r.transfers += sign;
  } else if (kind === KIND.NACK) {
    r.nackSent[from] += sign;
    r.nackRecv[to] += sign;
  } else if (kind === KIND.REQUEST) r.req[from] += sign;
  else if (kind === KIND.JOIN) r.inSwarm += sign;
  else if (kind === KIND.LEAVE) r.inSwarm -= sign;
}

function resetReplay(r) {
  r.held.set(r.base);
  for (const name of ['up', 'down', 'req', 'nackSent', 'nackRecv']) r[name].fill(0);
  r.rowUp.fill(0);
  r.cursor = 0;
  r.inSwarm = 0;
  r.transfers = 0;
}

/** The state at 'time': every event at or before it applied, none after. */
function seekReplay(r, time) {
  const target = upperBound(r.ev.t, r.ev.count, time);
  if (target < r.cursor - target) resetReplay(r);
  while (r.cursor < target) stepEvent(r, r.cursor++, 1);
  while (r.cursor > target) stepEvent(r, --r.cursor, -1);
  r.time = time;
}

/** Clients that held every wanted segment at the current time. */
function finishedNow(r) {
  return upperBound(r.done, r.done.length, r.time);
}
`;
