// SPDX-License-Identifier: AGPL-3.0-or-later
// The call task settings form of the user guide, shared by call tasks and
// call task templates (a template has no start mode, test call or clients
// file, and has a callback URL). Dependent fields show only while the
// option they belong to is chosen.
import { api } from './api.js';
import { h, clear, icon, localToUtc, utcToLocal } from './dom.js';
import { optionsFrom } from './form.js';
import { t } from './i18n.js';
import { rulesEditor } from './recall_widget.js';

export const TASK_DEFAULTS = {
  amd: { enabled: false, mode: 'background', greeting_audio_id: null },
  caller_id: { mode: 'default' },
  default_redirect: { type: 'hangup' },
  start: { mode: 'manual' },
  cps: 1, ring_timeout_s: 30, window_on: false,
  window: { from: '09:00', to: '21:00', days: [1, 2, 3, 4, 5, 6, 7], timezone: 'Europe/Moscow' },
  ineffective_duration_s: 10, gender_detection: false, ambient_volume: 30,
  test_call: { enabled: false }, e164_country: 'RU',
  recall: { mode: 'none', rules: { busy: { interval_s: 300, attempts: 3 } } },
};

const audioOptions = (kind) => async () =>
  (await api.all('/api/v1/audio')).filter((a) => a.kind === kind).map((a) => [a.id, a.name]);

/** Script select with the "Download template" link for the clients file. */
function scriptPicker(initial, onChange) {
  const sel = h('select', { id: 'task-script', name: 'script_id' });
  const link = h('a.link', { href: '#', download: 'clients-template.csv', dataset: { testid: 'download-template' } },
    icon('download'), t('Download template'));
  const sync = () => {
    link.hidden = !sel.value;
    link.href = sel.value ? `/api/v1/scripts/${sel.value}/clients-template.csv` : '#';
  };
  sel.addEventListener('change', () => { sync(); onChange(); });
  clear(sel).append(h('option', { value: '' }, t('Please select script')));
  api.all('/api/v1/scripts').then((l) => {
    for (const s of l) sel.append(h('option', { value: String(s.id) }, s.name));
    sel.value = initial ? String(initial) : '';
    sync();
    onChange();
  }).catch(() => {});
  sync();
  return { el: h('div.with-link', sel, link), get: () => (sel.value ? Number(sel.value) : null) };
}

/** An audio select with a listen button (plays the chosen file inline). */
function audioPicker(kind, emptyLabel) {
  return (initial, onChange) => {
    const sel = h('select', { name: kind + '_audio_id' }, h('option', { value: '' }, t(emptyLabel)));
    const player = h('audio', { controls: true, preload: 'none', hidden: true });
    const play = h('button.icon-btn', { type: 'button', title: t('Listen'), on: { click: () => {
      if (!sel.value) return;
      player.src = `/api/v1/audio/${sel.value}.wav`;
      player.hidden = false;
      player.play().catch(() => {});
    } } }, icon('play'));
    sel.addEventListener('change', () => { player.hidden = true; onChange(); });
    audioOptions(kind)().then((l) => {
      for (const [id, name] of l) sel.append(h('option', { value: String(id) }, name));
      sel.value = initial ? String(initial) : '';
    }).catch(() => {});
    const upload = h('a.link', { href: '#/audio', title: t('Upload .wav files on the Audio files page') }, icon('upload'), t('Upload'));
    return { el: h('div', h('div.with-link', sel, play, upload), player), get: () => (sel.value ? Number(sel.value) : null) };
  };
}

function fileField() {
  return (initial, onChange) => {
    const input = h('input', { type: 'file', name: 'clients_file', accept: '.csv,text/csv,text/plain', dataset: { testid: 'clients-file' },
      on: { change: onChange } });
    return { el: input, get: () => (input.files && input.files[0]) || null };
  };
}

