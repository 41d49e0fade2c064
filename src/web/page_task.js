// SPDX-License-Identifier: AGPL-3.0-or-later
// The call task page: start/pause/cancel, statistics as pie charts that
// refresh every 2 s while the task runs, and the call list (client ID and
// date-time filters, page size 10/50/100) with the recording played
// inline, call details and the script; the call reports (task_reports.js).
import { api } from './api.js';
import { h, clear, icon, badge, toast, fmtDateTime, fmtDuration, fmtMoney, localToUtc, debounce } from './dom.js';
import { pieChart } from './charts.js';
import { pageSizeControl, pager } from './crud.js';
import { openModal, confirmModal } from './modal.js';
import { uploadDialog } from './page_tasks.js';
import { t } from './i18n.js';
import { reportsPanel } from './task_reports.js';

const OUTCOMES = ['completed', 'busy', 'no_answer', 'unavailable', 'machine', 'short', 'failure', 'cancelled'];
const LIVE = new Set(['running', 'scheduled']);
const POLL_MS = 2000;

function callStatus(c, withResult = true) {
  if (!c.outcome) return h('span.badge.badge-in_progress', t('In progress'));
  // the outcome as a badge, the script's result label beside it
  return [h('span', { class: ['badge', 'badge-' + c.outcome] }, t('outcome.' + c.outcome)),
    c.result && withResult ? h('span.result-label', { title: t('Result') }, c.result) : null];
}

// The AMD verdict with how long it took and why: "Answering machine ·
// 2,840 ms · long greeting".
function amdText(c) {
  if (!c.amd) return null;
  const parts = [t('amd.' + c.amd)];
  if (c.amd_ms !== null && c.amd_ms !== undefined) parts.push(`${c.amd_ms.toLocaleString()} ${t('ms')}`);
  if (c.amd_cause) parts.push(c.amd_cause.replace(/_/g, ' '));
  return parts.join(' · ');
}

function detailsDialog(id) {
  api.get(`/api/v1/calls/${id}`).then((c) => {
    const row = (k, v, testid) => [h('dt', t(k)), h('dd', testid ? { dataset: { testid } } : {},
      v === null || v === undefined || v === '' ? '—' : v)];
    const vars = Object.entries(c.variables || {});
    openModal({
      title: `${t('Call')} #${c.id}`, testid: 'call-details', wide: true,
      body: [
        h('div.details-grid',
          h('dl.details',
            row('Client ID', c.client_id), row('Phone', c.phone), row('Caller ID', c.caller_id),
            row('Attempt', String(c.attempt) + (c.recall_for ? ` (${t('Recall for')} ${t('outcome.' + c.recall_for)})` : '')),
            row('Status', callStatus(c, false)), row('Result', c.result, 'call-result'),
            row('SIP code', c.sip_code ? String(c.sip_code) : null, 'call-sip'),
            row('AMD', amdText(c), 'call-amd'), row('Gender', c.gender ? t('gender.' + c.gender) : null, 'call-gender'),
            row('Transferred to', c.transferred_to, 'call-transfer')),
          h('dl.details',
            row('Planned time', fmtDateTime(c.planned_at)), row('Started', fmtDateTime(c.started_at)),
            row('Answered', fmtDateTime(c.answered_at)), row('Ended', fmtDateTime(c.ended_at)),
            row('Duration', fmtDuration(c.duration_s)), row('Cost', fmtMoney(c.cost, c.currency)))),
        h('h3.sub', t('Variables')),
        vars.length
          ? h('table.table.table-compact', { dataset: { testid: 'call-variables' } }, h('tbody', vars.map(([k, v]) =>
            h('tr', h('td.mono', k), v === '' || v === null ? h('td.muted', '—') : h('td', typeof v === 'object' ? JSON.stringify(v) : String(v))))))
          : h('div.muted', t('No variables')),
        c.recording_url ? [h('h3.sub', t('Recording')), h('audio', { controls: true, preload: 'metadata', src: c.recording_url })] : null,
      ],
    });
  }).catch((e) => toast(e.message, 'err'));
}

