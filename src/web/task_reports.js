// SPDX-License-Identifier: AGPL-3.0-or-later
// Call reports on the task page: "Export call report" and "Export call
// report with variables" queue an XLSX export (POST /api/v1/tasks/{id}/reports),
// then the task's reports (GET /api/v1/tasks/{id}/reports, newest first) are
// listed and polled while one is queued or running, with its progress shown
// until a download link appears. The list comes from the server, so reports
// survive a reload and are seen from any browser of the account.
import { api } from './api.js';
import { h, clear, icon, toast, fmtDateTime } from './dom.js';
import { t } from './i18n.js';

const POLL_MS = 1000;
const SHOWN = 10;       // the newest reports listed

/** The panel: { buttons (for the page's action bar), el (the list), destroy }. */
export function reportsPanel(taskId) {
  let destroyed = false;
  let timer = null;
  const rows = new Map();            // report id → { el, last }
  const list = h('div.report-list', { dataset: { testid: 'reports' } });
  const el = h('div.reports', { hidden: true }, h('h2.section-title', t('Call reports')), h('div.card.pad', list));

  function button(withVariables, label, testid) {
    const b = h('button.btn', { type: 'button', dataset: { testid }, on: { click: async () => {
      b.disabled = true;
      try {
        await api.post(`/api/v1/tasks/${taskId}/reports`, { with_variables: withVariables });
        toast(t('The report is being prepared'));
        poll();
      } catch (e) {
        toast(e.message, 'err');
      } finally {
        b.disabled = false;
      }
    } } }, icon('download'), t(label));
    return b;
  }
  const buttons = [button(false, 'Export call report', 'export-report'),
    button(true, 'Export call report with variables', 'export-report-vars')];

  function draw(r) {
    let row = rows.get(r.id);
    if (!row) {
      row = { el: h('div.report-row', { dataset: { testid: 'report', id: String(r.id) } }) };
      rows.set(r.id, row);
    }
    const pct = Math.round((r.progress || 0) * 100);
    const name = t(r.with_variables ? 'Call report with variables' : 'Call report');
    let right;
    if (r.status === 'done') {
      right = h('a.btn.btn-primary.btn-small', { href: r.file_url, download: '', dataset: { testid: 'report-download' } },
        icon('download'), t('Download call report'));
    } else if (r.status === 'failed') {
      right = h('span.report-error', { dataset: { testid: 'report-error' } }, t('Failed') + (r.error ? ': ' + r.error : ''));
    } else {
      const bar = h('div.progress-bar');
      bar.style.width = pct + '%';
      right = h('div.report-progress', { dataset: { testid: 'report-progress' } },
        h('div.progress', { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct) }, bar),
        h('span.muted', r.status === 'queued' ? t('Queued') : `${pct}% · ${r.rows_done.toLocaleString()} / ${r.rows_total.toLocaleString()}`));
    }
    clear(row.el).append(
      h('div.report-name', icon('download'), h('span', name), h('span.muted', ' #' + r.id + ' · ' + fmtDateTime(r.created_at))),
      right);
  }

  async function poll() {
    clearTimeout(timer);
    if (destroyed) return;
    let r;
    try {
      r = await api.get(`/api/v1/tasks/${taskId}/reports`, { per_page: SHOWN });
    } catch (e) {
      if (!destroyed && e.status !== 404) timer = setTimeout(poll, POLL_MS * 5);
      return;
    }
    if (destroyed) return;
    r.items.forEach(draw);
    clear(list).append(...r.items.map((x) => rows.get(x.id).el));
    el.hidden = r.items.length === 0;
    if (r.items.some((x) => x.status === 'queued' || x.status === 'running')) timer = setTimeout(poll, POLL_MS);
  }

  poll();
  return { buttons, el, destroy: () => { destroyed = true; clearTimeout(timer); } };
}
