// Side panels: the alert queue with its actions, the contact table, the dossier, the audit log.
import { api } from './api.js';
import { state, sortedAlerts, label, onChange, changed } from './state.js';
import { kn, deg, utc, latlon } from './units.js';
import { select, showHistory, map } from './map.js';

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const canAct = () => ['operator', 'supervisor', 'admin'].includes(state.role);
const TABLE_CAP = 200;

export function showTab(name) {
  document.querySelectorAll('.tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  document.querySelectorAll('.tab').forEach((t) => t.classList.remove('active'));
  $(name === 'audit' ? '#tab-audit-panel' : `#tab-${name}`).classList.add('active');
  if (name === 'audit') loadAudit();
  if (name === 'contacts') renderTable();
}

// ---- alert queue ------------------------------------------------------------------------------------
function alertHtml(a) {
  const wf = a.workflow || {}, live = state.mode === 'live';
  const act = live && canAct() && wf.state !== 'closed';
  const comments = (wf.comments || []).map((c) => `<li>${esc(c.by)} ${utc(c.at)}: ${esc(c.text)}</li>`).join('');
  return `<li class="alert ${esc(a.severity)}${a.id === state.selectedAlert ? ' sel' : ''}" data-id="${esc(a.id)}">
    <div class="head"><span class="sev ${esc(a.severity)}">${esc(a.severity)}</span><b>${esc(a.type)}</b>
      <span class="when">${utc(a.start_epoch ?? Date.parse(a.start) / 1000, true)}</span>
      <span class="state ${esc(wf.state)}">${esc(wf.state)}${wf.assigned_to ? ' → ' + esc(wf.assigned_to) : ''}${wf.classification ? ' · ' + esc(wf.classification.replace('_', ' ')) : ''}</span></div>
    <div class="summary">${esc(a.summary)}</div>
    ${comments ? `<ul class="comments">${comments}</ul>` : ''}
    ${act && (wf.state === 'new' || a.id === state.selectedAlert) ? `<div class="actions">
      ${wf.state === 'new' ? '<button data-act="acknowledge">Acknowledge</button>' : ''}
      ${a.id === state.selectedAlert ? `<button data-act="assign">Assign</button><button data-act="comment">Comment</button>
      <button data-act="true_alarm">True alarm</button><button data-act="false_alarm">False alarm</button>
      <button data-act="close">Close</button>` : ''}</div>` : ''}
  </li>`;
}

let lastAlertsHtml = '', lastTableHtml = '';
function renderAlerts() {
  const list = sortedAlerts().filter((a) => a.workflow?.state !== 'closed' || a.id === state.selectedAlert);
  const html = list.map(alertHtml).join('') || '<p class="note">No open alerts.</p>';
  if (html !== lastAlertsHtml) { $('#alert-list').innerHTML = html; lastAlertsHtml = html; }  // keep the DOM stable
  // probe for the latency benchmark and tests: when each alert was first in the queue (wall clock, ms)
  const seen = (window.__seawatchAlertSeen ||= {}), now = Date.now();
  for (const a of list) if (!(a.id in seen)) seen[a.id] = now;
  $('#alert-count').textContent = list.length;
}

export async function alertAction(id, act, extra) {
  const path = `/api/alerts/${encodeURIComponent(id)}/`;
  let res;
  if (act === 'acknowledge') res = await api(path + 'acknowledge', { method: 'POST' });
  else if (act === 'close') res = await api(path + 'close', { method: 'POST', body: {} });
  else if (act === 'true_alarm' || act === 'false_alarm') res = await api(path + 'classify', { method: 'POST', body: { verdict: act } });
  else if (act === 'assign') res = await api(path + 'assign', { method: 'POST', body: { to: extra } });
  else if (act === 'comment') res = await api(path + 'comment', { method: 'POST', body: { text: extra } });
  if (res) { state.alerts.set(res.alert.id, res.alert); changed('alerts'); }
}

function inlineInput(li, act) {
  li.querySelector('.inline')?.remove();
  const div = document.createElement('div');
  div.className = 'inline';
  div.innerHTML = `<input placeholder="${act === 'assign' ? 'user name' : 'comment'}"><button>OK</button>`;
  li.appendChild(div);
  const input = div.querySelector('input');
  input.focus();
  const go = () => input.value.trim() && alertAction(li.dataset.id, act, input.value.trim()).catch(report);
  div.querySelector('button').onclick = (e) => { e.stopPropagation(); go(); };
  input.onkeydown = (e) => { e.stopPropagation(); if (e.key === 'Enter') go(); if (e.key === 'Escape') div.remove(); };
  input.onclick = (e) => e.stopPropagation();
}

export function report(err) {
  const note = document.createElement('p');
  note.className = 'error'; note.textContent = err.message;
  $('#alert-list').prepend(note);
  setTimeout(() => note.remove(), 5000);
}

export function selectAlert(id) {
  const a = state.alerts.get(id);
  if (!a) return;
  state.selectedAlert = id;
  const tid = (a.track_ids || [])[0];
  if (tid != null && state.contacts.has(tid)) select(tid);
  else if (a.lat != null) map.easeTo({ center: [a.lon, a.lat], zoom: Math.max(map.getZoom(), 9) });
  changed('alerts');
}

// ---- contact table ----------------------------------------------------------------------------------
function renderTable() {
  const f = $('#table-filter').value.trim().toLowerCase(), kind = $('#table-kind').value;
  const rows = [];
  let total = 0;
  for (const c of state.contacts.values()) {
    if (kind && c.kind !== kind) continue;
    if (f && !`${c.id} ${c.name || ''} ${c.mmsi || ''} ${c.callsign || ''}`.toLowerCase().includes(f)) continue;
    total++;
    if (rows.length < TABLE_CAP || c.id === state.selected) rows.push(c);
  }
  rows.sort((a, b) => (b.id === state.selected) - (a.id === state.selected) || a.id - b.id);
  const html = rows.slice(0, TABLE_CAP).map((c) => {
    const age = state.now != null && c.t != null ? Math.round(state.now - c.t) : '';
    return `<tr data-id="${c.id}" class="${c.id === state.selected ? 'sel' : ''}${age > state.staleS ? ' stale' : ''}">
      <td>${c.id}</td><td>${esc(label(c))}</td><td class="kind-${esc(c.kind)}">${esc((c.kind || '').replace('_', ' '))}</td>
      <td>${kn(c.sog_mps)}</td><td>${deg(c.cog_deg)}</td><td>${age}s</td></tr>`;
  }).join('');
  if (html !== lastTableHtml) { $('#contact-table tbody').innerHTML = html; lastTableHtml = html; }
  $('#table-note').textContent = total > TABLE_CAP ? `showing ${TABLE_CAP} of ${total} — filter to narrow` : `${total} contacts`;
}

// ---- dossier ----------------------------------------------------------------------------------------
async function renderDossier() {
  const id = state.selected, box = $('#dossier');
  if (id == null) { box.innerHTML = '<p class="note">Select a contact.</p>'; showHistory([]); return; }
  let d;
  try {
    d = state.mode === 'live' ? await api(`/api/contacts/${id}`) : null;
  } catch (err) { box.innerHTML = `<p class="error">${esc(err.message)}</p>`; return; }
  if (id !== state.selected) return;
  const c = state.contacts.get(id) || {};
  const idn = d ? d.identity : c, k = d ? d.kinematics : c;
  const flag = idn.flag ? `${esc(idn.flag.code)} ${esc(idn.flag.country)} (MID ${esc(idn.flag.mid)})` : '—';
  const risk = d ? d.risk : 0;
  const title = idn.name || idn.mmsi ? esc(label({ ...idn, id })) : (k.kind === 'radar_only' ? 'Dark contact' : 'Contact');
  box.innerHTML = `<h3>${title} <span class="dim">#${id}</span></h3>
    <dl>
      <dt>Kind</dt><dd class="kind-${esc(k.kind)}">${esc((k.kind || '').replace('_', ' '))} · ${esc(k.status)}${k.stale ? ' · stale' : ''}</dd>
      <dt>MMSI</dt><dd>${esc(idn.mmsi ?? '—')}</dd><dt>IMO</dt><dd>${esc(idn.imo ?? '—')}</dd>
      <dt>Call sign</dt><dd>${esc(idn.callsign ?? '—')}</dd><dt>Flag</dt><dd>${flag}</dd>
      <dt>Type</dt><dd>${esc(idn.ship_type ?? '—')}</dd><dt>Length</dt><dd>${idn.length_m != null ? Math.round(idn.length_m) + ' m' : '—'}</dd>
      <dt>Position</dt><dd>${latlon(k.lat, k.lon)}</dd>
      <dt>SOG / COG</dt><dd>${kn(k.sog_mps)} kn / ${deg(k.cog_deg)}</dd><dt>Heading</dt><dd>${deg(k.heading_deg)}</dd>
      <dt>Last update</dt><dd>${utc(k.t, true)}</dd>
      <dt>Sensors</dt><dd>${esc((k.sensors || []).join(', ') || '—')}</dd>
      <dt>Risk</dt><dd><div class="risk" title="${risk}"><i style="width:${Math.round(risk * 100)}%"></i></div>${risk.toFixed(2)}</dd>
      <dt>History</dt><dd>${d ? d.history.length + ' points (last hour)' : '—'}</dd>
    </dl>
    <h4>Alerts</h4><ol id="dossier-alerts">${(d ? d.alerts : []).map((a) =>
      `<li><span class="sev ${esc(a.severity)}">${esc(a.severity)}</span> ${esc(a.type)} — ${esc(a.summary)}</li>`).join('') || '<li class="note">none</li>'}</ol>`;
  showHistory(d ? d.history : []);
}

// ---- audit ------------------------------------------------------------------------------------------
export async function loadAudit() {
  const { entries } = await api('/api/audit', { params: { limit: 200 } });
  $('#audit-list').innerHTML = entries.map((e) => `<li>${utc(e.at, true)} <b>${esc(e.user)}</b> ${esc(e.action)} ${esc(e.target)}
    <span class="dim">${esc(JSON.stringify(e.details))}</span></li>`).join('');
}

export function initPanels() {
  document.querySelectorAll('.tabs button').forEach((b) => { b.onclick = () => showTab(b.dataset.tab); });
  $('#alert-list').addEventListener('click', (e) => {
    const li = e.target.closest('.alert');
    if (!li) return;
    const act = e.target.dataset?.act;
    if (!act) { selectAlert(li.dataset.id); return; }
    e.stopPropagation();
    if (act === 'assign' || act === 'comment') inlineInput(li, act);
    else alertAction(li.dataset.id, act).catch(report);
  });
  $('#contact-table tbody').addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (tr) select(Number(tr.dataset.id));
  });
  $('#table-filter').oninput = renderTable;
  $('#table-kind').onchange = renderTable;
  let lastSel = null, lastTable = 0, lastDossier = 0;
  onChange((what) => {
    if (what !== 'select') renderAlerts();
    const now = performance.now();
    const tableShown = $('#tab-contacts').classList.contains('active');
    if (what === 'select' || (tableShown && now - lastTable > 1900)) { renderTable(); lastTable = now; }
    if (state.selected !== lastSel || what === 'select') {
      lastSel = state.selected; lastDossier = now;
      if (state.selected != null) showTab('dossier');
      renderDossier();
    } else if (state.selected != null && $('#tab-dossier').classList.contains('active') && now - lastDossier > 5000) {
      lastDossier = now; renderDossier();  // keep the kinematics current
    }
  });
  $('#tab-audit').hidden = !['supervisor', 'admin'].includes(state.role);
}