export function render([idStr]) {
  const id = Number(idStr);
  let task = null;
  let timer = null;
  let destroyed = false;
  const state = { page: 1, perPage: 10, client_id: '', from: '', to: '', outcome: '' };

  const title = h('h1', '…');
  const statusBox = h('span');
  const actions = h('div.page-actions');
  const charts = h('div.charts', { dataset: { testid: 'charts' } });
  const summary = h('div.summary');
  const tbody = h('tbody');
  const foot = h('div.table-foot');
  const live = h('span.live', { hidden: true }, h('span.live-dot'), t('Live'));
  const reports = reportsPanel(id);

  const clientInput = h('input.narrow', { type: 'search', placeholder: t('Client ID'), 'aria-label': t('Client ID'), dataset: { testid: 'filter-client' },
    on: { input: debounce(() => { state.client_id = clientInput.value.trim(); state.page = 1; loadCalls(); }) } });
  const fromInput = h('input', { type: 'datetime-local', 'aria-label': t('From'), dataset: { testid: 'filter-from' },
    on: { change: () => { state.from = localToUtc(fromInput.value); state.page = 1; loadCalls(); } } });
  const toInput = h('input', { type: 'datetime-local', 'aria-label': t('To'), dataset: { testid: 'filter-to' },
    on: { change: () => { state.to = localToUtc(toInput.value); state.page = 1; loadCalls(); } } });
  const outcomeSel = h('select', { 'aria-label': t('Status'), dataset: { testid: 'filter-outcome' },
    on: { change: () => { state.outcome = outcomeSel.value; state.page = 1; loadCalls(); } } },
  h('option', { value: '' }, t('All statuses')), OUTCOMES.map((o) => h('option', { value: o }, t('outcome.' + o))));
  const clearBtn = h('button.btn.btn-ghost.btn-small', { type: 'button', dataset: { testid: 'filter-clear' }, on: { click: () => {
    clientInput.value = ''; fromInput.value = ''; toInput.value = ''; outcomeSel.value = '';
    Object.assign(state, { client_id: '', from: '', to: '', outcome: '', page: 1 });
    loadCalls();
  } } }, t('Clear'));

  const table = h('table.table.calls', { dataset: { testid: 'calls' } },
    h('thead', h('tr', ['Client ID', 'Phone', 'Status', 'Date', 'Planned time', 'Duration', 'Cost'].map((c) => h('th', t(c))),
      h('th.actions-col', t('Actions')))), tbody);

  const el = h('section.page', { dataset: { testid: 'task' } },
    h('a.back', { href: '#/tasks' }, '← ', t('Call tasks')),
    h('div.page-head', h('div.title-line', title, statusBox, live), actions),
    summary,
    h('h2.section-title', t('Statistics')),
    charts,
    reports.el,
    h('h2.section-title', t('Calls')),
    h('div.toolbar', h('div.search-wrap', icon('search'), clientInput),
      h('div.period', h('span.period-label', t('Call period')), fromInput, h('span', '—'), toInput), outcomeSel, clearBtn,
      h('div.spacer'), pageSizeControl(state.perPage, (n) => { state.perPage = n; state.page = 1; loadCalls(); })),
    h('div.card.table-card', h('div.table-scroll', table), foot));

  function control(verb, label, iconName, cls, ask) {
    return h('button', { type: 'button', class: ['btn', cls], dataset: { testid: verb }, on: { click: async () => {
      if (ask && !(await confirmModal(t(label), ask, label))) return;
      try {
        await api.post(`/api/v1/tasks/${id}/${verb}`, {});
        toast(t(label) + ': ' + t('done'));
      } catch (e) {
        toast(e.message, 'err');
      }
      refresh();
    } } }, icon(iconName), t(label));
  }

  function drawHead() {
    title.textContent = task.name;
    clear(statusBox).append(badge(task.status));
    live.hidden = !LIVE.has(task.status);
    const s = task.status;
    clear(actions);
    if (['draft', 'paused', 'scheduled'].includes(s)) actions.append(control('start', s === 'paused' ? 'Resume' : 'Start', 'play', 'btn-primary'));
    if (['running', 'scheduled'].includes(s)) actions.append(control('pause', 'Pause', 'pause', null));
    if (!['completed', 'cancelled'].includes(s)) {
      actions.append(control('cancel', 'Cancel calls', 'stop', 'btn-danger-outline',
        t('Cancel dialing and every pending recall of this task?')));
      actions.append(h('button.btn', { type: 'button', dataset: { testid: 'upload' }, on: { click: () => uploadDialog(task, refresh) } },
        icon('upload'), t('Call candidates file')));
    }
    actions.append(...reports.buttons);
    actions.append(h('a.btn', { href: `#/scripts/${task.script_id}`, dataset: { testid: 'open-script' } }, icon('script'), t('Script')));
  }

  function drawStats(st) {
    const oc = st.calls.by_outcome || {};
    const answered = oc.completed || 0;
    clear(summary).append(h('div.stats-row',
      h('div.stat', h('div.stat-value', (st.clients.total || 0).toLocaleString()), h('div.stat-label', t('Clients'))),
      h('div.stat', h('div.stat-value', (st.clients.finished || 0).toLocaleString()), h('div.stat-label', t('Finished'))),
      h('div.stat', h('div.stat-value', (st.calls.total || 0).toLocaleString()), h('div.stat-label', t('Calls'))),
      h('div.stat', h('div.stat-value', (st.effective || 0).toLocaleString()), h('div.stat-label', t('Effective'))),
      h('div.stat', h('div.stat-value', (st.transferred || 0).toLocaleString()), h('div.stat-label', t('Transferred')))));
    clear(charts).append(
      pieChart(t('Call task status'), [
        { key: 'pending', label: t('Pending'), value: st.clients.pending },
        { key: 'in_progress', label: t('In progress'), value: st.clients.in_progress },
        { key: 'finished', label: t('Finished'), value: st.clients.finished }], { testid: 'chart-status' }),
      pieChart(t('Calls'), OUTCOMES.map((o) => ({ key: o, label: t('outcome.' + o), value: oc[o] || 0 })), { testid: 'chart-calls' }),
      pieChart(t('Call results'), [
        { key: 'effective', label: t('Effective'), value: st.effective },
        { key: 'ineffective', label: t('Ineffective'), value: st.ineffective }], { testid: 'chart-results' }),
      pieChart(t('Transfers to operators'), [
        { key: 'transferred', label: t('Transferred'), value: st.transferred },
        { key: 'not_transferred', label: t('Not transferred'), value: Math.max(0, answered - st.transferred) }], { testid: 'chart-transfers' }));
  }

  let callsSeq = 0;
  const playing = new Map();   // call id → open player row, kept across refreshes
  async function loadCalls() {
    const my = ++callsSeq;
    let r;
    try {
      r = await api.get(`/api/v1/tasks/${id}/calls`, { page: state.page, per_page: state.perPage,
        client_id: state.client_id, from: state.from, to: state.to, outcome: state.outcome });
    } catch (e) {
      if (my === callsSeq) clear(tbody).append(h('tr', h('td.empty', { colspan: 8 }, e.message)));
      return;
    }
    if (my !== callsSeq || destroyed) return;
    clear(tbody);
    if (!r.items.length) tbody.append(h('tr', h('td.empty', { colspan: 8 }, t('No calls yet'))));
    for (const c of r.items) {
      const tr = h('tr', { dataset: { id: String(c.id) } },
        h('td.mono', c.client_id || '—'), h('td.mono', c.phone), h('td', callStatus(c)),
        h('td', fmtDateTime(c.started_at)), h('td', fmtDateTime(c.planned_at)),
        h('td.num', fmtDuration(c.duration_s)), h('td.num', fmtMoney(c.cost, c.currency)),
        h('td.actions',
          h('button.icon-btn', { type: 'button', title: t('Play the conversation'), 'aria-label': t('Play the conversation'),
            disabled: c.recording_url ? null : true, dataset: { testid: 'play' }, on: { click: () => togglePlayer(c, tr) } }, icon('play')),
          h('button.icon-btn', { type: 'button', title: t('Call details'), 'aria-label': t('Call details'), dataset: { testid: 'details' },
            on: { click: () => detailsDialog(c.id) } }, icon('info')),
          h('a.icon-btn', { href: `#/scripts/${task ? task.script_id : ''}`, title: t('Open the script'), 'aria-label': t('Open the script') },
            icon('script'))));
      tbody.append(tr);
      if (playing.has(c.id)) tbody.append(playing.get(c.id));
    }
    clear(foot).append(pager(state.page, state.perPage, r.total, (p) => { state.page = p; loadCalls(); }, r.total_exact !== false));
  }

  function togglePlayer(c, tr) {
    if (playing.has(c.id)) {
      playing.get(c.id).remove();
      playing.delete(c.id);
      return;
    }
    const audio = h('audio', { controls: true, preload: 'auto', src: c.recording_url, dataset: { testid: 'player' } });
    const row = h('tr.player-row', h('td', { colspan: 8 }, h('div.player', icon('audio'), h('span.mono', c.phone), audio)));
    playing.set(c.id, row);
    tr.after(row);
    audio.play().catch(() => { /* autoplay may be refused: the controls remain */ });
  }

  async function refresh() {
    try {
      const [tk, st] = await Promise.all([api.get(`/api/v1/tasks/${id}`), api.get(`/api/v1/tasks/${id}/stats`)]);
      if (destroyed) return;
      task = tk;
      drawHead();
      drawStats(st);
    } catch (e) {
      if (!destroyed) toast(e.message, 'err');
      return;
    }
    await loadCalls();
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (!destroyed && task && LIVE.has(task.status)) timer = setTimeout(refresh, POLL_MS);
  }

  refresh();
  return { el, destroy: () => { destroyed = true; clearTimeout(timer); reports.destroy(); } };
}
