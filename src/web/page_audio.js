// SPDX-License-Identifier: AGPL-3.0-or-later
// Audio files: upload a .wav (ambient noise, greeting, prompt), listen,
// rename, delete. Any PCM WAV is converted to 8 kHz mono by the server.
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h, icon, toast } from './dom.js';
import { openModal } from './modal.js';
import { t } from './i18n.js';

const KINDS = [['ambient', 'Ambient noise'], ['greeting', 'Greeting'], ['prompt', 'Prompt']];

function uploadDialog(reload) {
  const file = h('input', { type: 'file', accept: '.wav,audio/wav,audio/x-wav', id: 'audio-file', dataset: { testid: 'audio-file' } });
  const name = h('input', { type: 'text', id: 'audio-name', name: 'name' });
  const kind = h('select', { id: 'audio-kind', name: 'kind' }, KINDS.map(([v, l]) => h('option', { value: v }, t(l))));
  file.addEventListener('change', () => {
    if (file.files[0] && !name.value) name.value = file.files[0].name.replace(/\.wav$/i, '');
  });
  const fields = {
    file: h('div.field.field-wide', { dataset: { path: 'file' } }, h('label', { for: 'audio-file' }, t('File (.wav)')), file),
    name: h('div.field', { dataset: { path: 'name' } }, h('label', { for: 'audio-name' }, t('Name')), name),
    kind: h('div.field', { dataset: { path: 'kind' } }, h('label', { for: 'audio-kind' }, t('Kind')), kind),
  };
  const err = h('div.form-error', { hidden: true });
  const go = h('button.btn.btn-primary', { type: 'button', dataset: { testid: 'audio-upload' } }, icon('upload'), t('Upload'));
  const m = openModal({ title: t('Upload audio file'), testid: 'audio-dialog',
    body: [err, h('div.form-grid', fields.file, fields.name, fields.kind)], footer: [go] });
  go.addEventListener('click', async () => {
    err.hidden = true;
    for (const f of Object.values(fields)) { f.classList.remove('has-error'); f.querySelector('.field-error')?.remove(); }
    if (!file.files[0]) {
      fields.file.classList.add('has-error');
      fields.file.append(h('div.field-error', t('Choose a .wav file')));
      return;
    }
    go.disabled = true;
    try {
      await api.upload('/api/v1/audio', file.files[0], 'audio/wav', { kind: kind.value, name: name.value.trim() });
      toast(t('Saved'));
      m.close();
      reload();
    } catch (e) {
      const f = fields[e.field];
      if (f) { f.classList.add('has-error'); f.append(h('div.field-error', e.message)); } else { err.textContent = e.message; err.hidden = false; }
    } finally {
      go.disabled = false;
    }
  });
}

export function render() {
  return crudPage({
    title: 'Audio files', base: '/api/v1/audio', newLabel: 'Upload audio file', editTitle: 'Edit audio file', testid: 'audio',
    onNew: uploadDialog,
    columns: [
      { label: 'Name', render: (x) => h('strong', x.name) },
      { label: 'Kind', render: (x) => h('span', { class: ['badge', 'badge-kind'] }, t((KINDS.find((k) => k[0] === x.kind) || [0, x.kind])[1])) },
      { label: 'Duration', render: (x) => (x.duration_ms ? (x.duration_ms / 1000).toFixed(1) + ' ' + t('s') : '—'), cls: 'num' },
      { label: 'Listen', render: (x) => h('audio.inline-audio', { controls: true, preload: 'none', src: x.url }) },
    ],
    fields: () => [
      { path: 'name', label: 'Name', required: true },
      { path: 'kind', label: 'Kind', type: 'select', options: KINDS },
    ],
    toBody: (v) => v,
  });
}
