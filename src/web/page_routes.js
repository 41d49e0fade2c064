// SPDX-License-Identifier: AGPL-3.0-or-later
// Telephony → Call routing: transfer directions (route name, type, number
// pattern checked as typed, trunks tried in order).
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h, clear, icon } from './dom.js';
import { t } from './i18n.js';
import { checkPattern } from './pattern.js';

/** An ordered multi-select of trunks: rows with up/down/remove, and an add select. */
function trunkList(initial, onChange) {
  let ids = Array.isArray(initial) ? [...initial] : [];
  let all = [];
  const list = h('ol.ordered');
  const add = h('select', { dataset: { testid: 'add-trunk' }, on: { change: () => {
    if (add.value) { ids.push(Number(add.value)); draw(); onChange(); }
  } } });
  function draw() {
    clear(list);
    ids.forEach((id, i) => {
      const name = (all.find((x) => x.id === id) || {}).name || '#' + id;
      list.append(h('li', { dataset: { path: `trunk_ids[${i}]` } }, h('span.ordered-name', name),
        h('button.icon-btn', { type: 'button', title: t('Up'), disabled: i === 0 || null,
          on: { click: () => { [ids[i - 1], ids[i]] = [ids[i], ids[i - 1]]; draw(); } } }, '↑'),
        h('button.icon-btn.danger', { type: 'button', title: t('Remove'),
          on: { click: () => { ids.splice(i, 1); draw(); onChange(); } } }, icon('x'))));
    });
    clear(add).append(h('option', { value: '' }, t('Add trunk…')));
    for (const tr of all) if (!ids.includes(tr.id)) add.append(h('option', { value: String(tr.id) }, tr.name));
    add.value = '';
  }
  api.all('/api/v1/trunks').then((l) => { all = l; draw(); }).catch(() => draw());
  draw();
  return { el: h('div.trunk-list', list, add), get: () => [...ids] };
}

/** The pattern input with a live check under it. */
function patternInput(initial, onChange) {
  const input = h('input', { type: 'text', name: 'pattern', id: 'route-pattern', placeholder: '_8XXXXXXXXXX', class: 'mono' });
  input.value = initial || '';
  const msg = h('div.inline-check', { dataset: { testid: 'pattern-check' } });
  const check = () => {
    const e = input.value ? checkPattern(input.value) : null;
    msg.className = 'inline-check' + (e ? ' bad' : input.value ? ' good' : '');
    msg.textContent = e ? `${t('Invalid pattern at position')} ${e.pos}: ${t(e.message)}`
      : input.value ? t('Pattern is valid') : '';
    onChange();
  };
  input.addEventListener('input', check);
  check();
  return { el: h('div', input, msg), get: () => input.value };
}

export function render() {
  let trunks = {};
  api.all('/api/v1/trunks').then((l) => { trunks = Object.fromEntries(l.map((x) => [x.id, x.name])); }).catch(() => {});
  return crudPage({
    title: 'Call routing', base: '/api/v1/routes', newLabel: 'New route direction', editTitle: 'Edit route', testid: 'routes',
    columns: [
      { label: 'Route name', render: (x) => h('strong', x.name) },
      { label: 'Route type', render: (x) => t(x.type === 'peering' ? 'Peering' : 'Standard') },
      { label: 'Number pattern', render: (x) => x.pattern, cls: 'mono' },
      { label: 'Trunks', render: (x) => (x.trunk_ids || []).map((id) => trunks[id] || '#' + id).join(' → ') },
    ],
    defaults: { type: 'standard', trunk_ids: [] },
    fields: () => [
      { path: 'name', label: 'Route name', required: true },
      { path: 'type', label: 'Route type', type: 'select', options: [['standard', 'Standard'], ['peering', 'Peering']],
        hint: 'Peering: PBX interconnection, internal numbers, not billed' },
      { path: 'pattern', label: 'Number pattern', type: 'custom', required: true, render: patternInput,
        hint: 'A number or an Asterisk pattern: _X any digit, _Z 1-9, _N 2-9, [1-5], . one or more, ! zero or more' },
      { path: 'trunk_ids', label: 'Trunks', type: 'custom', render: trunkList, hint: 'Tried in this order' },
    ],
  });
}
