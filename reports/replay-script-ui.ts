/**
 * The replay page's controls, as browser JavaScript: the time slider, play and speed, the
 * status line, and the panel of the client picked (by a click on its row, or by rank).
 * Numbers the tests read are also set as data attributes. The page defines MAX_ROWS.
 */
export const REPLAY_UI_SCRIPT = String.raw`
function $(id) {
  return document.getElementById(id);
}

/** A speed that plays the whole run in about 20 seconds, from the choices offered. */
function defaultSpeed(duration, select) {
  const wanted = duration / 20;
  let best = select.options[0];
  for (const option of select.options) if (Math.abs(Math.log(option.value / wanted)) < Math.abs(Math.log(best.value / wanted))) best = option;
  return best.value;
}

function showStatus(view, recentTotal) {
  const r = view.r;
  const clock = r.data.simulated ? 'simulated' : 'wall-clock';
  $('clock').textContent = 't = ' + r.time.toFixed(3) + ' s of ' + r.data.duration.toFixed(3) + ' s (' + clock + ')';
  $('swarm').textContent = String(r.inSwarm);
  $('finished').textContent = finishedNow(r) + ' of ' + r.data.clients.length;
  $('transferred').textContent = String(r.transfers);
  $('recent').textContent = recentTotal + ' in the last ' + view.window.toPrecision(2) + ' s';
  const canvas = view.canvas;
  canvas.dataset.time = String(r.time);
  canvas.dataset.cursor = String(r.cursor);
  canvas.dataset.transfers = String(r.transfers);
  canvas.dataset.swarm = String(r.inSwarm);
}

function showPanel(view) {
  const panel = $('panel');
  const rank = view.selected;
  if (rank < 0) return;
  const r = view.r;
  const i = r.data.clients.indexOf(rank);
  const done = r.data.completion[i];
  const row = r.rowOf[rank];
  const group = r.per > 1 ? ' (row ' + rowLabel(r, row) + ')' : '';
  const counts = { uploaded: r.up[rank], downloaded: r.down[rank], requests: r.req[rank], nacksSent: r.nackSent[rank], nacksReceived: r.nackRecv[rank] };
  for (const [name, value] of Object.entries(counts)) panel.dataset[name] = String(value);
  panel.dataset.rank = String(rank);
  panel.dataset.completed = done >= 0 ? String(done) : '';
  const finished = done < 0 ? 'never finished (or wanted nothing)' : done <= r.time ? 'finished at ' + done.toFixed(3) + ' s' : 'finishes at ' + done.toFixed(3) + ' s';
  $('panel-title').textContent = 'Client rank ' + rank + group + ': ' + finished;
  $('panel-uploaded').textContent = String(counts.uploaded);
  $('panel-downloaded').textContent = String(counts.downloaded);
  $('panel-requests').textContent = String(counts.requests);
  $('panel-nacks').textContent = counts.nacksSent + ' sent, ' + counts.nacksReceived + ' received';
  panel.hidden = false;
}

function render(view) {
  const recent = drawReplay(view.canvas, view.r, view.L, view.selected >= 0 ? view.r.rowOf[view.selected] : -1, view.window);
  showStatus(view, recent);
  showPanel(view);
}

function seekView(view, time) {
  seekReplay(view.r, Math.max(0, Math.min(view.r.data.duration, time)));
  $('time').value = String(view.r.time);
  render(view);
}

function play(view) {
  view.playing = !view.playing;
  $('play').textContent = view.playing ? 'Pause' : 'Play';
  if (!view.playing) return;
  if (view.r.time >= view.r.data.duration) seekView(view, 0);
  let last = performance.now();
  const frame = (now) => {
    if (!view.playing) return;
    const speed = Number($('speed').value);
    seekView(view, view.r.time + ((now - last) / 1000) * speed);
    last = now;
    if (view.r.time >= view.r.data.duration) return play(view);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function pickRow(view, event) {
  const box = view.canvas.getBoundingClientRect();
  const y = ((event.clientY - box.top) * view.canvas.height) / box.height;
  const row = Math.floor((y - view.L.top) / view.L.rowH);
  if (row < 0 || row >= view.r.rows) return;
  view.selected = view.r.data.clients[row * view.r.per];
  $('pick').value = String(view.selected);
  render(view);
}

function startReplay(data) {
  const canvas = $('replay');
  const r = makeReplay(data, MAX_ROWS);
  const view = { r, canvas, L: makeLayout(canvas, r), selected: -1, playing: false, window: data.duration >= 20 ? 1 : data.duration / 20 };
  canvas.dataset.rows = String(r.rows);
  const slider = $('time');
  slider.max = String(data.duration);
  slider.addEventListener('input', () => seekView(view, Number(slider.value)));
  $('speed').value = defaultSpeed(data.duration, $('speed'));
  $('play').addEventListener('click', () => play(view));
  canvas.addEventListener('click', (event) => pickRow(view, event));
  $('pick').max = String(data.ranks - 1);
  $('pick').addEventListener('change', () => {
    const rank = Number($('pick').value);
    if (r.data.clients.indexOf(rank) >= 0) view.selected = rank;
    render(view);
  });
  seekView(view, 0);
  document.body.dataset.ready = 'true';
}
`;
