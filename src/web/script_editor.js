// SPDX-License-Identifier: AGPL-3.0-or-later
// The script editor: the block graph as JSON text, checked as it is typed
// (each message names the block and, for a syntax error, the line), with
// the read-only diagram redrawn beside it.
import { h, clear, debounce } from './dom.js';
import { t } from './i18n.js';
import { checkScript, diagram } from './script_graph.js';

/** scriptEditor(initialGraph, onChange) → {el, get(), valid(), diagramEl} */
export function scriptEditor(initial, onChange) {
  const text = h('textarea.code', { name: 'graph', rows: 20, spellcheck: 'false', dataset: { testid: 'graph-json' } });
  text.value = JSON.stringify(initial && typeof initial === 'object' ? initial : {}, null, 2);
  const messages = h('ul.check-list', { dataset: { testid: 'graph-check' } });
  const pic = h('div.diagram-box', { dataset: { testid: 'diagram' } });
  let last = { graph: null, errors: [] };
  const check = () => {
    last = checkScript(text.value);
    clear(messages);
    for (const e of last.errors) {
      const where = e.line ? `${t('line')} ${e.line}, ${t('column')} ${e.col}` : e.path.replace(/^graph\.?/, '') || 'graph';
      messages.append(h('li.bad', { dataset: { path: e.path } },
        h('button.linklike', { type: 'button', on: { click: () => jump(e) } }, where), ': ', e.message));
    }
    if (!last.errors.length) messages.append(h('li.good', t('The script is valid')));
    if (last.graph) clear(pic).append(diagram(last.graph));
    else if (!pic.firstChild) pic.append(h('div.muted', t('Fix the JSON to see the diagram')));
    text.classList.toggle('invalid', last.errors.length > 0);
    if (onChange) onChange();
  };
  function jump(e) {
    let pos = e.pos;
    if (pos === null || pos === undefined) {
      const m = e.path.match(/^graph\.blocks\.([^.[\]]+)/);
      pos = m ? text.value.indexOf(JSON.stringify(m[1]) + ':') : -1;
      if (pos < 0 && m) pos = text.value.indexOf(JSON.stringify(m[1]));
    }
    if (pos >= 0) { text.focus(); text.setSelectionRange(pos, pos + 1); }
  }
  text.addEventListener('input', debounce(check, 200));
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Tab') {
      e.preventDefault();
      text.setRangeText('  ', text.selectionStart, text.selectionEnd, 'end');
    }
  });
  check();
  return {
    el: h('div.script-editor', text, messages),
    diagramEl: pic,
    get: () => { try { return JSON.parse(text.value); } catch (e) { return text.value; } },
    valid: () => checkScript(text.value).errors.length === 0,
    check,
  };
}
