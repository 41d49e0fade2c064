// SPDX-License-Identifier: AGPL-3.0-or-later
// Telephony → Caller ID groups: numbers shown to clients, each tied to the
// trunk (carrier) it is registered with; a task dialing over a trunk uses
// the group's numbers for that trunk.
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h, clear, icon, append } from './dom.js';
import { t } from './i18n.js';

function numberRows(initial, onChange) {
  let trunks = [];
  const rows = [];
  const box = h('div.rows');
  const addBtn = h('button.btn.btn-small', { type: 'button', dataset: { testid: 'new-number' },
    on: { click: () => { addRow({}); onChange(); } } }, icon('plus'), t('New phone number'));
  function trunkSelect(value) {
    const s = h('select', { name: 'trunk_id' }, h('option', { value: '' }, t('Select a trunk')),
      trunks.map((x) => h('option', { value: String(x.id) }, x.name)));
    s.value = value ? String(value) : '';
    s.dataset.want = value ? String(value) : '';
    return s;
  }
  function addRow(r) {
    const num = h('input', { type: 'text', name: 'number', placeholder: '+74951234567', class: 'mono' });
    num.value = r.number || '';
    const sel = trunkSelect(r.trunk_id);
    const row = { num, sel, el: null };
    row.el = h('div.row-line',
      h('div.subfield.grow', num), h('div.subfield.grow', sel),
      h('button.icon-btn.danger', { type: 'button', title: t('Delete'), on: { click: () => {
        rows.splice(rows.indexOf(row), 1); draw(); onChange(); } } }, icon('trash')));
    rows.push(row);
    draw();
  }
  function draw() {
    clear(box);
    rows.forEach((r, i) => {
      r.el.dataset.path = `numbers[${i}]`;
      r.el.children[0].dataset.path = `numbers[${i}].number`;
      r.el.children[1].dataset.path = `numbers[${i}].trunk_id`;
      box.append(r.el);
    });
    if (!rows.length) box.append(h('div.muted', t('No phone numbers yet')));
  }
  api.all('/api/v1/trunks').then((l) => {
    trunks = l;
    for (const r of rows) {
      const want = r.sel.value || r.sel.dataset.want;
      append(clear(r.sel), [h('option', { value: '' }, t('Select a trunk')), l.map((x) => h('option', { value: String(x.id) }, x.name))]);
      r.sel.value = want;
    }
  }).catch(() => {});
  for (const r of Array.isArray(initial) ? initial : []) addRow(r);
  draw();
  return { el: h('div', box, addBtn),
    get: () => rows.map((r) => ({ number: r.num.value.trim(), trunk_id: r.sel.value ? Number(r.sel.value) : null })) };
}

export function render() {
  let trunks = {};
  api.all('/api/v1/trunks').then((l) => { trunks = Object.fromEntries(l.map((x) => [x.id, x.name])); }).catch(() => {});
  return crudPage({
    title: 'Caller ID groups', base: '/api/v1/callerid-groups', newLabel: 'New caller ID', newTitle: 'New caller ID',
    editTitle: 'Change caller ID', testid: 'callerid-groups',
    columns: [
      { label: 'Name', render: (x) => h('strong', x.name) },
      { label: 'Phone numbers', render: (x) => h('div.chips', (x.numbers || []).map((n) =>
        h('span.chip', h('span.mono', n.number), ' · ', trunks[n.trunk_id] || '#' + n.trunk_id))) },
    ],
    defaults: { numbers: [{}] },
    fields: () => [
      { path: 'name', label: 'Name', required: true },
      { path: 'numbers', label: 'Phone numbers', type: 'custom', render: numberRows },
    ],
  });
}
