/**
 * The replay page `sim view` writes: one self-contained HTML file (its data, script and
 * style inline, the same Content-Security-Policy as the report's page), which asks the
 * network for nothing.
 */
import { escapeHtml } from './html.js';
import type { ReplayData } from './replay-data.js';
import { REPLAY_DRAW_SCRIPT } from './replay-script-draw.js';
import { REPLAY_STATE_SCRIPT } from './replay-script-state.js';
import { REPLAY_UI_SCRIPT } from './replay-script-ui.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; background: #fff; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.meta { color: #555; margin-top: 0; }
.controls { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; margin: .6rem 0; }
#time { flex: 1; min-width: 300px; }
#clock { font-variant-numeric: tabular-nums; min-width: 17rem; }
.status { display: flex; gap: 1.4rem; flex-wrap: wrap; color: #333; font-variant-numeric: tabular-nums; }
.status b { font-weight: 600; }
canvas { display: block; margin: .6rem 0; border: 1px solid #eee; cursor: pointer; }
.legend span { display: inline-block; width: .9rem; height: .9rem; vertical-align: -2px; margin: 0 .3rem 0 .9rem; }
#panel { border: 1px solid #ccc; border-radius: 4px; padding: .5rem .9rem; max-width: 34rem; }
#panel table td { padding: .1rem 1rem .1rem 0; font-variant-numeric: tabular-nums; }
`;

/** Rows drawn at most: more clients than this are grouped, a row per group of consecutive ranks. */
export const REPLAY_MAX_ROWS = 48;

const SPEEDS = [0.01, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 100, 300, 1000];

function controls(data: ReplayData): string {
  const clock = data.simulated ? 'simulated' : 'wall-clock';
  const speeds = SPEEDS.map((speed) => `<option value="${speed}">${speed}&times;</option>`).join('');
  return `<div class="controls">
<button id="play" type="button">Play</button>
<label>speed <select id="speed">${speeds}</select> ${clock} time</label>
<input id="time" type="range" min="0" step="any" value="0" aria-label="time">
<span id="clock"></span>
</div>
<div class="status">
<span>clients in the swarm: <b id="swarm"></b></span>
<span>finished: <b id="finished"></b></span>
<span>segments transferred: <b id="transferred"></b></span>
<span>transfers: <b id="recent"></b></span>
<label>client rank <input id="pick" type="number" min="1" style="width:5rem"></label>
</div>`;
}

const LEGEND = `<p class="legend">Each row: a client's segments, file by file
<span style="background:rgb(46,139,87)"></span>held from the start
<span style="background:rgb(52,101,200)"></span>downloaded
<span style="background:rgb(222,222,222)"></span>wanted, not yet held.
Arcs: who served whom lately (a square marks the downloader). Bars: segments uploaded so far. Click a row for its counters.</p>`;

const PANEL = `<div id="panel" hidden>
<b id="panel-title"></b>
<table><tbody>
<tr><td>uploaded</td><td id="panel-uploaded"></td></tr>
<tr><td>downloaded</td><td id="panel-downloaded"></td></tr>
<tr><td>segment requests sent</td><td id="panel-requests"></td></tr>
<tr><td>NACKs</td><td id="panel-nacks"></td></tr>
</tbody></table>
<small>so far, at the time on the slider</small>
</div>`;

/** The page, its data embedded as JSON a script cannot break out of. */
export function renderReplayPage(data: ReplayData): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const grouped =
    data.clients.length > REPLAY_MAX_ROWS
      ? ` Clients are drawn in groups of ${Math.ceil(data.clients.length / REPLAY_MAX_ROWS)} consecutive ranks: a row's colours are the share of its members.`
      : '';
  const meta = `${data.clients.length} clients, ${data.files.length} files, ${data.segments} segments, transport ${data.transport}, strategy ${data.strategy}; ${data.events.count} events replayed.${grouped}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Replay: ${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Replay: ${escapeHtml(data.title)}</h1>
<p class="meta">${escapeHtml(meta)}</p>
${controls(data)}
<canvas id="replay" width="1080" height="200"></canvas>
${LEGEND}
${PANEL}
<script id="replay-data" type="application/json">${json}</script>
<script>
const MAX_ROWS = ${REPLAY_MAX_ROWS};
${REPLAY_STATE_SCRIPT}
${REPLAY_DRAW_SCRIPT}
${REPLAY_UI_SCRIPT}
startReplay(JSON.parse(document.getElementById('replay-data').textContent));
</script>
</body>
</html>
`;
}
