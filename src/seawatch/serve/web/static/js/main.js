// Console start-up: log in, load the site, draw the map, follow the live picture; search, measure,
// view state in the URL, shortcuts.
import { api, setCsrf } from './api.js';
import { state, applyFrame, changed, label, sortedAlerts, onChange } from './state.js';
import { createMap, select, map, showMeasure, setMeasuring } from './map.js';
import { initPanels, showTab, selectAlert, alertAction, report } from './panels.js';
import { initReplay, enterReplay, leaveReplay, playPause, replayTime } from './replay.js';
import { bind, initKeys } from './keys.js';
import { utc, distBearing, nm, deg, latlon } from './units.js';

const $ = (sel) => document.querySelector(sel);
let ws = null, wantLive = false, follow = false;

async function currentSession() {
  try { return await api('/api/session'); } catch (err) { if (err.status === 401) return null; throw err; }
}

function askLogin() {
  $('#login').hidden = false;
  $('#login-user').focus();
  return new Promise((resolve) => {
    $('#login-form').onsubmit = async (e) => {
      e.preventDefault();
      $('#login-error').textContent = '';
      try {
        const s = await api('/api/login', { method: 'POST', body: { username: $('#login-user').value, password: $('#login-pass').value } });
        $('#login-pass').value = '';
        $('#login').hidden = true;
        resolve(s);
      } catch (err) { $('#login-error').textContent = err.message; }
    };
  });
}

// ---- live link --------------------------------------------------------------------------------------
function connect() {
  wantLive = true;
  if (ws) return;
  const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
  ws = sock;
  sock.onopen = () => $('#conn').classList.add('up');
  sock.onmessage = (ev) => {
    if (state.mode !== 'live' || sock !== ws) return;
    const frame = JSON.parse(ev.data);
    applyFrame(frame);
    window.__seawatchFrames = (window.__seawatchFrames || 0) + 1;
    changed(frame.type);
    if (follow && state.selected != null) {
      const c = state.contacts.get(state.selected);
      if (c) map.setCenter([c.lon, c.lat]);
    }
  };
  sock.onclose = (ev) => {
    $('#conn').classList.remove('up');
    if (ws === sock) ws = null;
    if (ev.code === 4401 || ev.code === 1008) location.reload();
    else if (wantLive) setTimeout(() => wantLive && connect(), 2000);
  };
}

function disconnect() { wantLive = false; const s = ws; ws = null; if (s) s.close(); }

// ---- URL view state: #c=lon,lat&z=zoom&sel=id&t=replay-epoch ------------------------------------------
function readUrl() {
  const p = new URLSearchParams(location.hash.slice(1)), v = {};
  const c = (p.get('c') || '').split(',').map(Number);
  if (c.length === 2 && c.every(Number.isFinite)) v.center = c;
  if (p.has('z') && Number.isFinite(Number(p.get('z')))) v.zoom = Number(p.get('z'));
  if (p.has('sel')) v.sel = Number(p.get('sel'));
  if (p.has('t')) v.t = Number(p.get('t'));
  return v;
}

let urlTimer = null;
function writeUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const c = map.getCenter(), p = new URLSearchParams();
    p.set('c', `${c.lng.toFixed(4)},${c.lat.toFixed(4)}`);
    p.set('z', map.getZoom().toFixed(2));
    if (state.selected != null) p.set('sel', state.selected);
    const t = replayTime();
    if (t != null) p.set('t', t.toFixed(0));
    history.replaceState(null, '', '#' + p.toString());
  }, 300);
}

// ---- search -----------------------------------------------------------------------------------------
function initSearch() {
  const input = $('#search'), list = $('#search-results');
  let timer = null;
  const show = (items) => {
    list.innerHTML = items.slice(0, 20).map((c) => `<li data-id="${c.contact_id ?? c.id}">${label({ ...c, id: c.contact_id ?? c.id })}
      <span class="dim">${c.mmsi ?? ''} ${c.callsign ?? ''} #${c.contact_id ?? c.id}</span></li>`).join('') || '<li class="dim">no match</li>';
    list.hidden = false;
  };
  input.oninput = () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      if (state.mode === 'live') show((await api('/api/search', { params: { q } })).results);
      else {
        const ql = q.toLowerCase();
        show([...state.contacts.values()].filter((c) => `${c.mmsi} ${c.name} ${c.callsign}`.toLowerCase().includes(ql)));
      }
    }, 150);
  };
  input.onkeydown = (e) => {
    if (e.key === 'Enter') list.querySelector('li[data-id]')?.click();
    if (e.key === 'Escape') { list.hidden = true; input.blur(); }
  };
  list.onclick = (e) => {
    const li = e.target.closest('li[data-id]');
    if (!li) return;
    select(Number(li.dataset.id));
    list.hidden = true; input.value = '';
  };
}

