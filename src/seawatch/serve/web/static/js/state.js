// The console's copy of the picture: contacts (dynamic + static fields) and the alert queue, fed by the
// websocket's snapshot/delta frames (live) or by replay answers; listeners are told after each change.
const SEV = { critical: 0, high: 1, medium: 2, low: 3 };
export const TRAIL = 12;

export const state = {
  now: null, staleS: 60, contacts: new Map(), alerts: new Map(), selected: null, selectedAlert: null,
  mode: 'live', user: null, role: null, listeners: new Set(),
};

export const onChange = (fn) => state.listeners.add(fn);
export const changed = (what) => state.listeners.forEach((fn) => fn(what));

export function sortedAlerts() {
  const epoch = (a) => a.start_epoch ?? Date.parse(a.start) / 1000;
  return [...state.alerts.values()].sort((a, b) => (SEV[a.severity] ?? 9) - (SEV[b.severity] ?? 9) || epoch(b) - epoch(a));
}

let fields = [];
function applyDyn(rows) {
  for (const row of rows) {
    const id = row[0];
    let c = state.contacts.get(id);
    if (!c) { c = { id, trail: [] }; state.contacts.set(id, c); }
    for (let i = 1; i < fields.length; i++) c[fields[i]] = row[i];
    if (c.lat != null) {
      const last = c.trail[c.trail.length - 1];
      if (!last || last[0] !== c.lat || last[1] !== c.lon) c.trail.push([c.lat, c.lon]);
      if (c.trail.length > TRAIL) c.trail.shift();
    }
  }
}

function applyStatic(stat) {
  for (const [id, s] of Object.entries(stat || {})) {
    const c = state.contacts.get(Number(id));
    if (c) Object.assign(c, s);
  }
}

export function applyFrame(f) {
  if (f.type === 'snapshot') {
    state.contacts.clear(); state.alerts.clear();
    fields = f.fields; state.staleS = f.stale_s;
    applyDyn(f.dyn); applyStatic(f.static);
    for (const [id, tr] of Object.entries(f.trails || {})) {
      const c = state.contacts.get(Number(id)); if (c) c.trail = tr.slice(-TRAIL);
    }
  } else {
    applyDyn(f.dyn); applyStatic(f.static);
    (f.gone || []).forEach((id) => state.contacts.delete(id));
    (f.alerts_gone || []).forEach((id) => state.alerts.delete(id));
  }
  (f.alerts || []).forEach((a) => state.alerts.set(a.id, a));
  if (f.now != null) state.now = f.now;
}

/** Replace the picture by the store's state at time t (replay). */
export function applyReplay(r) {
  state.contacts.clear(); state.alerts.clear();
  for (const c of r.contacts) state.contacts.set(c.contact_id, { ...c, id: c.contact_id, trail: c.trail || [] });
  for (const a of r.alerts) state.alerts.set(a.id, { workflow: { state: 'replay' }, ...a });
  state.now = r.t;
}

export function label(c) { return c.name || (c.mmsi ? String(c.mmsi) : `#${c.id}`); }
export function openAlertsOf(id) { return [...state.alerts.values()].filter((a) => (a.track_ids || []).includes(id)); }
