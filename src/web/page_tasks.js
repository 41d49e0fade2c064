// SPDX-License-Identifier: AGPL-3.0-or-later
// Calls → Call tasks: search by name or id, by call period, status filter
// buttons, add/edit with every task setting, clients file upload, delete.
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h, badge, icon, fmtDateTime, localToUtc, toast } from './dom.js';
import { ApiError } from './api.js';
import { openModal } from './modal.js';
import { t } from './i18n.js';
import { taskFields, taskToForm, formToTask, TASK_DEFAULTS, uploadClients, importResult } from './task_form.js';

const STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'];

/** Period (from/to) + status filter buttons, feeding the list query. */
function taskFilters(onChange) {
  let status = '';
  const from = h('input', { type: 'datetime-local', 'aria-label': t('From'), dataset: { testid: 'period-from' }, on: { change: onChange } });
  const to = h('input', { type: 'datetime-local', 'aria-label': t('To'), dataset: { testid: 'period-to' }, on: { change: onChange } });
  const clearBtn = h('button.btn.btn-ghost.btn-small', { type: 'button', dataset: { testid: 'period-clear' },
    on: { click: () => { from.value = ''; to.value = ''; onChange(); } } }, t('Clear'));
  const seg = h('div.seg.status-filter', { dataset: { testid: 'status-filter' } });
  for (const s of ['', ...STATUSES]) {
    const b = h('button', { type: 'button', class: s === status ? 'active' : null, dataset: { status: s || 'all' },
      on: { click: () => {
        status = s;
        for (const x of seg.children) x.classList.toggle('active', x === b);
        onChange();
      } } }, s ? t('status.' + s) : t('All'));
    seg.append(b);
  }
  return {
    el: h('div.filters', h('div.period', h('span.period-label', t('Call period')), from, h('span', '—'), to, clearBtn), seg),
    query: () => ({ from: localToUtc(from.value), to: localToUtc(to.value), status }),
  };
}

/** The clients upload dialog (from the list and the task page). */
export function uploadDialog(task, onDone) {
  const input = h('input', { type: 'file', accept: '.csv,text/csv,text/plain', dataset: { testid: 'upload-file' } });
  const out = h('div');
  const go = h('button.btn.btn-primary', { type: 'button', dataset: { testid: 'upload-go' } }, icon('upload'), t('Upload'));
  const field = h('div.field.field-wide', { dataset: { path: 'file' } }, h('label', t('Call candidates file')), input,
    h('div.hint', t('CSV with a header row: phone (required), client_id, timezone, then one column per script variable')),
    task.script_id ? h('a.link', { href: `/api/v1/scripts/${task.script_id}/clients-template.csv`, download: 'clients-template.csv' },
      icon('download'), t('Download template')) : null);
  const m = openModal({ title: `${t('Call candidates file')}: ${task.name}`, body: [field, out], footer: [go], testid: 'upload-dialog' });
  go.addEventListener('click', async () => {
    for (const x of field.querySelectorAll('.field-error')) x.remove();
    field.classList.remove('has-error');
    if (!input.files[0]) return;
    go.disabled = true;
    go.classList.add('busy');
    try {
      const r = await uploadClients(task.id, input.files[0]);
      out.replaceChildren(importResult(r));
      if (onDone) onDone(r);
    } catch (e) {
      field.classList.add('has-error');
      field.append(h('div.field-error', e.message));
    } finally {
      go.disabled = false;
      go.classList.remove('busy');
    }
  });
  return m;
}

export function render() {
  const page = crudPage({
    title: 'Call tasks', base: '/api/v1/tasks', newLabel: 'Add new call task', editTitle: 'Edit call task',
    testid: 'tasks', wide: true, searchPlaceholder: 'Search by task name or Id',
    filters: taskFilters,
    columns: [
      { label: 'Id', render: (x) => String(x.id), cls: 'num' },
      { label: 'Task name', render: (x) => h('a.row-link', { href: `#/tasks/${x.id}` }, x.name) },
      { label: 'Status', render: (x) => badge(x.status) },
      { label: 'Start', render: (x) => (x.start && x.start.mode === 'scheduled' ? fmtDateTime(x.start.at) : t('Manually')) },
      { label: 'Number of simultaneous calls', render: (x) => String(x.cps), cls: 'num' },
      { label: 'Created', render: (x) => fmtDateTime(x.created_at) },
    ],
    rowActions: (x, reload) => [
      h('a.icon-btn', { href: `#/tasks/${x.id}`, title: t('Details'), 'aria-label': t('Details'), dataset: { testid: 'view' } }, icon('eye')),
      h('button.icon-btn', { type: 'button', title: t('Call candidates file'), 'aria-label': t('Call candidates file'),
        dataset: { testid: 'upload' }, on: { click: () => uploadDialog(x, reload) } }, icon('upload')),
    ],
    defaults: structuredClone(TASK_DEFAULTS),
    fromItem: taskToForm,
    fields: () => taskFields(),
    toBody: formToTask,
    afterSave: async (task, isNew, values) => {
      const file = values.clients_file;
      if (!file) return;
      let r;
      try {
        r = await uploadClients(task.id, file);
      } catch (e) {
        // the task is saved; the file is refused: say so at the file field
        throw new ApiError(e.status, e.code, e.message, 'clients_file');
      }
      openModal({ title: t('Call candidates file'), body: importResult(r), testid: 'import-dialog' });
    },
  });
  return page;
}
