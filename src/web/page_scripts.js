// SPDX-License-Identifier: AGPL-3.0-or-later
// Scripts: the bots' block graphs. New opens a dialog (name and a starting
// graph); edit opens the full editor page with the diagram.
import { api } from './api.js';
import { crudPage } from './crud.js';
import { h, fmtDateTime } from './dom.js';
import { t } from './i18n.js';
import { SAMPLE_GRAPH } from './script_graph.js';
import { scriptEditor } from './script_editor.js';

export function render() {
  return crudPage({
    title: 'Scripts', base: '/api/v1/scripts', newLabel: 'New script', testid: 'scripts', wide: true,
    columns: [
      { label: 'Id', render: (x) => String(x.id), cls: 'num' },
      { label: 'Name', render: (x) => h('a.row-link', { href: `#/scripts/${x.id}` }, x.name) },
      { label: 'Blocks', render: (x) => String(Object.keys((x.graph && x.graph.blocks) || {}).length), cls: 'num' },
      { label: 'Results', render: (x) => h('div.chips', Object.values((x.graph && x.graph.blocks) || {})
        .filter((b) => b && b.type === 'result').map((b) => h('span.chip', String(b.label)))) },
      { label: 'Updated', render: (x) => fmtDateTime(x.updated_at) },
    ],
    onEdit: (x) => { location.hash = `#/scripts/${x.id}`; },
    defaults: { graph: SAMPLE_GRAPH },
    fields: () => [
      { path: 'name', label: 'Name', required: true, wide: true },
      { path: 'graph', label: 'Script (JSON block graph)', type: 'custom', render: scriptEditor },
    ],
    afterSave: (s, isNew) => { if (isNew) location.hash = `#/scripts/${s.id}`; },
  });
}
