/**
 * The replay page's drawing, as browser JavaScript over the model of
 * ./replay-script-state.ts: one canvas, a row per client (or per group of clients when
 * there are many), each row's segments as a strip of pixels written into one ImageData,
 * transfers of the last moment as arcs between rows, uploads so far as bars.
 */
export const REPLAY_DRAW_SCRIPT = String.raw`
const OWNED = [46, 139, 87];
const GOT = [52, 101, 200];
const MISSING = [222, 222, 222];
const NOTHING = [248, 248, 248];

function makeLayout(canvas, r) {
  const width = canvas.width;
  const rowH = Math.max(6, Math.min(22, Math.floor(560 / r.rows)));
  const L = { width, rowH, top: 20, labelW: 84, arcW: 110, barW: 170 };
  L.stripX = L.labelW + L.arcW;
  L.stripW = Math.max(50, width - L.stripX - L.barW - 8);
  canvas.height = L.top + r.rows * rowH + 6;
  // Each pixel column's segments: [cols[x], cols[x + 1]), at least one.
  L.cols = new Int32Array(L.stripW + 1);
  for (let x = 0; x <= L.stripW; x++) L.cols[x] = Math.floor((x * r.S) / L.stripW);
  L.image = canvas.getContext('2d').createImageData(L.stripW, r.rows * rowH);
  return L;
}

function rowY(L, row) {
  return L.top + row * L.rowH;
}

/** One pixel line of a row's strip, written at 'at' in the image's data. */
function stripLine(r, L, row, pixels, at) {
  const base = row * r.S;
  for (let x = 0; x < L.stripW; x++) {
    const a = L.cols[x];
    const b = Math.max(a + 1, L.cols[x + 1]);
    let held = 0;
    let owned = 0;
    let relevant = 0;
    for (let s = a; s < b; s++) {
      held += r.held[base + s];
      owned += r.base[base + s];
      relevant += r.relevant[base + s];
    }
    let rgb = NOTHING;
    if (relevant > 0) {
      const o = owned / relevant;
      // A segment of a file its client never wanted may arrive (never in a correct run): kept within the bar.
      const d = Math.min(1 - o, (held - owned) / relevant);
      const m = 1 - o - d;
      rgb = [0, 1, 2].map((c) => o * OWNED[c] + d * GOT[c] + m * MISSING[c]);
    }
    const p = at + x * 4;
    pixels[p] = rgb[0];
    pixels[p + 1] = rgb[1];
    pixels[p + 2] = rgb[2];
    pixels[p + 3] = 255;
  }
}

function drawStrips(ctx, r, L) {
  const pixels = L.image.data;
  const line = L.stripW * 4;
  pixels.fill(0);
  for (let row = 0; row < r.rows; row++) {
    const first = row * L.rowH * line;
    stripLine(r, L, row, pixels, first);
    for (let y = 1; y < L.rowH - 1; y++) pixels.copyWithin(first + y * line, first, first + line);
  }
  ctx.putImageData(L.image, L.stripX, L.top);
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  for (const file of r.data.files) {
    const x = L.stripX + Math.floor((file.offset * L.stripW) / r.S);
    ctx.fillRect(x, L.top - 4, 1, r.rows * L.rowH + 4);
    ctx.fillText(file.name, x + 3, L.top - 6);
  }
}

/** Transfers in (time - window, time], counted per pair of rows: at most 'cap' of the latest. */
function recentTransfers(r, window, cap) {
  const pairs = new Map();
  const first = Math.max(upperBound(r.ev.t, r.cursor, r.time - window), r.cursor - cap);
  let total = 0;
  for (let i = first; i < r.cursor; i++) {
    if (r.ev.kind[i] > KIND.REPEAT) continue;
    const key = r.rowOf[r.ev.from[i]] * r.rows + r.rowOf[r.ev.to[i]];
    pairs.set(key, (pairs.get(key) || 0) + 1);
    total++;
  }
  return { pairs, total };
}

function drawArcs(ctx, r, L, recent) {
  const right = L.stripX - 6;
  ctx.lineCap = 'round';
  for (const [key, n] of recent.pairs) {
    const from = Math.floor(key / r.rows);
    const to = key % r.rows;
    const y1 = rowY(L, from) + L.rowH / 2;
    const y2 = rowY(L, to) + L.rowH / 2;
    ctx.strokeStyle = 'rgba(230, 120, 20, ' + Math.min(0.9, 0.35 + 0.1 * n) + ')';
    ctx.lineWidth = Math.min(6, 1 + Math.log2(n));
    ctx.beginPath();
    ctx.moveTo(right, y1);
    ctx.quadraticCurveTo(right - Math.min(L.arcW - 12, 14 + Math.abs(y2 - y1) * 0.45), (y1 + y2) / 2, right, y2);
    ctx.stroke();
    ctx.fillStyle = 'rgb(200, 90, 10)';
    ctx.fillRect(right - 1, y2 - 2, 4, 4);
  }
}

function rowLabel(r, row) {
  const first = r.data.clients[row * r.per];
  const last = r.data.clients[Math.min(r.data.clients.length, (row + 1) * r.per) - 1];
  return first === last ? 'rank ' + first : first + '\u2013' + last;
}

function drawLabelsAndBars(ctx, r, L, selectedRow) {
  const barX = L.stripX + L.stripW + 8;
  const barMax = L.barW - 48;
  ctx.font = Math.min(12, L.rowH) + 'px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (let row = 0; row < r.rows; row++) {
    const y = rowY(L, row);
    const mid = y + L.rowH / 2;
    if (row === selectedRow) {
      ctx.fillStyle = 'rgba(255, 215, 0, 0.35)';
      ctx.fillRect(0, y, L.width, L.rowH);
    }
    ctx.fillStyle = '#222';
    if (L.rowH >= 8 || row % 4 === 0) ctx.fillText(rowLabel(r, row), 4, mid);
    const up = r.rowUp[row];
    ctx.fillStyle = '#e07a1f';
    ctx.fillRect(barX, y + 1, Math.round((up / r.maxRowUp) * barMax), Math.max(1, L.rowH - 3));
    ctx.fillStyle = '#444';
    if (L.rowH >= 8) ctx.fillText(String(up), barX + Math.round((up / r.maxRowUp) * barMax) + 4, mid);
  }
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = '#333';
  ctx.fillText('uploads so far', barX, L.top - 6);
}

function drawReplay(canvas, r, L, selectedRow, window) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  drawLabelsAndBars(ctx, r, L, selectedRow);
  drawStrips(ctx, r, L);
  const recent = recentTransfers(r, window, 20000);
  drawArcs(ctx, r, L, recent);
  return recent.total;
}
`;
