// The map: offline basemap (Natural Earth from npm + the site's own sea/land), zones, contacts by kind,
// heading vectors, short trails, stale fading, the selection, and labels that declutter by zoom.
import { state, label, onChange, changed } from './state.js';
import { ahead } from './units.js';
import { ContactLayer } from './contact-layer.js';

export const COLORS = { fused: '#4fc3f7', ais_only: '#9ccc65', radar_only: '#ff2bd6', unknown: '#cccccc' };
const SEA = '#0e2233', LAND = '#262b2f', VECTOR_S = 360; // heading vectors show 6 minutes ahead
const DETAIL_ZOOM = 9;
const empty = () => ({ type: 'FeatureCollection', features: [] });
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const RGB = Object.fromEntries(Object.entries(COLORS).map(([k, v]) => [k, rgb(v)]));
const HIT_PX = 9;
export let map = null;
let layer = null;

function circle(lon, lat, r) {
  const pts = [];
  for (let i = 0; i <= 48; i++) pts.push(ahead(lon, lat, (i * 360) / 48, r));
  return pts;
}

function zoneFeatures(zones) {
  const out = [];
  for (const f of zones.features) {
    const p = f.properties;
    if (p.kind === 'platform' && f.geometry.type === 'Point') {
      const [lon, lat] = f.geometry.coordinates;
      out.push({ type: 'Feature', properties: { ...p, kind: 'platform_zone' },
        geometry: { type: 'Polygon', coordinates: [circle(lon, lat, p.radius_m || 500)] } });
    }
    out.push(f);
  }
  return { type: 'FeatureCollection', features: out };
}

