// SPDX-License-Identifier: AGPL-3.0-or-later
// Telephony → Recall rules: rule sets, with a live preview of the schedule
// they produce for a chosen sequence of outcomes.
import { crudPage } from './crud.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { CONDITIONS, rulesEditor, previewPanel } from './recall_widget.js';

export function render() {
  return crudPage({
    title: 'Recall rules', base: '/api/v1/recall-rule-sets', newLabel: 'New recall rule', editTitle: 'Change recall rule',
    testid: 'recall-rules', wide: true,
    columns: [
      { label: 'Recall rule name', render: (x) => h('strong', x.name) },
      { label: 'Conditions', render: (x) => h('div.chips', CONDITIONS.filter(([k]) => x.rules && x.rules[k]).map(([k]) =>
        h('span.chip', `${t('outcome.' + k)}: ${x.rules[k].attempts} × ${x.rules[k].interval_s} ${t('s')}`))) },
    ],
    defaults: { rules: { busy: { interval_s: 300, attempts: 3 } } },
    fields: () => [
      { path: 'name', label: 'Recall rule name', required: true, placeholder: 'Recall rules for Megafon' },
      { path: 'rules', label: 'Parameters', type: 'custom', render: rulesEditor('rules') },
    ],
    formExtra: (form) => {
      const p = previewPanel(() => form.rawValues().rules || {});
      form.el.addEventListener('input', p.update);
      form.el.addEventListener('change', p.update);
      return p.el;
    },
  });
}
