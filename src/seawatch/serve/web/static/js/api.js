// Fetch wrapper: JSON in and out, the CSRF token on writes, the one error shape turned into an Error.
let csrf = null;
export const setCsrf = (token) => { csrf = token; };

export async function api(path, { method = 'GET', body, params } = {}) {
  const url = new URL(path, location.origin);
  if (params) Object.entries(params).forEach(([k, v]) => v != null && url.searchParams.set(k, v));
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin' });
  const data = await res.json().catch(() => ({ ok: false, error: res.statusText, status: res.status }));
  if (!res.ok) {
    const err = new Error(data.error || res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}