/** The field specs; isTemplate drops start/test call/clients and adds the callback. */
export function taskFields({ isTemplate = false } = {}) {
  const F = [
    { path: 'name', label: isTemplate ? 'Template name' : 'Task name', required: true, wide: true },
    { path: 'script_id', label: 'Please select script', type: 'custom', required: true, render: scriptPicker, wide: false },
    { path: 'dial_plan_id', label: 'Dial plan', type: 'select', parse: 'id', required: true, placeholder: 'Select a dial plan',
      options: optionsFrom(api.all, '/api/v1/dial-plans') },
    { path: 'ambient_audio_id', label: 'Ambient noise', type: 'custom', render: audioPicker('ambient', 'Not selected'), wide: false },
    { path: 'ambient_volume', label: 'Ambient noise volume, %', type: 'number', parse: 'int', min: 0, max: 100, step: 5,
      showIf: (v) => !!v.ambient_audio_id },

    // sections group fields; none repeats the label of the field under it
    { section: 'Call settings' },
    { path: 'amd.enabled', newRow: true, label: 'Human/Robot identification system', type: 'select', parse: 'bool',
      options: [['false', 'Disabled'], ['true', 'Enabled']] },
    { path: 'amd.mode', label: 'Operation mode', type: 'select', showIf: (v) => v.amd && v.amd.enabled,
      options: [['background', 'Background identification mode'], ['lockout', 'Detection mode with lockout']] },
    { path: 'amd.greeting_audio_id', label: 'Greeting file', type: 'custom', render: audioPicker('greeting', 'Without a greeting'), wide: false,
      showIf: (v) => v.amd && v.amd.enabled && v.amd.mode === 'lockout' },

    { path: 'caller_id.mode', newRow: true, label: 'Definable phone number', type: 'select',
      options: [['default', 'Default'], ['group', 'CallerID Groups'], ['number', 'CallerID']] },
    { path: 'caller_id.group_id', label: 'Caller ID group', type: 'select', parse: 'id', placeholder: 'Select a group',
      options: optionsFrom(api.all, '/api/v1/callerid-groups'), showIf: (v) => v.caller_id.mode === 'group' },
    { path: 'caller_id.number', label: 'Caller ID', placeholder: '+74951234567', showIf: (v) => v.caller_id.mode === 'number' },

    { path: 'default_redirect.type', newRow: true, label: 'Redirect by default', type: 'select',
      options: [['hangup', 'Hangup'], ['dial_plan', 'Dialing plan'], ['route', 'Call transfer'],
        ['custom', 'Customer transfer'], ['script', 'Another bot']] },
    { path: 'default_redirect.dial_plan_id', label: 'Dial plan', type: 'select', parse: 'id', placeholder: 'Select a dial plan',
      options: optionsFrom(api.all, '/api/v1/dial-plans'), showIf: (v) => v.default_redirect.type === 'dial_plan' },
    { path: 'default_redirect.number', label: 'Target phone number', placeholder: '+74951234567 or {{operator}}',
      showIf: (v) => ['dial_plan', 'custom'].includes(v.default_redirect.type) },
    { path: 'default_redirect.route_id', label: 'Call transfer direction', type: 'select', parse: 'id', placeholder: 'Select a route',
      options: optionsFrom(api.all, '/api/v1/routes'), showIf: (v) => v.default_redirect.type === 'route' },
    { path: 'default_redirect.script_id', label: 'Script', type: 'select', parse: 'id', placeholder: 'Please select script',
      options: optionsFrom(api.all, '/api/v1/scripts'), showIf: (v) => v.default_redirect.type === 'script' },
  ];
  if (!isTemplate) {
    F.push(
      { path: 'start.mode', newRow: true, label: 'Task start mode', type: 'select', options: [['manual', 'Manually'], ['scheduled', 'Scheduled']] },
      { path: 'start.at', label: 'Start date and time', type: 'datetime', toValue: localToUtc, fromValue: utcToLocal,
        showIf: (v) => v.start.mode === 'scheduled' },
    );
  }
  F.splice(F.length - (isTemplate ? 0 : 2), 0, { section: 'Launch and intensity' });
  F.push(
    { path: 'cps', label: 'Number of simultaneous calls', type: 'number', parse: 'int', min: 1, max: 100, slider: [1, 5],
      hint: 'Calls started per second: 1 = 1000 clients per 1000 seconds' },
    { path: 'ring_timeout_s', label: 'Ring timeout, s', type: 'number', parse: 'int', min: 5, max: 300 },
    { path: 'e164_country', label: 'E.164 country', type: 'select', options: [['RU', 'Russia'], ['KZ', 'Kazakhstan']] },
    { path: 'ineffective_duration_s', label: 'Ineffective call duration, s', type: 'number', parse: 'int', min: 0,
      hint: 'Shorter answered calls count as ineffective in reports' },
    { path: 'gender_detection', label: 'Determination of gender', type: 'checkbox' },
    { path: 'window_on', label: 'Call time limiter', type: 'checkbox' },
    { path: 'window.from', label: 'From', type: 'time', showIf: (v) => v.window_on },
    { path: 'window.to', label: 'To', type: 'time', showIf: (v) => v.window_on },
    { path: 'window.days', label: 'Days', type: 'days', showIf: (v) => v.window_on, wide: true },
    { path: 'window.timezone', label: 'Time zone', placeholder: 'Europe/Moscow', showIf: (v) => v.window_on },
  );
  if (!isTemplate) {
    F.push(
      { path: 'test_call.enabled', label: 'Test call', type: 'checkbox', hint: 'One phone number instead of a clients file' },
      { path: 'test_call.phone', label: 'Test call phone', placeholder: '+79161234567', showIf: (v) => v.test_call.enabled },
    );
  }
  F.push(
    { section: isTemplate ? 'Recalls' : 'Recalls and clients' },
    { path: 'recall.mode', label: 'Recall rules', type: 'select',
      options: [['none', 'Do not recall'], ['manual', 'Manually'], ['template', 'Use template']] },
    { path: 'recall.rule_set_id', label: 'Recall rule set', type: 'select', parse: 'id', placeholder: 'Select a rule set',
      options: optionsFrom(api.all, '/api/v1/recall-rule-sets'), showIf: (v) => v.recall.mode === 'template' },
    { path: 'recall.rules', label: 'Conditions', type: 'custom', render: rulesEditor('recall.rules'),
      showIf: (v) => v.recall.mode === 'manual' },
  );
  if (isTemplate) {
    F.push({ section: 'CRM integration' },
      { path: 'callback_url', label: 'Callback URL', placeholder: 'https://crm.example/voxdial', wide: true, parse: 'nullstr' });
  } else {
    F.push({ path: 'clients_file', label: 'Call candidates file', type: 'custom', render: fileField(),
        showIf: (v) => !v.test_call.enabled, hint: 'CSV with a header row: phone (required), client_id, timezone, then one column per script variable' });
  }
  return F;
}

