// SPDX-License-Identifier: AGPL-3.0-or-later
// The list page every resource shares: a title with the "new" button, a
// search box (q), optional extra filters, a table with edit/delete actions,
// page size 10/50/100 and paging; add and edit open a form dialog.
import { api } from './api.js';
import { h, clear, icon, toast, debounce } from './dom.js';
import { buildForm } from './form.js';
import { formModal, confirmModal } from './modal.js';
import { t } from './i18n.js';

/** Page size selector 10/50/100; onChange(n). */
export function pageSizeControl(value, onChange) {
  const wrap = h('div.seg', { role: 'group', 'aria-label': t('Page size'), dataset: { testid: 'page-size' } });
  for (const n of [10, 50, 100]) {
    const b = h('button', { type: 'button', class: n === value ? 'active' : null, dataset: { size: String(n) },
      on: { click: () => { for (const x of wrap.children) x.classList.toggle('active', x === b); onChange(n); } } }, String(n));
    wrap.append(b);
  }
  return wrap;
}

/** « 1 2 3 » pager; onPage(n). */
// exact false: the server stopped counting at `total` (a call period over
// a large task); shown as "10,000+" and the last page is not offered.
export function pager(page, perPage, total, onPage, exact = true) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const el = h('div.pager', { dataset: { testid: 'pager' } });
  const from = total === 0 ? 0 : (page - 1) * perPage + 1;
  const to = Math.min(total, page * perPage);
  el.append(h('span.pager-info', `${from.toLocaleString()}–${to.toLocaleString()} ${t('of')} ${total.toLocaleString()}${exact ? '' : '+'}`));
  const btn = (label, p, disabled, active) => h('button', { type: 'button', disabled: disabled || null,
    class: active ? 'active' : null, dataset: { page: String(p) }, on: { click: () => onPage(p) } }, label);
  el.append(btn('‹', page - 1, page <= 1));
  const shown = new Set([1, exact ? pages : 0, page - 1, page, page + 1].filter((p) => p >= 1 && p <= pages));
  let last = 0;
  for (const p of [...shown].sort((a, b) => a - b)) {
    if (p - last > 1) el.append(h('span.pager-gap', '…'));
    el.append(btn(p.toLocaleString(), p, false, p === page));
    last = p;
  }
  if (!exact && page + 1 < pages) el.append(h('span.pager-gap', '…'));
  el.append(btn('›', page + 1, page >= pages));
  return el;
}

export function pageHeader(title, ...actions) {
  return h('div.page-head', h('h1', title), h('div.page-actions', actions));
}

/**
 * crudPage(cfg) → {el, reload}. cfg: {title, base, newLabel, newTitle,
 * editTitle, columns: [{label, render(item), cls}], fields(item) → specs,
 * toBody(values, item), fromItem(item), defaults, filters: () => {el,
 * query()}, rowActions(item), testid, afterSave(item, isNew)}.
 */
export function crudPage(cfg) {
  const state = { page: 1, perPage: 10, q: '' };
  const tbody = h('tbody');
  const pagerBox = h('div.table-foot');
  const extra = cfg.filters ? cfg.filters(() => { state.page = 1; load(); }) : null;

  const search = h('input.search', { type: 'search', placeholder: t(cfg.searchPlaceholder || 'Search by name'),
    'aria-label': t('Search'), dataset: { testid: 'search' },
    on: { input: debounce(() => { state.q = search.value.trim(); state.page = 1; load(); }) } });

  const newBtn = h('button.btn.btn-primary', { type: 'button', dataset: { testid: 'new' }, on: { click: () => (cfg.onNew ? cfg.onNew(load) : edit(null)) } },
    icon('plus'), t(cfg.newLabel));

  const table = h('table.table', h('thead', h('tr', cfg.columns.map((c) => h('th', { class: c.cls || null }, t(c.label))),
    h('th.actions-col', t('Actions')))), tbody);

  const el = h('section.page', { dataset: { testid: cfg.testid || '' } },
    pageHeader(t(cfg.title), newBtn),
    h('div.toolbar', h('div.search-wrap', icon('search'), search), extra ? extra.el : null, h('div.spacer'),
      pageSizeControl(state.perPage, (n) => { state.perPage = n; state.page = 1; load(); })),
    h('div.card.table-card', h('div.table-scroll', table), pagerBox));

  let seq = 0;
  async function load() {
    const my = ++seq;
    const query = { page: state.page, per_page: state.perPage, q: state.q, ...(extra ? extra.query() : {}) };
    let r;
    try {
      r = await api.get(cfg.base, query);
    } catch (e) {
      if (my !== seq) return;
      clear(tbody).append(h('tr', h('td.empty', { colspan: cfg.columns.length + 1 }, e.message)));
      return;
    }
    if (my !== seq) return;
    clear(tbody);
    if (r.items.length === 0) {
      tbody.append(h('tr', h('td.empty', { colspan: cfg.columns.length + 1 }, t('Nothing here yet'))));
    }
    for (const item of r.items) {
      const actions = h('td.actions',
        cfg.rowActions ? cfg.rowActions(item, load) : null,
        h('button.icon-btn', { type: 'button', title: t('Edit'), 'aria-label': t('Edit'), dataset: { testid: 'edit' },
          on: { click: () => (cfg.onEdit ? cfg.onEdit(item, load) : edit(item)) } }, icon('edit')),
        h('button.icon-btn.danger', { type: 'button', title: t('Delete'), 'aria-label': t('Delete'), dataset: { testid: 'delete' },
          on: { click: () => remove(item) } }, icon('trash')));
      tbody.append(h('tr', { dataset: { id: String(item.id) } },
        cfg.columns.map((c) => h('td', { class: c.cls || null }, c.render(item))), actions));
    }
    clear(pagerBox).append(pager(state.page, state.perPage, r.total, (p) => { state.page = p; load(); }));
  }

  async function edit(item) {
    let full = item;
    if (item) {
      try { full = await api.get(`${cfg.base}/${item.id}`); } catch (e) { toast(e.message, 'err'); return; }
    }
    const initial = full ? (cfg.fromItem ? cfg.fromItem(full) : full) : structuredClone(cfg.defaults || {});
    const form = buildForm(cfg.fields(full), initial);
    let cur = full;   // after a create whose afterSave failed, Save updates it
    formModal({
      title: t(full ? cfg.editTitle : cfg.newTitle || cfg.newLabel),
      form, wide: cfg.wide, testid: 'edit-dialog',
      extra: cfg.formExtra ? cfg.formExtra(form, full) : null,
      save: async (values) => {
        const body = cfg.toBody ? cfg.toBody(values, cur) : values;
        const isNew = !cur;
        const saved = cur ? await api.put(`${cfg.base}/${cur.id}`, body) : await api.post(cfg.base, body);
        cur = saved;
        load();
        if (cfg.afterSave) await cfg.afterSave(saved, isNew, values);
        toast(t('Saved'));
      },
    });
  }

  async function remove(item) {
    const ok = await confirmModal(t('Delete'), `${t('Delete')} «${item.name}»?`, 'OK');
    if (!ok) return;
    try {
      await api.del(`${cfg.base}/${item.id}`);
      toast(t('Deleted'));
      load();
    } catch (e) {
      toast(e.message, 'err');
    }
  }

  load();
  return { el, reload: load, edit };
}
