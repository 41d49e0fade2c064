// SPDX-License-Identifier: AGPL-3.0-or-later
// The script editor: the block graph (docs/internals/script.md) as JSON
// text, checked as it is typed. Each message names the block and the field
// (the API's path, e.g. ask › branches[2].next) and jumps to that place in
// the text; the read-only diagram beside it marks the blocks in error. An
// API 422 on save is shown the same way (showServerError, also reached
// through the form's setError). Older spellings are rewritten on load, so
// what is saved is exactly the documented graph.
import { h, clear, debounce } from './dom.js';
import { t } from './i18n.js';
import { checkScript, diagram, normalize, pathOffsets, locate, blockOf } from './script_graph.js';

function where(e) {
  const b = blockOf(e.path);
  const inBlock = b ? e.path.slice(`graph.blocks.${b}`.length).replace(/^\./, '') : e.path.replace(/^graph\.?/, '');
  const name = b ? (inBlock ? `${b} › ${inBlock}` : b) : (inBlock || t('graph'));
  return e.line ? `${name} (${t('line')} ${e.line}, ${t('column')} ${e.col})` : name;
}

/** scriptEditor(initialGraph, onChange) → {el, get(), valid(), diagramEl, check, showServerError} */
export function scriptEditor(initial, onChange) {
  const text = h('textarea.code', { name: 'graph', rows: 22, spellcheck: 'false', dataset: { testid: 'graph-json' } });
  text.value = JSON.stringify(normalize(initial && typeof initial === 'object' ? initial : {}), null, 2);
  const messages = h('ul.check-list', { dataset: { testid: 'graph-check' } });
  const pic = h('div.diagram-box', { dataset: { testid: 'diagram' } });
  let last = { graph: null, errors: [] };
  let server = null;   // {path, message} of the last 422, until the text changes

  function lineOf(pos) {
    const before = text.value.slice(0, pos);
    return { line: before.split('\n').length, col: pos - before.lastIndexOf('\n') };
  }
  function draw() {
    const errors = server ? [server, ...last.errors] : last.errors;
    clear(messages);
    const offsets = last.graph ? pathOffsets(text.value) : null;
    for (const e of errors) {
      const span = e.pos !== null && e.pos !== undefined ? [e.pos, e.pos + 1] : locate(offsets, e.path);
      const lc = e.line ? e : span ? lineOf(span[0]) : {};
      messages.append(h('li.bad', { class: e === server ? 'server' : null, dataset: { path: e.path, testid: e === server ? 'server-error' : null } },
        h('button.linklike', { type: 'button', on: { click: () => jump(span) } }, where({ ...e, ...lc })), ': ', e.message));
    }
    if (!errors.length) messages.append(h('li.good', t('The script is valid')));
    const bad = new Set(errors.map((e) => blockOf(e.path)).filter(Boolean));
    if (last.graph) clear(pic).append(diagram(last.graph, bad));
    else if (!pic.firstChild) pic.append(h('div.muted', t('Fix the JSON to see the diagram')));
    text.classList.toggle('invalid', errors.length > 0);
  }
  const check = () => {
    last = checkScript(text.value);
    draw();
    if (onChange) onChange();
  };
  function jump(span) {
    if (!span) return;
    text.focus();
    text.setSelectionRange(span[0], span[1]);
    // scroll the selection into view: the line's share of the text height
    const line = text.value.slice(0, span[0]).split('\n').length;
    const lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
    text.scrollTop = Math.max(0, (line - 3) * lh);
  }
  function showServerError(path, message) {
    // the API's message starts with its path ("graph.blocks.x.next: ..."),
    // which the list item already names as block › field
    const p = path || 'graph';
    server = { path: p, message: String(message).startsWith(p + ': ') ? message.slice(p.length + 2) : message };
    draw();
    jump(locate(last.graph ? pathOffsets(text.value) : null, server.path));
  }
  text.addEventListener('input', () => { server = null; });
  text.addEventListener('input', debounce(check, 200));
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Tab') {
      e.preventDefault();
      text.setRangeText('  ', text.selectionStart, text.selectionEnd, 'end');
    }
  });
  check();
  const el = h('div.script-editor', { dataset: { errorHook: '' } }, text, messages);
  el.vdShowError = showServerError;
  return {
    el,
    diagramEl: pic,
    get: () => { try { return JSON.parse(text.value); } catch (e) { return text.value; } },
    valid: () => checkScript(text.value).errors.length === 0,
    check,
    showServerError,
  };
}
