// SPDX-License-Identifier: AGPL-3.0-or-later
// Telephony → Dial plans: a trunk, number rewriting, the destinations it
// may dial (the toll-fraud guard) and its tariff.
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h } from './dom.js';
import { optionsFrom } from './form.js';
import { t } from './i18n.js';

export function render() {
  let trunks = {};
  api.all('/api/v1/trunks').then((l) => { trunks = Object.fromEntries(l.map((x) => [x.id, x.name])); }).catch(() => {});
  return crudPage({
    title: 'Dial plans', base: '/api/v1/dial-plans', newLabel: 'New dial plan', editTitle: 'Edit dial plan', testid: 'dial-plans',
    columns: [
      { label: 'Name', render: (x) => [h('strong', x.name), x.is_default ? h('span.badge.badge-info', t('default')) : null] },
      { label: 'Trunk', render: (x) => trunks[x.trunk_id] || '#' + x.trunk_id },
      { label: 'Allowed numbers', render: (x) => (x.allowed_patterns || []).join(', '), cls: 'mono' },
      { label: 'Tariff', render: (x) => x.tariff ? `${x.tariff.per_minute} ${x.tariff.currency}/${t('min')} · ${x.tariff.billing_step_s}/${x.tariff.billing_step_s}` : '—' },
    ],
    defaults: { prefix: '', strip_digits: 0, allowed_patterns: ['_7XXXXXXXXXX'],
      tariff: { per_minute: 0, currency: 'RUB', billing_step_s: 60, min_billable_s: 0, connect_fee: 0 } },
    fromItem: (x) => ({ ...x, allowed_patterns: (x.allowed_patterns || []).join('\n') }),
    fields: () => [
      { path: 'name', label: 'Name', required: true },
      { path: 'trunk_id', label: 'Trunk', type: 'select', parse: 'id', required: true, placeholder: 'Select a trunk',
        options: optionsFrom(api.all, '/api/v1/trunks') },
      { path: 'prefix', label: 'Prefix', placeholder: '', hint: 'Digits added in front of the number' },
      { path: 'strip_digits', label: 'Strip digits', type: 'number', parse: 'int', min: 0, max: 15 },
      { path: 'allowed_patterns', label: 'Allowed number patterns', type: 'textarea', rows: 3,
        hint: 'One pattern per line, e.g. _7XXXXXXXXXX' },
      { section: 'Tariff' },
      { path: 'tariff.per_minute', label: 'Price per minute', type: 'number', step: '0.01', min: 0 },
      { path: 'tariff.currency', label: 'Currency', placeholder: 'RUB' },
      { path: 'tariff.billing_step_s', label: 'Billing step, s', type: 'number', parse: 'int', min: 1 },
      { path: 'tariff.min_billable_s', label: 'Minimum billable, s', type: 'number', parse: 'int', min: 0 },
      { path: 'tariff.connect_fee', label: 'Connection fee', type: 'number', step: '0.01', min: 0 },
      { path: 'is_default', label: 'Default dial plan', type: 'checkbox' },
    ],
    toBody: (v) => ({ ...v, allowed_patterns: String(v.allowed_patterns || '').split(/\n/).map((s) => s.trim()).filter(Boolean) }),
  });
}