/** A stored task (or template) → the form's initial values. */
export function taskToForm(x) {
  const v = structuredClone(x);
  v.window_on = !!x.window;
  if (!x.window) v.window = structuredClone(TASK_DEFAULTS.window);
  if (!v.recall) v.recall = { mode: 'none' };
  if (!v.recall.rules) v.recall.rules = structuredClone(TASK_DEFAULTS.recall.rules);
  return v;
}

/** The form's values → the API body. */
export function formToTask(v) {
  const b = structuredClone({ ...v, clients_file: undefined });
  delete b.clients_file;
  delete b.window_on;
  if (!v.window_on) b.window = null;
  if (b.caller_id && b.caller_id.mode !== 'number') delete b.caller_id.number;
  if (b.default_redirect && b.default_redirect.number === '') delete b.default_redirect.number;
  if (b.start && b.start.mode === 'scheduled' && !b.start.at) b.start.at = null;
  if (b.callback_url === null) delete b.callback_url;
  return b;
}

/** Uploads a clients file; resolves to the import result. */
export function uploadClients(taskId, file) {
  return api.upload(`/api/v1/tasks/${taskId}/clients`, file, 'text/csv');
}

/** The import result as an element: imported, duplicates, rejected lines. */
export function importResult(r) {
  return h('div.import-result', { dataset: { testid: 'import-result' } },
    h('div.stats-row',
      h('div.stat', h('div.stat-value', String(r.imported)), h('div.stat-label', t('Imported'))),
      h('div.stat', h('div.stat-value', String(r.duplicates)), h('div.stat-label', t('Duplicates'))),
      h('div.stat', { class: r.rejected && r.rejected.length ? 'stat-bad' : null },
        h('div.stat-value', String((r.rejected || []).length)), h('div.stat-label', t('Rejected')))),
    r.rejected && r.rejected.length
      ? h('table.table.table-compact', h('thead', h('tr', h('th', t('Line')), h('th', t('Error')))),
        h('tbody', r.rejected.slice(0, 200).map((x) => h('tr', h('td', String(x.line)), h('td', x.error)))))
      : null);
}
