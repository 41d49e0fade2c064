// SPDX-License-Identifier: AGPL-3.0-or-later
// One script: the JSON editor with its checks, the diagram, Save, and the
// clients-file template of its variables.
import { api } from './api.js';
import { h, clear, icon, toast } from './dom.js';
import { t } from './i18n.js';
import { scriptEditor } from './script_editor.js';

export function render([idStr]) {
  const id = Number(idStr);
  const el = h('section.page', { dataset: { testid: 'script' } }, h('div.muted', t('Loading…')));
  api.get(`/api/v1/scripts/${id}`).then((s) => {
    const name = h('input', { type: 'text', id: 'script-name', name: 'name' });
    name.value = s.name;
    const nameField = h('div.field', { dataset: { path: 'name' } }, h('label', { for: 'script-name' }, t('Name')), name);
    const ed = scriptEditor(s.graph);
    const graphField = h('div.field.field-wide', { dataset: { path: 'graph' } }, h('label', t('Script (JSON block graph)')), ed.el);
    const topErr = h('div.form-error', { hidden: true });
    const save = h('button.btn.btn-primary', { type: 'button', dataset: { testid: 'save' } }, t('Save'));
    save.addEventListener('click', async () => {
      topErr.hidden = true;
      for (const x of el.querySelectorAll('.field-error')) x.remove();
      for (const x of el.querySelectorAll('.has-error')) x.classList.remove('has-error');
      const graph = ed.get();
      if (typeof graph !== 'object' || !ed.valid()) {
        graphField.classList.add('has-error');
        graphField.append(h('div.field-error', t('Fix the problems listed under the editor first')));
        return;
      }
      try {
        await api.put(`/api/v1/scripts/${id}`, { name: name.value, graph });
        toast(t('Saved'));
      } catch (e) {
        // a graph error is listed under the editor at its block and field
        // (and the block marked in the diagram); the name's at its input
        if (e.field && e.field.startsWith('graph')) {
          graphField.classList.add('has-error');
          ed.showServerError(e.field, e.message);
        } else if (e.field === 'name') {
          nameField.classList.add('has-error');
          nameField.append(h('div.field-error', e.message));
        } else {
          topErr.textContent = e.message;
          topErr.hidden = false;
        }
      }
    });
    clear(el).append(
      h('a.back', { href: '#/scripts' }, '← ', t('Scripts')),
      h('div.page-head', h('h1', s.name), h('div.page-actions',
        h('a.btn', { href: `/api/v1/scripts/${id}/clients-template.csv`, download: 'clients-template.csv' }, icon('download'), t('Download template')),
        save)),
      topErr,
      h('div.script-layout',
        h('div.card.pad', h('div.form-grid', nameField, graphField)),
        h('div.card.pad', h('div.card-title', t('Diagram')), ed.diagramEl)));
  }).catch((e) => clear(el).append(h('div.form-error', e.message)));
  return { el };
}
