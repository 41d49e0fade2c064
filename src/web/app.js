// SPDX-License-Identifier: AGPL-3.0-or-later
// The single-page app: the shell (side menu as in the user guide, header
// with the account, language switch and logout), the login page, and a
// router on location.hash that renders one page module at a time. A page
// is render(params) → {el, destroy?}; destroy stops its timers.
import { api, request, setUnauthorizedHandler } from './api.js';
import { h, clear, icon } from './dom.js';
import { t, lang, setLang } from './i18n.js';

const ROUTES = [
  { re: /^\/tasks\/(\d+)$/, load: () => import('./page_task.js'), menu: 'tasks' },
  { re: /^\/tasks$/, load: () => import('./page_tasks.js'), menu: 'tasks' },
  { re: /^\/templates$/, load: () => import('./page_templates.js'), menu: 'templates' },
  { re: /^\/recall-rules$/, load: () => import('./page_recall.js'), menu: 'recall-rules' },
  { re: /^\/callerid-groups$/, load: () => import('./page_callerid.js'), menu: 'callerid-groups' },
  { re: /^\/dial-plans$/, load: () => import('./page_dialplans.js'), menu: 'dial-plans' },
  { re: /^\/trunks$/, load: () => import('./page_trunks.js'), menu: 'trunks' },
  { re: /^\/routes$/, load: () => import('./page_routes.js'), menu: 'routes' },
  { re: /^\/scripts\/(\d+)$/, load: () => import('./page_script.js'), menu: 'scripts' },
  { re: /^\/scripts$/, load: () => import('./page_scripts.js'), menu: 'scripts' },
  { re: /^\/audio$/, load: () => import('./page_audio.js'), menu: 'audio' },
];

const MENU = [
  { group: 'Calls', items: [
    { id: 'tasks', label: 'Call tasks', icon: 'tasks' },
    { id: 'templates', label: 'Call task templates', icon: 'template' },
  ] },
  { group: 'Telephony', items: [
    { id: 'recall-rules', label: 'Recall rules', icon: 'recall' },
    { id: 'callerid-groups', label: 'Caller ID groups', icon: 'users' },
    { id: 'dial-plans', label: 'Dial plans', icon: 'plan' },
    { id: 'trunks', label: 'Trunks', icon: 'trunk' },
    { id: 'routes', label: 'Call routing', icon: 'route' },
  ] },
  { group: null, items: [
    { id: 'scripts', label: 'Scripts', icon: 'script' },
    { id: 'audio', label: 'Audio files', icon: 'audio' },
  ] },
];

const root = document.getElementById('app');
let me = null;
let current = null;   // {destroy}
let renderSeq = 0;

function langSwitch() {
  const box = h('div.seg.lang', { role: 'group', 'aria-label': t('Language'), dataset: { testid: 'lang' } });
  for (const l of ['en', 'ru']) {
    box.append(h('button', { type: 'button', class: l === lang() ? 'active' : null, dataset: { lang: l },
      on: { click: () => { setLang(l); route(); } } }, l.toUpperCase()));
  }
  return box;
}

function shell(activeMenu, content) {
  const nav = h('nav.menu', { 'aria-label': t('Main menu') });
  for (const g of MENU) {
    if (g.group) nav.append(h('div.menu-group', t(g.group)));
    for (const it of g.items) {
      nav.append(h('a', { href: '#/' + it.id, class: ['menu-item', it.id === activeMenu ? 'active' : null],
        dataset: { menu: it.id } }, icon(it.icon), h('span', t(it.label))));
    }
  }
  const side = h('aside.sidebar', h('div.sidebar-inner',
    h('a.brand', { href: '#/tasks' }, h('img', { src: '/ui/logo.svg', alt: '' }), h('span', 'voxdial')),
    nav,
    h('div.sidebar-foot', t('Outbound call campaigns with voice bots'))));
  const header = h('header.topbar',
    h('div.topbar-title', me ? me.account.name : ''),
    h('div.spacer'),
    langSwitch(),
    h('div.user', h('span.avatar', (me ? me.user.email[0] : '?').toUpperCase()), h('span.user-email', me ? me.user.email : '')),
    h('button.btn.btn-ghost', { type: 'button', dataset: { testid: 'logout' }, on: { click: logout } }, icon('logout'), t('Log out')));
  return h('div.layout', side, h('div.main', header, h('main.content', content)));
}

async function logout() {
  try { await api.post('/api/v1/auth/logout', {}); } catch (e) { /* the session may be gone already */ }
  me = null;
  location.hash = '#/login';
}

function loginPage() {
  const email = h('input', { type: 'email', id: 'login-email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true });
  const err = h('div.form-error', { role: 'alert', hidden: true });
  const btn = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('Log in'));
  const form = h('form.login-card', { novalidate: true },
    h('div.login-brand', h('img', { src: '/ui/logo.svg', alt: '' }), h('span', 'voxdial')),
    h('p.login-sub', t('Outbound call campaigns with voice bots')),
    err,
    h('div.field', { dataset: { path: 'email' } }, h('label', { for: 'login-email' }, t('Email')), email),
    h('div.field', { dataset: { path: 'password' } }, h('label', { for: 'login-password' }, t('Password')), password),
    btn,
    h('div.login-lang', langSwitch()));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    for (const x of form.querySelectorAll('.field-error')) x.remove();
    for (const x of form.querySelectorAll('.has-error')) x.classList.remove('has-error');
    btn.disabled = true;
    try {
      await request('POST', '/api/v1/auth/login', { body: { email: email.value, password: password.value }, noAuthRedirect: true });
      me = await request('GET', '/api/v1/me', { noAuthRedirect: true });
      location.hash = '#/tasks';
    } catch (ex) {
      const f = ex.field && form.querySelector(`[data-path="${ex.field}"]`);
      if (f) {
        f.classList.add('has-error');
        f.append(h('div.field-error', ex.message));
      } else {
        err.textContent = ex.status === 401 ? t('Wrong email or password') : ex.message;
        err.hidden = false;
      }
    } finally {
      btn.disabled = false;
    }
  });
  return h('div.login-page', form);
}

async function route() {
  const my = ++renderSeq;
  if (current && current.destroy) current.destroy();
  current = null;
  document.documentElement.lang = lang();
  const path = (location.hash || '#/tasks').slice(1) || '/tasks';
  if (path === '/login') {
    document.title = t('Log in') + ' · voxdial';
    clear(root).append(loginPage());
    root.className = '';
    return;
  }
  if (!me) {
    try {
      me = await request('GET', '/api/v1/me', { noAuthRedirect: true });
    } catch (e) {
      if (my !== renderSeq) return;
      location.hash = '#/login';
      return;
    }
  }
  const r = ROUTES.find((x) => x.re.test(path));
  if (!r) { location.hash = '#/tasks'; return; }
  const params = path.match(r.re).slice(1);
  const mod = await r.load();
  if (my !== renderSeq) return;
  const page = mod.render(params);
  current = page;
  const label = MENU.flatMap((g) => g.items).find((x) => x.id === r.menu);
  document.title = (label ? t(label.label) : '') + ' · voxdial';
  clear(root).append(shell(r.menu, page.el));
  root.className = '';
}

setUnauthorizedHandler(() => {
  me = null;
  if (location.hash !== '#/login') location.hash = '#/login';
});
window.addEventListener('hashchange', route);
route();
