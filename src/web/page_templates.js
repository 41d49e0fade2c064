// SPDX-License-Identifier: AGPL-3.0-or-later
// Calls → Call task templates: task settings without clients, triggered
// one client at a time by a CRM (POST /api/v1/templates/{id}/calls). The
// callback secret is shown once, in the answer to the create.
import { crudPage } from './crud.js';
import { h, fmtDateTime } from './dom.js';
import { openModal } from './modal.js';
import { t } from './i18n.js';
import { taskFields, taskToForm, formToTask, TASK_DEFAULTS } from './task_form.js';

export function render() {
  return crudPage({
    title: 'Call task templates', base: '/api/v1/templates', newLabel: 'Add new call task template',
    editTitle: 'Edit call task template', testid: 'templates', wide: true,
    columns: [
      { label: 'Id', render: (x) => String(x.id), cls: 'num' },
      { label: 'Template name', render: (x) => h('strong', x.name) },
      { label: 'CRM endpoint', render: (x) => h('code', `POST /api/v1/templates/${x.id}/calls`) },
      { label: 'Callback URL', render: (x) => x.callback_url || '—', cls: 'mono' },
      { label: 'Created', render: (x) => fmtDateTime(x.created_at) },
    ],
    defaults: (() => { const d = structuredClone(TASK_DEFAULTS); delete d.start; delete d.test_call; return d; })(),
    fromItem: taskToForm,
    fields: () => taskFields({ isTemplate: true }),
    toBody: (v) => { const b = formToTask(v); delete b.start; delete b.test_call; return b; },
    afterSave: async (tpl, isNew) => {
      if (!isNew || !tpl.callback_secret) return;
      openModal({ title: t('Callback secret'), testid: 'secret-dialog', body: [
        h('p', t('Results are POSTed to the callback URL signed with this key (X-Voxdial-Signature: sha256=HMAC). It is shown only once.')),
        h('pre.secret', tpl.callback_secret)] });
    },
  });
}
