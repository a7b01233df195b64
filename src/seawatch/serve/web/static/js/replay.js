// Replay: pick a period, scrub or play it; the map and the queue show the store's state at that moment.
import { api } from './api.js';
import { state, applyReplay, changed } from './state.js';
import { utc } from './units.js';

const $ = (sel) => document.querySelector(sel);
const toInput = (t) => new Date(Math.floor(t) * 1000).toISOString().slice(0, 19) + 'Z';
const fromInput = (v) => Date.parse(/Z$/.test(v) ? v : v + 'Z') / 1000;
let t0 = 0, t1 = 0, cursor = 0, playing = null, pending = null, inflight = false;
let onLive = () => {};

function period() {
  const a = fromInput($('#replay-from').value), b = fromInput($('#replay-to').value);
  if (Number.isFinite(a)) t0 = a;
  if (Number.isFinite(b)) t1 = b;
  if (!(t1 > t0)) t1 = t0 + 1;
}

async function load(t) {
  cursor = t;
  $('#replay-time').textContent = utc(t, true);
  $('#replay-slider').value = String(Math.round(((t - t0) / (t1 - t0)) * 1000));
  if (inflight) { pending = t; return; }
  inflight = true;
  try {
    const r = await api('/api/replay/state', { params: { t, trail_s: 300 } });
    if (state.mode === 'replay') { applyReplay(r); changed('replay'); }
  } finally {
    inflight = false;
    if (pending != null) { const p = pending; pending = null; load(p); }
  }
}

export async function enterReplay(at) {
  state.mode = 'replay';
  const range = await api('/api/replay/range');
  if (range.start == null) throw new Error('the store holds no history yet');
  $('#mode').textContent = 'REPLAY'; $('#mode').className = 'mode replay';
  $('#replay').hidden = false;
  const end = range.end, start = Math.max(range.start, end - 3600);
  $('#replay-from').value = toInput(start); $('#replay-to').value = toInput(end);
  period();
  await load(at != null ? Math.min(Math.max(at, t0), t1) : t0);
}

export function leaveReplay() {
  pause();
  state.mode = 'live';
  $('#mode').textContent = 'LIVE'; $('#mode').className = 'mode live';
  $('#replay').hidden = true;
  onLive();
}

export function playPause() {
  if (state.mode !== 'replay') return;
  if (playing) { pause(); return; }
  $('#replay-play').textContent = '❚❚';
  let last = performance.now();
  playing = setInterval(() => {
    const now = performance.now(), speed = Number($('#replay-speed').value);
    const t = Math.min(t1, cursor + ((now - last) / 1000) * speed);
    last = now;
    load(t);
    if (t >= t1) pause();
  }, 500);
}

function pause() {
  if (playing) clearInterval(playing);
  playing = null;
  $('#replay-play').textContent = '▶';
}

export const replayTime = () => (state.mode === 'replay' ? cursor : null);

export function initReplay(backToLive) {
  onLive = backToLive;
  $('#replay-slider').oninput = (e) => { period(); load(t0 + (Number(e.target.value) / 1000) * (t1 - t0)); };
  $('#replay-from').onchange = () => { period(); load(t0); };
  $('#replay-to').onchange = () => { period(); load(Math.min(cursor, t1)); };
  $('#replay-play').onclick = playPause;
  $('#replay-live').onclick = leaveReplay;
}
