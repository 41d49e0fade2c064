// SPDX-License-Identifier: AGPL-3.0-or-later
// DOM helpers: h() builds elements (never from HTML strings, so no user
// text is ever parsed as markup, and no inline style or script exists for
// the Content-Security-Policy to refuse), plus formatting of API values.
import { t, lang } from './i18n.js';

/**
 * h('div.card#x', {attrs, on: {click}}, ...children). Children may be
 * strings, nodes, arrays, null/false (skipped). Attribute values true set
 * an empty attribute; false/null skip it. `class` may be an array.
 */
export function h(sel, attrs, ...children) {
  if (attrs && (attrs instanceof Node || typeof attrs !== 'object' || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  const m = sel.match(/^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m && m[1] ? m[1] : 'div');
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'class') {
      for (const c of [].concat(v)) if (c) el.classList.add(c);
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== null && dv !== undefined) el.dataset[dk] = dv;
    } else if (k === 'value' || k === 'checked' || k === 'selected') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of [].concat(children).flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An inline icon from a small fixed set (SVG paths, no external files). */
const ICONS = {
  plus: 'M12 5v14M5 12h14',
  edit: 'M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 9a3 3 0 100 6 3 3 0 000-6z',
  play: 'M7 4l13 8-13 8z',
  pause: 'M7 4h4v16H7zM13 4h4v16h-4z',
  stop: 'M5 5h14v14H5z',
  script: 'M5 4h14v16H5zM8 8h8M8 12h8M8 16h5',
  upload: 'M12 16V4M6 10l6-6 6 6M4 20h16',
  download: 'M12 4v12M6 10l6 6 6-6M4 20h16',
  search: 'M11 4a7 7 0 100 14 7 7 0 000-14zM16 16l5 5',
  info: 'M12 8h.01M11 12h1v5h1M12 3a9 9 0 100 18 9 9 0 000-18z',
  phone: 'M5 4h4l2 5-3 2a11 11 0 005 5l2-3 5 2v4a2 2 0 01-2 2A16 16 0 013 6a2 2 0 012-2',
  tasks: 'M4 6h16M4 12h16M4 18h10',
  template: 'M4 4h16v6H4zM4 14h7v6H4zM15 14h5v6h-5z',
  recall: 'M4 12a8 8 0 1 0 3-6.2M4 4v4h4',
  users: 'M9 11a4 4 0 100-8 4 4 0 000 8zM2 21c0-4 3-6 7-6s7 2 7 6M17 11a3 3 0 000-6M22 21c0-3-2-5-5-5.5',
  plan: 'M4 19V5M4 19h16M8 15l4-5 3 3 5-6',
  trunk: 'M4 7h16M4 12h16M4 17h16M8 4v16',
  route: 'M6 19a2 2 0 100-4 2 2 0 000 4zM18 9a2 2 0 100-4 2 2 0 000 4zM6 15V9a4 4 0 014-4h6M18 9v6a4 4 0 01-4 4H8',
  audio: 'M9 18V6l11-2v12M9 18a3 3 0 11-6 0 3 3 0 016 0zM20 16a3 3 0 11-6 0 3 3 0 016 0z',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  close: 'M6 6l12 12M18 6L6 18',
  x: 'M6 6l12 12M18 6L6 18',
};
export function icon(name, cls) {
  return svg('svg', { viewBox: '0 0 24 24', class: 'icon' + (cls ? ' ' + cls : ''), 'aria-hidden': 'true' },
    svg('path', { d: ICONS[name] || ICONS.info }));
}

// ---- formatting ----

export function fmtDateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (isNaN(d)) return s;
  return d.toLocaleString(lang() === 'ru' ? 'ru-RU' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}
export function fmtDate(s) {
  if (!s) return '—';
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB');
}
export function fmtTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleTimeString(lang() === 'ru' ? 'ru-RU' : 'en-GB');
}
export function fmtDuration(sec) {
  if (sec === null || sec === undefined) return '—';
  const m = Math.floor(sec / 60), s = sec % 60;
  return m + ':' + String(s).padStart(2, '0');
}
export function fmtMoney(v, cur) {
  if (v === null || v === undefined) return '—';
  return Number(v).toFixed(2) + (cur ? ' ' + cur : '');
}

/** datetime-local value (local time) → RFC 3339 UTC, '' when empty. */
export function localToUtc(v) {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
/** RFC 3339 → datetime-local value in local time. */
export function utcToLocal(s) {
  if (!s) return '';
  const d = new Date(s);
  if (isNaN(d)) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function badge(status) {
  return h('span', { class: ['badge', 'badge-' + String(status || 'none').replace(/[^a-z_]/g, '')] },
    t('status.' + (status || 'none')));
}

/** A short-lived notice at the bottom right. */
export function toast(msg, kind = 'ok') {
  let box = document.getElementById('toasts');
  if (!box) document.body.append(box = h('div#toasts'));
  const el = h('div', { class: ['toast', 'toast-' + kind], role: 'status' }, msg);
  while (box.children.length >= 2) box.firstChild.remove();
  box.append(el);
  setTimeout(() => el.remove(), kind === 'err' ? 6000 : 2500);
}

export function debounce(fn, ms = 250) {
  let timer;
  return (...a) => { clearTimeout(timer); timer = setTimeout(() => fn(...a), ms); };
}
