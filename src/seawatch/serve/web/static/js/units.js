// Display units in one place: speed kn, distance NM, bearings °T, times UTC with Z.
export const MPS_TO_KN = 3600 / 1852;
const R_M = 6371008.8;
const rad = (d) => (d * Math.PI) / 180;

export const kn = (mps) => (mps == null ? '—' : (mps * MPS_TO_KN).toFixed(1));
export const deg = (d) => (d == null ? '—' : String(Math.round(d) % 360).padStart(3, '0') + '°T');
export const nm = (m) => (m / 1852).toFixed(m < 18520 ? 2 : 1) + ' NM';

export function utc(epochS, withDate = false) {
  if (epochS == null) return '—';
  const iso = new Date(epochS * 1000).toISOString();
  return (withDate ? iso.slice(0, 10) + ' ' : '') + iso.slice(11, 19) + 'Z';
}

export function latlon(lat, lon) {
  if (lat == null || lon == null) return '—';
  const f = (v, p, n) => `${Math.abs(v).toFixed(4)}°${v >= 0 ? p : n}`;
  return `${f(lat, 'N', 'S')} ${f(lon, 'E', 'W')}`;
}

/** Great-circle distance (m) and initial bearing (°T) from a to b, each [lon, lat]. */
export function distBearing(a, b) {
  const [l1, p1, l2, p2] = [rad(a[0]), rad(a[1]), rad(b[0]), rad(b[1])];
  const h = Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin((l2 - l1) / 2) ** 2;
  const dist = 2 * R_M * Math.asin(Math.min(1, Math.sqrt(h)));
  const y = Math.sin(l2 - l1) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(l2 - l1);
  return { dist, bearing: ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360 };
}

/** The point `dist` metres from [lon, lat] along bearing (°T), flat-earth (short vectors only). */
export function ahead(lon, lat, bearingDeg, dist) {
  const b = rad(bearingDeg);
  return [lon + (dist * Math.sin(b)) / (111320 * Math.cos(rad(lat))), lat + (dist * Math.cos(b)) / 111320];
}