// ---- measure ----------------------------------------------------------------------------------------
let measure = null;
function toggleMeasure(on = measure == null) {
  measure = on ? [] : null;
  $('#btn-measure').classList.toggle('active', on);
  $('#measure-out').hidden = !on;
  $('#measure-out').textContent = on ? 'click two points' : '';
  map.getCanvas().style.cursor = on ? 'crosshair' : '';
  if (!on) showMeasure([]);
}

function initMeasure() {
  setMeasuring(() => measure != null);
  $('#btn-measure').onclick = () => toggleMeasure();
  map.on('click', (e) => {
    if (measure == null) return;
    if (measure.length === 2) measure = [];
    measure.push([e.lngLat.lng, e.lngLat.lat]);
    showMeasure(measure);
    if (measure.length === 2) {
      const { dist, bearing } = distBearing(measure[0], measure[1]);
      $('#measure-out').textContent = `${nm(dist)}  ${deg(bearing)}`;
    }
  });
  map.on('mousemove', (e) => { $('#cursor-pos').textContent = latlon(e.lngLat.lat, e.lngLat.lng); });
}

// ---- shortcuts --------------------------------------------------------------------------------------
function moveAlert(step) {
  const list = sortedAlerts().filter((a) => a.workflow?.state !== 'closed');
  if (!list.length) return;
  const i = list.findIndex((a) => a.id === state.selectedAlert);
  selectAlert(list[(i + step + list.length) % list.length].id);
  showTab('alerts');
}

function initShortcuts() {
  bind('/', 'search MMSI, name or call sign', () => $('#search').focus());
  bind('n', 'next alert', () => moveAlert(1));
  bind('p', 'previous alert', () => moveAlert(-1));
  bind('a', 'acknowledge the selected alert', () => state.selectedAlert && alertAction(state.selectedAlert, 'acknowledge').catch(report));
  bind('q', 'alert queue', () => showTab('alerts'));
  bind('t', 'contact table', () => showTab('contacts'));
  bind('d', 'dossier of the selection', () => showTab('dossier'));
  bind('f', 'follow the selected contact (on/off)', () => { follow = !follow; });
  bind('m', 'measure distance and bearing', () => toggleMeasure());
  bind('r', 'replay a period', () => (state.mode === 'live' ? startReplay() : leaveReplay()));
  bind('l', 'back to live', () => state.mode === 'replay' && leaveReplay());
  bind(' ', 'play / pause the replay', () => playPause());
  bind('Escape', 'clear selection, measure, help', () => {
    $('#help').hidden = true; toggleMeasure(false); state.selected = null; state.selectedAlert = null; changed('select');
  });
  initKeys();
  $('#btn-help').onclick = () => { $('#help').hidden = !$('#help').hidden; };
}

async function startReplay(at) {
  disconnect();
  try { await enterReplay(at); } catch (err) { report(err); leaveReplay(); }
}

function clock() {
  $('#clock').textContent = utc(state.now, true);
  let dark = 0;
  for (const c of state.contacts.values()) if (c.kind === 'radar_only') dark++;
  $('#counts').textContent = `${state.contacts.size} contacts · ${dark} dark`;
}

async function boot() {
  const s = (await currentSession()) || (await askLogin());
  setCsrf(s.csrf); state.user = s.user; state.role = s.role;
  $('#user').textContent = `${s.user} (${s.role})`;
  $('#btn-logout').onclick = async () => { await api('/api/logout', { method: 'POST' }).catch(() => {}); location.hash = ''; location.reload(); };
  const [site, basemap, zones] = await Promise.all([api('/api/site'), api('/api/basemap'), api('/api/zones')]);
  $('#site-name').textContent = site.name;
  const view = readUrl();
  await createMap(site, basemap, zones, view);
  initPanels();
  initReplay(() => { state.contacts.clear(); state.alerts.clear(); changed('live'); connect(); writeUrl(); });
  initSearch(); initMeasure(); initShortcuts();
  $('#btn-replay').onclick = () => (state.mode === 'live' ? startReplay() : leaveReplay());
  map.on('moveend', writeUrl);
  onChange(() => { clock(); writeUrl(); });
  if (view.sel != null) state.selected = view.sel;
  if (view.t != null) await startReplay(view.t); else connect();
  document.body.dataset.ready = '1';
}

boot().catch((err) => { document.body.dataset.error = err.message; console.error(err); });