export async function createMap(site, basemap, zones, view) {
  const topo = await fetch('/vendor/countries-110m.json').then((r) => r.json());
  const world = topojson.feature(topo, topo.objects.land);
  const borders = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
  map = new maplibregl.Map({
    container: 'map', attributionControl: { compact: true, customAttribution: 'Natural Earth; OSM-derived Caspian coast (ODbL)' },
    center: view.center || [site.lon ?? 50, site.lat ?? 40], zoom: view.zoom ?? 7, maxZoom: 16, minZoom: 3,
    dragRotate: false, pitchWithRotate: false, touchPitch: false, maxPitch: 0, fadeDuration: 0, preserveDrawingBuffer: true,
    style: {
      version: 8,
      sources: {
        world: { type: 'geojson', data: world }, borders: { type: 'geojson', data: borders },
        site: { type: 'geojson', data: basemap }, zones: { type: 'geojson', data: zoneFeatures(zones) },
        history: { type: 'geojson', data: empty() },
        measure: { type: 'geojson', data: empty() },
      },
      layers: [
        { id: 'sea', type: 'background', paint: { 'background-color': SEA } },
        { id: 'world-land', type: 'fill', source: 'world', paint: { 'fill-color': LAND } },
        { id: 'site-land', type: 'fill', source: 'site', filter: ['==', ['get', 'kind'], 'land'], paint: { 'fill-color': LAND } },
        { id: 'site-sea', type: 'fill', source: 'site', filter: ['==', ['get', 'kind'], 'sea'], paint: { 'fill-color': SEA } },
        { id: 'coast', type: 'line', source: 'site', filter: ['==', ['get', 'kind'], 'sea'], paint: { 'line-color': '#4a5a66', 'line-width': 0.8 } },
        { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#6b6f73', 'line-width': 1, 'line-dasharray': [3, 2] } },
        { id: 'zone-fill', type: 'fill', source: 'zones', filter: ['in', ['get', 'kind'], ['literal', ['port', 'anchorage', 'restricted', 'platform_zone']]],
          paint: { 'fill-color': ['match', ['get', 'kind'], 'port', '#2f6f8f', 'anchorage', '#3d5a80', 'platform_zone', '#b45309', '#7f1d1d'], 'fill-opacity': 0.25 } },
        { id: 'zone-edge', type: 'line', source: 'zones', filter: ['in', ['get', 'kind'], ['literal', ['port', 'anchorage', 'restricted', 'platform_zone']]],
          paint: { 'line-color': ['match', ['get', 'kind'], 'platform_zone', '#f59e0b', '#5b8db8'], 'line-width': 1 } },
        { id: 'pipelines', type: 'line', source: 'zones', filter: ['==', ['get', 'kind'], 'pipeline'],
          paint: { 'line-color': '#d97706', 'line-width': 1.5, 'line-dasharray': [4, 2] } },
        { id: 'border-line', type: 'line', source: 'zones', filter: ['==', ['get', 'kind'], 'border'],
          paint: { 'line-color': '#ef4444', 'line-width': 2, 'line-dasharray': [6, 3] } },
        { id: 'platforms', type: 'circle', source: 'zones', filter: ['==', ['get', 'kind'], 'platform'],
          paint: { 'circle-radius': 3, 'circle-color': '#f59e0b' } },
        { id: 'history', type: 'line', source: 'history', paint: { 'line-color': '#ffffff', 'line-width': 1.5, 'line-opacity': 0.6 } },
        { id: 'measure', type: 'line', source: 'measure', paint: { 'line-color': '#ffd60a', 'line-width': 2, 'line-dasharray': [2, 1] } },
      ],
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'nautical' }), 'bottom-right');
  await new Promise((ok) => map.once('load', ok));
  // contacts, vectors and trails: a WebGL canvas of their own over the map (contact-layer.js), labels above it
  // both canvases go into the map's canvas container: above the map, below its controls
  for (const id of ['contact-canvas', 'labels']) map.getCanvasContainer().appendChild(document.getElementById(id));
  layer = new ContactLayer(map, document.getElementById('contact-canvas'), [site.lon ?? 50, site.lat ?? 40]);
  layer.onDraw = drawLabels;
  map.on('click', (e) => {
    if (measuring()) return;
    const c = contactAt(e.point);
    if (c) select(c.id, false);
  });
  let hoverAt = 0;
  map.on('mousemove', (e) => {
    const now = performance.now();
    if (now - hoverAt < 80 || measuring()) return;
    hoverAt = now;
    map.getCanvas().style.cursor = contactAt(e.point) ? 'pointer' : '';
  });
  map.on('moveend', render);
  window.addEventListener('resize', sizeLabels);
  sizeLabels();
  onChange(render);
  render();
  // for tests and the console benchmark: the map, the state, the contact layer (points drawn, clicks)
  window.__seawatch = { map, state, layer, contactAt: (x, y) => contactAt({ x, y })?.id ?? null,
    screenOf: (id) => { const c = state.contacts.get(id); const p = c && map.project([c.lon, c.lat]); return p && [p.x, p.y]; } };
  return map;
}

/** The contact drawn nearest to a screen point, within HIT_PX (the selection and alerted ones first). */
function contactAt(pt) {
  const a = map.unproject([pt.x - HIT_PX, pt.y + HIT_PX]), b = map.unproject([pt.x + HIT_PX, pt.y - HIT_PX]);
  let best = null, bestD = HIT_PX * HIT_PX + 1;
  for (const c of state.contacts.values()) {
    if (c.lat == null || c.lon < a.lng || c.lon > b.lng || c.lat < a.lat || c.lat > b.lat) continue;
    const p = map.project([c.lon, c.lat]), d = (p.x - pt.x) ** 2 + (p.y - pt.y) ** 2;
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

let measuring = () => false;
export const setMeasuring = (fn) => { measuring = fn; };

export function select(id, fly = true) {
  state.selected = id;
  const c = state.contacts.get(id);
  if (fly && c && c.lat != null) map.easeTo({ center: [c.lon, c.lat], zoom: Math.max(map.getZoom(), 9) });
  changed('select');
}

function opacity(c) {
  const age = state.now != null && c.t != null ? state.now - c.t : 0;
  if (age <= state.staleS) return 1;
  return Math.max(0.25, 1 - (age - state.staleS) / (state.staleS * 4));
}

export function render() {
  if (!map || !layer) return;
  const t0 = performance.now();
  const alerted = new Set();
  for (const a of state.alerts.values()) if (a.workflow?.state !== 'closed') (a.track_ids || []).forEach((id) => alerted.add(id));
  // vectors and trails for everyone in view from zoom DETAIL_ZOOM; below it, only the selection and alerted
  const detail = map.getZoom() >= DETAIL_ZOOM, b = map.getBounds();
  layer.begin(state.contacts.size);
  const front = [];
  for (const c of state.contacts.values()) {
    if (c.lat == null || c.lon == null) continue;
    const op = opacity(c), sel = c.id === state.selected, alert = alerted.has(c.id), col = RGB[c.kind] || RGB.unknown;
    if (sel || alert) front.push([c, op, sel, alert, col]);  // drawn last: on top of the others
    else layer.point(c.lon, c.lat, col, op, c.kind === 'radar_only' ? 4.5 : 3.5, 0);
    if (!(sel || alert || (detail && b.contains([c.lon, c.lat])))) continue;
    const dir = c.heading_deg ?? c.cog_deg;
    if (c.sog_mps > 0.3 && dir != null) layer.polyline([[c.lon, c.lat], ahead(c.lon, c.lat, dir, c.sog_mps * VECTOR_S)], col, op);
    if (c.trail && c.trail.length > 1) layer.polyline(c.trail.map(([la, lo]) => [lo, la]), col, 0.5 * op);
  }
  front.sort((x, y) => x[2] - y[2]);  // the selection last: on top
  for (const [c, op, sel, , col] of front) layer.point(c.lon, c.lat, col, op, sel ? 7 : 5.5, sel ? 2 : 1);
  layer.end();
  const spent = (window.__seawatchRenderMs ||= []);
  spent.push(performance.now() - t0);
  if (spent.length > 1000) spent.shift();
}

export function showHistory(points) {
  const coords = points.filter((p) => p.lat != null).map((p) => [p.lon, p.lat]);
  map.getSource('history').setData(coords.length > 1
    ? { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } } : empty());
}

export function showMeasure(coords) {
  map.getSource('measure').setData(coords.length > 1
    ? { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } } : empty());
}

// ---- labels: a 2D canvas over the map, greedy placement, fewer labels when zoomed out -------------
const canvas = () => document.getElementById('labels');
function sizeLabels() {
  const cv = canvas(), r = map.getContainer().getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
  cv.width = r.width * dpr; cv.height = r.height * dpr; cv.style.width = r.width + 'px'; cv.style.height = r.height + 'px';
  painted = null;   // setting a canvas's size clears it
  if (layer) layer.draw();
}

// The labels are placed at every draw but painted only when the placement changed: a label came or went,
// changed text, colour or fading, or drifted a pixel or more from where it was painted. Zoomed out, vessels
// move far less than a pixel a second, and repainting 400 texts every second was the console's costliest
// frame in software rendering.
let painted = null;   // [[id, text, x, y, fill, alpha], ...] as last painted
const samePlacement = (a, b) => b != null && a.length === b.length && a.every((p, i) => {
  const q = b[i];
  return p[0] === q[0] && p[1] === q[1] && p[4] === q[4] && p[5] === q[5] && Math.abs(p[2] - q[2]) < 1 && Math.abs(p[3] - q[3]) < 1;
});

function drawLabels() {
  const cv = canvas(), ctx = cv.getContext('2d'), dpr = window.devicePixelRatio || 1;
  const z = map.getZoom(), b = map.getBounds(), w = cv.width / dpr, h = cv.height / dpr;
  const alerted = new Set();
  for (const a of state.alerts.values()) (a.track_ids || []).forEach((id) => alerted.add(id));
  // who may have a label: the selection and alerted contacts always, everyone from zoom 9, named from 8
  const cands = [];
  for (const c of state.contacts.values()) {
    if (c.lat == null || !b.contains([c.lon, c.lat])) continue;
    const prio = c.id === state.selected ? 0 : alerted.has(c.id) ? 1 : c.name ? 2 : 3;
    if (prio >= 2 && z < (prio === 2 ? 8 : 9)) continue;
    cands.push([prio, c]);
  }
  cands.sort((a, b2) => a[0] - b2[0]);
  const cell = 8, grid = new Set(), max = 400, placed = [];
  ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
  let tried = 0;
  for (const [, c] of cands) {
    if (placed.length >= max || ++tried > 3 * max) break;
    const p = map.project([c.lon, c.lat]), text = label(c), tw = ctx.measureText(text).width;
    const x0 = p.x + 7, y0 = p.y - 7, x1 = x0 + tw, y1 = y0 + 13;
    if (x1 < 0 || y0 > h || x0 > w || y1 < 0) continue;
    const keys = [];
    let free = true;
    for (let gx = Math.floor(x0 / cell); gx <= Math.floor(x1 / cell) && free; gx++) {
      for (let gy = Math.floor(y0 / cell); gy <= Math.floor(y1 / cell); gy++) {
        const k = gx * 100000 + gy; if (grid.has(k)) { free = false; break; } keys.push(k);
      }
    }
    if (!free) continue;
    keys.forEach((k) => grid.add(k));
    const fill = c.id === state.selected ? '#ffffff' : alerted.has(c.id) ? '#ffb4ae' : '#c9d4df';
    placed.push([c.id, text, x0, p.y, fill, Math.round(opacity(c) * 100) / 100]);
  }
  if (samePlacement(placed, painted)) return;
  painted = placed;
  window.__seawatchLabelPaints = (window.__seawatchLabelPaints || 0) + 1;   // read by the console benchmark
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  for (const [, text, x0, y, fill, a] of placed) {
    ctx.globalAlpha = a;
    ctx.fillStyle = '#0b1016'; ctx.fillText(text, x0 + 1, y + 1);
    ctx.fillStyle = fill; ctx.fillText(text, x0, y);
  }
  ctx.globalAlpha = 1;
}
