// SPDX-License-Identifier: AGPL-3.0-or-later
// Declarative forms. A form is a list of field specs, each bound to a JSON
// path of the resource ("caller_id.group_id"); the form reads the initial
// values from an object, shows a field only while its showIf(values) holds,
// collects the visible fields back into a nested object, and puts an API
// error next to the field whose path it names (or the nearest enclosing
// one). Nothing typed is ever cleared by an error.
import { h, clear } from './dom.js';
import { t } from './i18n.js';

export function getPath(obj, path) {
  let cur = obj;
  for (const part of splitPath(path)) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function setPath(obj, path, value) {
  const parts = splitPath(path);
  let cur = obj;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) { cur[p] = value; return; }
    if (cur[p] === undefined || cur[p] === null || typeof cur[p] !== 'object') {
      cur[p] = typeof parts[i + 1] === 'number' ? [] : {};
    }
    cur = cur[p];
  });
  return obj;
}

/** "numbers[1].number" → ['numbers', 1, 'number'] */
export function splitPath(path) {
  const out = [];
  for (const seg of String(path).split('.')) {
    const m = seg.match(/^([^[]*)((?:\[\d+\])*)$/);
    if (!m) { out.push(seg); continue; }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].match(/\d+/g) || []) out.push(Number(idx));
  }
  return out;
}

/** Candidate paths for an error field, most specific first. */
export function pathCandidates(field) {
  const out = [];
  let f = String(field);
  while (f) {
    out.push(f);
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    f = cut > 0 ? f.slice(0, cut) : '';
  }
  return out;
}

let uid = 0;

/**
 * buildForm(fields, initial) → {el, values(), setError(field, msg) →
 * bool, clearErrors(), showError(msg), refresh()}.
 * Field spec: {path, label, type, options, required, showIf, min, max,
 * step, placeholder, hint, wide, parse, render, slider: [min, max], newRow} or {section: 'Title'}.
 * type: text|password|number|select|checkbox|textarea|datetime|time|days|custom.
 * parse: 'int' | 'float' | 'id' (number, null when empty) | 'nullstr'.
 * custom: render(initialValue, onChange) → {el, get()}.
 */
