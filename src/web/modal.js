// SPDX-License-Identifier: AGPL-3.0-or-later
// Modal dialogs: a form dialog that keeps everything typed when the save
// fails (the error goes next to its field), a confirmation, and a plain
// information dialog.
import { h, icon } from './dom.js';
import { t } from './i18n.js';

let openCount = 0;

/** open({title, body, footer, wide}) → {close(), el} */
export function openModal({ title, body, footer, wide, onClose, testid }) {
  const close = () => {
    overlay.remove();
    document.removeEventListener('keydown', onKey);
    if (--openCount === 0) document.body.classList.remove('modal-open');
    if (onClose) onClose();
  };
  const onKey = (e) => { if (e.key === 'Escape') close(); };
  const dialog = h('div', { class: ['modal', wide ? 'modal-wide' : null], role: 'dialog', 'aria-modal': 'true',
    'aria-label': title, dataset: testid ? { testid } : {} },
  h('div.modal-head', h('h2', title),
    h('button.icon-btn', { type: 'button', title: t('Close'), 'aria-label': t('Close'), on: { click: close } }, icon('close'))),
  h('div.modal-body', body),
  footer ? h('div.modal-foot', footer) : null);
  const overlay = h('div.overlay', { on: { mousedown: (e) => { if (e.target === overlay) close(); } } }, dialog);
  document.body.append(overlay);
  document.body.classList.add('modal-open');
  openCount++;
  document.addEventListener('keydown', onKey);
  const first = dialog.querySelector('input:not([type=hidden]),select,textarea');
  if (first) setTimeout(() => first.focus(), 0);
  return { close, el: dialog };
}

/**
 * formModal({title, form, save: async (values) => void, saveLabel}):
 * Save runs save(form.values()); an ApiError is shown at its field and the
 * dialog stays open with every value as typed.
 */
export function formModal({ title, form, save, saveLabel = 'Save', wide, extra, testid }) {
  const saveBtn = h('button.btn.btn-primary', { type: 'submit' }, t(saveLabel));
  const cancelBtn = h('button.btn', { type: 'button' }, t('Cancel'));
  const m = openModal({ title, body: [form.el, extra || null], wide, testid,
    footer: [cancelBtn, saveBtn] });
  cancelBtn.addEventListener('click', () => m.close());
  const submit = async (e) => {
    if (e) e.preventDefault();
    form.clearErrors();
    saveBtn.disabled = true;
    saveBtn.classList.add('busy');
    try {
      await save(form.values());
      m.close();
    } catch (err) {
      if (err && err.status !== undefined) form.setError(err.field, err.message);
      else form.showError(String(err && err.message ? err.message : err));
    } finally {
      saveBtn.disabled = false;
      saveBtn.classList.remove('busy');
    }
  };
  saveBtn.addEventListener('click', submit);
  form.el.addEventListener('submit', submit);
  return m;
}

/** confirm(message) → Promise<boolean> */
export function confirmModal(title, message, okLabel = 'OK') {
  return new Promise((resolve) => {
    let answered = false;
    const ok = h('button.btn.btn-danger', { type: 'button' }, t(okLabel));
    const cancel = h('button.btn', { type: 'button' }, t('Cancel'));
    const m = openModal({ title, body: h('p.confirm-text', message), footer: [cancel, ok], testid: 'confirm',
      onClose: () => { if (!answered) resolve(false); } });
    ok.addEventListener('click', () => { answered = true; resolve(true); m.close(); });
    cancel.addEventListener('click', () => { answered = true; resolve(false); m.close(); });
    setTimeout(() => ok.focus(), 0);
  });
}
