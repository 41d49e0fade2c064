// SPDX-License-Identifier: AGPL-3.0-or-later
// Telephony → Trunks: SIP peers (carriers and customer PBXs). The password
// is write-only: left empty on edit, the stored one is kept.
import { crudPage } from './crud.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export function render() {
  return crudPage({
    title: 'Trunks', base: '/api/v1/trunks', newLabel: 'New trunk', editTitle: 'Edit trunk', testid: 'trunks',
    columns: [
      { label: 'Name', render: (x) => h('strong', x.name) },
      { label: 'Host', render: (x) => `${x.host}:${x.port || 5060}`, cls: 'mono' },
      { label: 'Transport', render: (x) => String(x.transport || 'udp').toUpperCase() },
      { label: 'Default caller ID', render: (x) => x.default_caller_id || '—', cls: 'mono' },
      { label: 'Limits', render: (x) => `${x.max_channels} ${t('channels')} · ${x.max_cps} ${t('CPS')}` },
    ],
    defaults: { port: 5060, transport: 'udp', max_channels: 30, max_cps: 10 },
    fields: (item) => [
      { path: 'name', label: 'Name', required: true, placeholder: 'Megafon' },
      { path: 'host', label: 'Host', required: true, placeholder: 'sip.example.net' },
      { path: 'port', label: 'Port', type: 'number', parse: 'int', min: 1, max: 65535 },
      { path: 'transport', label: 'Transport', type: 'select', options: [['udp', 'UDP'], ['tcp', 'TCP']] },
      { path: 'username', label: 'Username', parse: 'nullstr' },
      { path: 'password', label: 'Password', type: 'password', parse: 'nullstr',
        hint: item && item.has_password ? 'Leave empty to keep the stored password' : null },
      { path: 'from_domain', label: 'From domain', parse: 'nullstr' },
      { path: 'default_caller_id', label: 'Default caller ID', placeholder: '+74951234567', parse: 'nullstr' },
      { path: 'max_channels', label: 'Max channels', type: 'number', parse: 'int', min: 1 },
      { path: 'max_cps', label: 'Max calls per second', type: 'number', parse: 'int', min: 1 },
    ],
    toBody: (v) => {
      const b = { ...v };
      for (const k of ['username', 'password', 'from_domain', 'default_caller_id']) if (b[k] === null) delete b[k];
      return b;
    },
  });
}
