// SPDX-License-Identifier: AGPL-3.0-or-later
// The recall rules editor (one line per condition: enabled, interval,
// attempts, and the short-call duration), shared by the recall rule set
// dialog and the task dialog; and the "what will happen" preview that asks
// POST /api/v1/recall-rule-sets/preview for a sequence of outcomes.
import { api } from './api.js';
import { h, clear, icon, debounce } from './dom.js';
import { t } from './i18n.js';

export const CONDITIONS = [
  ['busy', 'If busy'], ['no_answer', 'If there is no answer'], ['machine', 'If the answering machine'],
  ['short', 'If the call is short'], ['failure', 'If operator failure'],
];

/** rulesEditor(prefix)(initial, onChange) → {el, get()}; prefix is the JSON path ("rules" or "recall.rules"). */
export function rulesEditor(prefix) {
  return (initial, onChange) => {
    const rules = initial && typeof initial === 'object' ? initial : {};
    const lines = [];
    const table = h('div.rules');
    table.append(h('div.rules-head', h('span', t('Condition')), h('span', t('Interval, s')), h('span', t('Attempts')),
      h('span', t('Short call up to, s'))));
    for (const [key, label] of CONDITIONS) {
      const r = rules[key];
      const en = h('input', { type: 'checkbox', checked: !!r, name: `${key}.enabled`, dataset: { cond: key } });
      const interval = h('input', { type: 'number', min: 0, name: `${key}.interval_s`, value: String(r ? r.interval_s : 300) });
      const attempts = h('input', { type: 'number', min: 1, name: `${key}.attempts`, value: String(r ? r.attempts : 3) });
      const maxDur = key === 'short'
        ? h('input', { type: 'number', min: 1, name: `${key}.max_duration_s`, value: String(r && r.max_duration_s ? r.max_duration_s : 5) })
        : null;
      const line = h('div.rules-line', { dataset: { path: `${prefix}.${key}` } },
        h('label.check', en, h('span', t(label))),
        h('div.subfield', { dataset: { path: `${prefix}.${key}.interval_s` } }, interval),
        h('div.subfield', { dataset: { path: `${prefix}.${key}.attempts` } }, attempts),
        maxDur ? h('div.subfield', { dataset: { path: `${prefix}.${key}.max_duration_s` } }, maxDur) : h('span'));
      const sync = () => {
        for (const i of [interval, attempts, maxDur]) if (i) i.disabled = !en.checked;
        line.classList.toggle('off', !en.checked);
      };
      en.addEventListener('change', () => { sync(); onChange(); });
      for (const i of [interval, attempts, maxDur]) if (i) i.addEventListener('input', onChange);
      sync();
      lines.push({ key, en, interval, attempts, maxDur });
      table.append(line);
    }
    const num = (i) => (i.value === '' ? null : Number(i.value));
    return {
      el: table,
      get: () => {
        const out = {};
        for (const l of lines) {
          if (!l.en.checked) continue;
          out[l.key] = { interval_s: num(l.interval), attempts: num(l.attempts) };
          if (l.maxDur) out[l.key].max_duration_s = num(l.maxDur);
        }
        return out;
      },
    };
  };
}

const OUTCOMES = ['busy', 'no_answer', 'unavailable', 'machine', 'short', 'failure', 'completed'];

function fmtOffset(s) {
  if (s < 60) return `+${s} ${t('s')}`;
  const m = Math.floor(s / 60), r = s % 60;
  if (m < 60) return `+${m} ${t('min')}` + (r ? ` ${r} ${t('s')}` : '');
  const hh = Math.floor(m / 60);
  return `+${hh} ${t('h')}` + (m % 60 ? ` ${m % 60} ${t('min')}` : '');
}

/** previewPanel(getRules) → element; re-asks the server when rules or outcomes change (call .update()). */
export function previewPanel(getRules) {
  const seq = ['busy', 'busy'];
  const chips = h('div.chips.seq', { dataset: { testid: 'preview-seq' } });
  const result = h('div.preview-result', { dataset: { testid: 'preview-result' } });
  const buttons = h('div.outcome-buttons', OUTCOMES.map((o) =>
    h('button.btn.btn-small.outcome-btn', { type: 'button', dataset: { outcome: o },
      on: { click: () => { seq.push(o); update(); } } }, icon('plus'), t('outcome.' + o))));
  const clearBtn = h('button.btn.btn-small.btn-ghost', { type: 'button', dataset: { testid: 'preview-clear' },
    on: { click: () => { seq.length = 0; update(); } } }, t('Clear'));
  let n = 0;
  async function run() {
    const my = ++n;
    clear(chips);
    seq.forEach((o, i) => chips.append(h('span', { class: ['chip', 'chip-' + o] }, `${i + 1}. ${t('outcome.' + o)}`,
      h('button.chip-x', { type: 'button', title: t('Remove'), on: { click: () => { seq.splice(i, 1); update(); } } }, '×'))));
    if (!seq.length) {
      clear(result).append(h('div.muted', t('Pick the outcomes of successive attempts to see the schedule')));
      return;
    }
    let r;
    try {
      r = await api.post('/api/v1/recall-rule-sets/preview', { rules: getRules(), outcomes: seq });
    } catch (e) {
      if (my !== n) return;
      clear(result).append(h('div.preview-error', e.message));
      return;
    }
    if (my !== n) return;
    clear(result);
    result.append(h('table.table.table-compact', h('thead', h('tr', h('th', '#'), h('th', t('Time')), h('th', t('Attempt')),
      h('th', t('Outcome')))), h('tbody', r.attempts.map((a) => h('tr',
      h('td', String(a.n)), h('td.mono', a.n === 1 ? '0' : fmtOffset(a.at_s)),
      h('td', a.recall_for ? `${t('Recall for')} ${t('outcome.' + a.recall_for)}` : t('First call')),
      h('td', h('span', { class: ['badge', 'badge-' + a.outcome] }, t('outcome.' + a.outcome))))))));
    const verdict = r.final === 'pending'
      ? `${t('Next')}: ${t('Recall for')} ${t('outcome.' + r.next.recall_for)} ${t('at')} ${fmtOffset(r.next.at_s)}`
      : `${t('Finished')}: ${t('outcome.' + r.final)}` + (r.reason ? ` (${t('reason.' + r.reason)})` : '');
    result.append(h('div.preview-verdict', { class: r.final === 'pending' ? 'pending' : 'final' }, verdict));
    const counters = Object.entries(r.counters || {});
    if (counters.length) {
      result.append(h('div.muted', t('Counted attempts') + ': ' + counters.map(([k, v]) => `${t('outcome.' + k)} ${v}`).join(', ')));
    }
  }
  const update = debounce(run, 150);
  const el = h('div.preview', { dataset: { testid: 'recall-preview' } },
    h('div.preview-title', icon('eye'), t('What will happen')),
    h('div.muted', t('Outcomes of successive attempts')),
    h('div.preview-body', h('div', chips, h('div.preview-tools', buttons, clearBtn)), result));
  run();
  return { el, update };
}