export function buildForm(fields, initial = {}) {
  const form = h('form.form', { novalidate: true, autocomplete: 'off' });
  const topError = h('div.form-error', { role: 'alert', hidden: true });
  form.append(topError);
  const grid = h('div.form-grid');
  form.append(grid);
  const entries = [];

  const onChange = () => refresh();

  for (const f of fields) {
    if (f.section) {
      const sec = h('div.form-section', t(f.section));
      grid.append(sec);
      entries.push({ spec: f, wrap: sec, get: () => undefined, section: true });
      continue;
    }
    const id = 'f' + (++uid);
    const init = getPath(initial, f.path);
    const wide = f.wide ?? (f.type === 'textarea' || f.type === 'custom');
    // newRow: the field starts a row, so a choice and the fields that
    // depend on it read left to right on one line
    const wrap = h('div', { class: ['field', wide ? 'field-wide' : null,
      f.type === 'checkbox' ? 'field-check' : null, f.newRow ? 'field-row-start' : null], dataset: { path: f.path } });
    let input, get;
    const label = f.label ? h('label', { for: id }, t(f.label), f.required ? h('span.req', ' *') : null) : null;
    switch (f.type) {
      case 'select': {
        input = h('select', { id, name: f.path, on: { change: onChange } });
        const fill = (opts) => {
          const keep = input.options.length ? input.value : (init === undefined || init === null ? '' : String(init));
          clear(input);
          if (f.placeholder !== undefined) input.append(h('option', { value: '' }, t(f.placeholder)));
          for (const [v, l] of opts) input.append(h('option', { value: String(v) }, t(l)));
          input.value = keep;
          if (input.selectedIndex < 0 && input.options.length) input.selectedIndex = 0;
          refresh();
        };
        if (typeof f.options === 'function') {
          fill([]);
          Promise.resolve(f.options()).then(fill).catch(() => fill([]));
        } else {
          fill(f.options || []);
        }
        get = () => convert(input.value, f.parse);
        break;
      }
      case 'checkbox':
        input = h('input', { id, type: 'checkbox', name: f.path, checked: !!init, on: { change: onChange } });
        get = () => input.checked;
        break;
      case 'textarea':
        input = h('textarea', { id, name: f.path, rows: f.rows || 6, placeholder: f.placeholder || null,
          spellcheck: 'false', on: { input: onChange } });
        input.value = init === undefined || init === null ? '' : String(init);
        get = () => input.value;
        break;
      case 'datetime':
        input = h('input', { id, type: 'datetime-local', name: f.path, on: { change: onChange } });
        input.value = f.fromValue ? f.fromValue(init) : (init || '');
        get = () => (f.toValue ? f.toValue(input.value) : input.value);
        break;
      case 'days': {
        const set = new Set(Array.isArray(init) ? init : [1, 2, 3, 4, 5, 6, 7]);
        input = h('div.days', { id });
        const boxes = [];
        ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].forEach((d, i) => {
          const cb = h('input', { type: 'checkbox', checked: set.has(i + 1), value: String(i + 1), on: { change: onChange } });
          boxes.push(cb);
          input.append(h('label.day', cb, h('span', t(d))));
        });
        get = () => boxes.filter((b) => b.checked).map((b) => Number(b.value));
        break;
      }
      case 'custom': {
        const w = f.render(init, onChange);
        input = w.el;
        get = w.get;
        break;
      }
      default: {
        const type = f.type === 'number' ? 'number' : f.type === 'password' ? 'password'
          : f.type === 'time' ? 'time' : 'text';
        input = h('input', { id, type, name: f.path, placeholder: f.placeholder || null,
          min: f.min ?? null, max: f.max ?? null, step: f.step ?? null, on: { input: onChange } });
        input.value = init === undefined || init === null ? (f.default ?? '') : String(init);
        get = () => convert(input.value, f.parse || (f.type === 'number' ? 'float' : null));
      }
    }
    if (f.type === 'checkbox') {
      wrap.append(h('label.check', { for: id }, input, h('span', t(f.label))));
    } else if (f.slider) {
      // the guide's slider (e.g. calls per second 1..5) beside the number,
      // which still takes any value the API allows
      const range = h('input', { type: 'range', min: f.slider[0], max: f.slider[1], step: 1, tabindex: '-1',
        'aria-hidden': 'true', value: input.value || f.slider[0] });
      range.addEventListener('input', () => { input.value = range.value; onChange(); });
      input.addEventListener('input', () => { range.value = input.value; });
      if (label) wrap.append(label);
      wrap.append(h('div.slider-row', input, range,
        h('div.slider-ticks', Array.from({ length: f.slider[1] - f.slider[0] + 1 }, (_, i) => h('span', String(f.slider[0] + i))))));
    } else {
      if (label) wrap.append(label);
      wrap.append(input);
    }
    if (f.after) wrap.append(f.after);
    if (f.hint) wrap.append(h('div.hint', t(f.hint)));
    grid.append(wrap);
    entries.push({ spec: f, wrap, input, get });
  }

  function rawValues() {
    const v = {};
    for (const e of entries) if (!e.section) setPath(v, e.spec.path, e.get());
    return v;
  }

  function refresh() {
    const v = rawValues();
    for (const e of entries) {
      e.visible = !e.spec.showIf || !!e.spec.showIf(v);
      e.wrap.hidden = !e.visible;
    }
  }

  function values() {
    refresh();
    const v = {};
    for (const e of entries) {
      if (e.section || !e.visible || e.spec.omit) continue;
      setPath(v, e.spec.path, e.get());
    }
    return v;
  }

  function clearErrors() {
    topError.hidden = true;
    topError.textContent = '';
    for (const el of form.querySelectorAll('.has-error')) el.classList.remove('has-error');
    for (const el of form.querySelectorAll('.field-error')) el.remove();
  }

  function showError(msg) {
    topError.textContent = msg;
    topError.hidden = false;
  }

  /** Puts msg at the field named by an API error path; false if none shows. */
  function setError(field, msg) {
    if (field) {
      for (const cand of pathCandidates(field)) {
        const el = [...form.querySelectorAll('[data-path]')].find((x) => x.dataset.path === cand && !x.closest('[hidden]'));
        if (!el) continue;
        el.classList.add('has-error');
        // a custom widget may show it further inside itself (the script
        // editor: at the block and the line the path names)
        const inner = el.querySelector('[data-error-hook]');
        if (inner && inner.vdShowError) inner.vdShowError(field, msg);
        else el.append(h('div.field-error', { role: 'alert' }, msg));
        const focusable = el.matches('input,select,textarea') ? el : el.querySelector('input,select,textarea');
        if (focusable) focusable.focus({ preventScroll: true });
        el.scrollIntoView({ block: 'nearest' });
        return true;
      }
    }
    showError(msg);
    return false;
  }

  refresh();
  return { el: form, values, setError, clearErrors, showError, refresh, rawValues };
}

function convert(v, parse) {
  switch (parse) {
    case 'int':
    case 'float': return v === '' ? null : (Number.isFinite(Number(v)) ? Number(v) : v);
    case 'id': return v === '' ? null : Number(v);
    case 'bool': return v === 'true';
    case 'nullstr': return v === '' ? null : v;
    default: return v;
  }
}

/** Options for a select from a list endpoint: [[id, name], ...]. */
export function optionsFrom(apiAll, path, label = (x) => x.name) {
  return async () => (await apiAll(path)).map((x) => [x.id, label(x)]);
}
