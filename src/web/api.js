// SPDX-License-Identifier: AGPL-3.0-or-later
// The HTTP client of the UI: same-origin fetch with the session cookie
// (HttpOnly, set by POST /api/v1/auth/login; no token is kept in script
// reach). Every failure becomes an ApiError {status, code, message, field}
// where field is the JSON path the server named ("caller_id.group_id").

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

let onUnauthorized = null;
/** Called (once per 401) so the app can show the login page. */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') p.set(k, v);
  }
  const s = p.toString();
  return s ? '?' + s : '';
}

/**
 * request(method, path, {body, raw, contentType, query}) → parsed JSON (or
 * text for non-JSON answers, null for 204). body is sent as JSON; raw (a
 * Blob/File/string) is sent as is with contentType.
 */
export async function request(method, path, opts = {}) {
  const headers = {};
  let body;
  if (opts.raw !== undefined) {
    body = opts.raw;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  let resp;
  try {
    resp = await fetch(path + qs(opts.query), {
      method, headers, body, credentials: 'same-origin', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'The server cannot be reached: ' + e.message, null);
  }
  if (resp.status === 204) return null;
  const ctype = resp.headers.get('Content-Type') || '';
  const data = ctype.includes('json') ? await resp.json().catch(() => null) : await resp.text();
  if (!resp.ok) {
    const e = data && data.error ? data.error : {};
    const err = new ApiError(resp.status, e.code || 'http_' + resp.status,
      e.message || resp.statusText || 'Request failed', e.field);
    if (resp.status === 401 && onUnauthorized && !opts.noAuthRedirect) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body) => request('POST', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
  upload: (path, file, contentType, query) =>
    request('POST', path, { raw: file, contentType, query }),
  /** Every item of a paged list (up to `max`), for select options. */
  async all(path, max = 500) {
    const out = [];
    for (let page = 1; out.length < max; page++) {
      const r = await request('GET', path, { query: { page, per_page: 100 } });
      out.push(...r.items);
      if (out.length >= r.total || r.items.length === 0) break;
    }
    return out;
  },
};
