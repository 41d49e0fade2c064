// SPDX-License-Identifier: AGPL-3.0-or-later
// Browser tests of the web UI: Playwright (playwright-core) driving
// Debian's Chromium against a running `voxdial serve`.
//
//   node tests/e2e/run.mjs BASE_URL EMAIL PASSWORD OUTDIR [CARRIER_PORT]
//
// BASE_URL is the server (http://127.0.0.1:PORT), EMAIL/PASSWORD an account
// admin, OUTDIR receives a screenshot of every page, CARRIER_PORT is the
// SIPp carrier (tests/sipp/carrier.xml) the trunk points at; without it the
// campaign steps are skipped. Every step is one check; the last line is
// "N passed, M failed" and the exit code is 0 only when nothing failed.
// tests/integration/test_e2e.py starts the server and the carrier and runs
// this under ctest.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const [BASE, EMAIL, PASSWORD, OUTDIR, CARRIER_PORT] = process.argv.slice(2);
if (!BASE || !EMAIL || !PASSWORD || !OUTDIR) {
  console.error('usage: node run.mjs BASE_URL EMAIL PASSWORD OUTDIR [CARRIER_PORT]');
  process.exit(2);
}
fs.mkdirSync(OUTDIR, { recursive: true });
const T0 = Date.now();
let passed = 0, failed = 0;
const consoleErrors = [];

function log(s) { process.stdout.write(s + '\n'); }

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed++;
    log(`FAIL ${name}: ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n     ')}`);
    try {
      await page.screenshot({ path: path.join(OUTDIR, `fail-${name.replace(/\W+/g, '_')}.png`) });
      // close what the failed step left open so the next step starts clean
      for (let i = 0; i < 3 && await page.locator('.modal').count(); i++) await page.keyboard.press('Escape');
    } catch (x) { /* page gone */ }
  }
}

function expect(cond, what) { if (!cond) throw new Error(what); }

// Whole pages, but the viewport while a dialog is open (a fixed overlay
// over a scrolled full-page capture comes out misplaced).
async function shot(name) {
  // let opening animations (the dialog's fade) finish: a capture mid-fade
  // shows the page through the dialog
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' ||
    a.effect.getTiming().iterations === Infinity), null, { timeout: 2000 }).catch(() => {});
  const modal = (await page.locator('.modal').count()) > 0;
  await page.screenshot({ path: path.join(OUTDIR, name + '.png'), fullPage: !modal });
}

/** Polls fn() until truthy (deadline ms). */
async function until(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function wav(seconds = 1, rate = 16000) {
  const n = Math.floor(seconds * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + i * 2);
  return b;
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vd-e2e-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  viewport: { width: 1440, height: 900 },
  locale: 'en-GB',
  timezoneId: 'UTC',
});
context.setDefaultTimeout(10000);
const page = context.pages()[0] || await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));

// ---- XLSX (a zip of XML parts) without dependencies: the central
// directory lists the entries; each is stored or raw-deflated. ----
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = {};
  for (let i = 0; i < n; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    files[name] = method === 0 ? data : zlib.inflateRawSync(data);
    p += 46 + nlen + xlen + clen;
  }
  return files;
}
/** The first sheet as rows of cell texts (inline or shared strings, numbers). */
function xlsxRows(buf) {
  const files = unzip(buf);
  const unesc = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const shared = [];
  const ss = files['xl/sharedStrings.xml'];
  if (ss) for (const m of ss.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)) shared.push(unesc(m[1].replace(/<[^>]+>/g, '')));
  const xml = files['xl/worksheets/sheet1.xml'].toString('utf8');
  const rows = [];
  for (const r of xml.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = [];
    // r is optional: a cell without it is the column after the previous one
    for (const c of r[1].matchAll(/<c(?: r="([A-Z]+)\d+")?([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      let col = 0;
      if (c[1]) for (const ch of c[1]) col = col * 26 + ch.charCodeAt(0) - 64;
      else col = cells.length + 1;
      const body = c[3] || '';
      let v;
      if (/t="inlineStr"/.test(c[2])) v = unesc(body.replace(/<[^>]+>/g, ''));
      else if (/t="s"/.test(c[2])) v = shared[Number(body.replace(/<[^>]+>/g, ''))];
      else v = Number(body.replace(/<[^>]+>/g, ''));
      cells[col - 1] = v;
    }
    rows.push(cells);
  }
  return rows;
}

// ---- helpers over the app's markup ----
const dialog = () => page.locator('.modal').last();
const field = (root, p) => root.locator(`[data-path="${p}"]`).first();
async function fill(root, p, value) {
  const f = field(root, p);
  const input = f.locator('input:not([type=checkbox]):not([type=file]), textarea').first();
  await input.fill(String(value));
}
async function choose(root, p, label) {
  await field(root, p).locator('select').first().selectOption({ label });
}
async function save() {
  await dialog().locator('.modal-foot .btn-primary').click();
}
async function savedAndClosed() {
  await until(async () => (await page.locator('.modal').count()) === 0, 'the dialog to close');
}
async function fieldError(root, p) {
  const e = field(root, p).locator('.field-error').first();
  await e.waitFor();
  return e.textContent();
}
async function goto(hash, testid) {
  await page.goto(BASE + '/' + hash);
  if (testid) await page.locator(`section[data-testid="${testid}"]`).waitFor();
  await page.waitForLoadState('networkidle');
}
async function rowCount(loc = 'section.page tbody tr[data-id]') { return page.locator(loc).count(); }

const ids = {};
let taskUrl = '';

await step('login page, wrong password, then log in', async () => {
  await page.goto(BASE + '/');
  await page.locator('#login-email').waitFor();
  expect(page.url().endsWith('#/login'), 'unauthenticated visit lands on #/login');
  await shot('01-login');
  await page.fill('#login-email', EMAIL);
  await page.fill('#login-password', 'wrong-password');
  await page.click('form.login-card button[type=submit]');
  await page.locator('.login-card .form-error:not([hidden])').waitFor();
  expect(await page.inputValue('#login-email') === EMAIL, 'the email is kept after a failed login');
  await page.fill('#login-password', PASSWORD);
  await page.click('form.login-card button[type=submit]');
  await page.locator('section[data-testid="tasks"]').waitFor();
  const cookies = await context.cookies(BASE);
  const c = cookies.find((x) => x.name === 'vd_session');
  expect(c && c.httpOnly, 'an HttpOnly session cookie');
  expect(await page.evaluate(() => document.cookie.includes('vd_session')) === false, 'the session is out of script reach');
  expect(await page.evaluate(() => Object.keys(localStorage).every((k) => k === 'vd_lang')), 'no token in localStorage');
});

await step('side menu as in the guide', async () => {
  const labels = await page.locator('nav.menu').innerText();
  for (const s of ['Calls', 'Call tasks', 'Call task templates', 'Telephony', 'Recall rules', 'Caller ID groups', 'Dial plans',
    'Trunks', 'Call routing', 'Scripts', 'Audio files']) expect(labels.toLowerCase().includes(s.toLowerCase()), 'menu has ' + s);
});

await step('trunk: a validation error at its field, then created', async () => {
  await goto('#/trunks', 'trunks');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'SIPp carrier');
  await fill(d, 'host', 'bad host!');
  await fill(d, 'port', CARRIER_PORT || 5060);
  await fill(d, 'default_caller_id', '+74950000001');
  await fill(d, 'max_channels', 50);
  await fill(d, 'max_cps', 50);
  await save();
  const msg = await fieldError(d, 'host');
  expect(/host/i.test(msg), 'host error names the host: ' + msg);
  expect(await field(d, 'name').locator('input').inputValue() === 'SIPp carrier', 'typed name kept');
  expect(await field(d, 'port').locator('input').inputValue() === String(CARRIER_PORT || 5060), 'typed port kept');
  await shot('02-trunk-validation');
  await fill(d, 'host', '127.0.0.1');
  await save();
  await savedAndClosed();
  await page.locator('section[data-testid="trunks"] tbody tr[data-id]').first().waitFor();
  ids.trunk = Number(await page.locator('section[data-testid="trunks"] tbody tr[data-id]').first().getAttribute('data-id'));
  await shot('03-trunks');
});

await step('dial plan with a tariff', async () => {
  await goto('#/dial-plans', 'dial-plans');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'Carrier plan');
  await choose(d, 'trunk_id', 'SIPp carrier');
  await fill(d, 'tariff.per_minute', '1.5');
  await fill(d, 'tariff.billing_step_s', '60');
  await shot('04-dial-plan-dialog');
  await save();
  await savedAndClosed();
  await until(async () => /1\.5 RUB/.test(await page.locator('section[data-testid="dial-plans"] tbody').innerText()), 'the plan row');
  await shot('05-dial-plans');
});

await step('caller ID group with numbers per trunk', async () => {
  await goto('#/callerid-groups', 'callerid-groups');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'Moscow numbers');
  await field(d, 'numbers[0].number').locator('input').fill('+74950000011');
  await field(d, 'numbers[0].trunk_id').locator('select').selectOption({ label: 'SIPp carrier' });
  await d.locator('[data-testid="new-number"]').click();
  await field(d, 'numbers[1].number').locator('input').fill('+74950000011');
  await field(d, 'numbers[1].trunk_id').locator('select').selectOption({ label: 'SIPp carrier' });
  await save();
  const msg = await fieldError(d, 'numbers[1]');
  expect(/duplicate/i.test(msg), 'the duplicate number is flagged on its row: ' + msg);
  await field(d, 'numbers[1].number').locator('input').fill('+74950000012');
  await save();
  await savedAndClosed();
  await until(async () => /\+74950000012/.test(await page.locator('section[data-testid="callerid-groups"] tbody').innerText()), 'the group row');
  await shot('06-callerid-groups');
});

await step('recall rules with the live preview', async () => {
  await goto('#/recall-rules', 'recall-rules');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'Busy twice');
  await field(d, 'rules.busy.interval_s').locator('input').fill('2');
  await field(d, 'rules.busy.attempts').locator('input').fill('2');
  const result = d.locator('[data-testid="preview-result"]');
  await until(async () => (await result.locator('tbody tr').count()) === 2, 'two preview rows for busy, busy');
  await d.locator('[data-testid="recall-preview"] button[data-outcome="busy"]').click();
  await until(async () => /Finished/.test(await result.innerText()), 'the third busy finishes the client');
  expect(/\+2 s/.test(await result.innerText()), 'the 2 s interval shows in the schedule');
  await shot('07-recall-preview');
  await d.locator('[data-testid="preview-clear"]').click();
  await d.locator('[data-testid="recall-preview"] button[data-outcome="busy"]').click();
  await d.locator('[data-testid="recall-preview"] button[data-outcome="completed"]').click();
  await until(async () => /client reached/.test(await result.innerText()), 'an answer stops the recalls');
  await field(d, 'rules.busy.attempts').locator('input').fill('0');
  await save();
  const msg = await fieldError(d, 'rules.busy.attempts');
  expect(/between|at least|must/i.test(msg), 'attempts 0 refused at its field: ' + msg);
  await field(d, 'rules.busy.attempts').locator('input').fill('2');
  await save();
  await savedAndClosed();
  await until(async () => /Busy twice/.test(await page.locator('section[data-testid="recall-rules"] tbody').innerText()), 'the rule row');
  await shot('08-recall-rules');
});

await step('route: invalid pattern checked inline and by the server, then created', async () => {
  await goto('#/routes', 'routes');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'Operators PBX');
  await field(d, 'pattern').locator('input').fill('_8[5-2]XX');
  const inline = await d.locator('[data-testid="pattern-check"]').innerText();
  expect(/position 6/.test(inline), 'the inline check names the position: ' + inline);
  await d.locator('[data-testid="add-trunk"]').selectOption({ label: 'SIPp carrier' });
  await save();
  const msg = await fieldError(d, 'pattern');
  expect(/position 6/.test(msg), 'the server error at the pattern field names the position: ' + msg);
  expect(await field(d, 'name').locator('input').inputValue() === 'Operators PBX', 'typed name kept');
  await shot('09-route-validation');
  await field(d, 'pattern').locator('input').fill('_8XXXXXXXXXX');
  expect(/valid/i.test(await d.locator('[data-testid="pattern-check"]').innerText()), 'valid pattern acknowledged');
  await save();
  await savedAndClosed();
  await until(async () => /_8XXXXXXXXXX/.test(await page.locator('section[data-testid="routes"] tbody').innerText()), 'the route row');
  await shot('10-routes');
});

await step('script: JSON editor checks at the block, the diagram, the API\'s 422 at its path', async () => {
  await goto('#/scripts', 'scripts');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await fill(d, 'name', 'Delivery survey');
  await save();
  await page.locator('section[data-testid="script"] [data-testid="diagram"] svg').waitFor();
  ids.script = Number(page.url().match(/scripts\/(\d+)/)[1]);
  // what the editor saved is the documented graph (docs/internals/script.md)
  const stored = await page.evaluate(async (id) => (await (await fetch(`/api/v1/scripts/${id}`)).json()).graph, ids.script);
  expect(stored.start === 'hello' && stored.blocks.ask.timeout_ms === 5000 && stored.blocks.ask.no_input === 'silent' &&
    Array.isArray(stored.blocks.ask.branches) && stored.blocks.ask.branches[0].keywords.includes('yes') &&
    stored.blocks.ask.branches[2].digits === '1' && stored.blocks.agreed.forward.type === 'task_default',
  'the documented graph: ' + JSON.stringify(stored.blocks.ask));
  expect(await page.locator('[data-testid="diagram"] g.block').count() === 6, 'six blocks drawn');
  // seven links, two pairs of them parallel (yes/#1 → agreed, no/no match → declined): five arrows
  expect(await page.locator('[data-testid="diagram"] path.edge').count() === 5, 'five arrows drawn');
  const ta = page.locator('[data-testid="graph-json"]');
  const check = page.locator('[data-testid="graph-check"]');
  const good = await ta.inputValue();
  await ta.fill(good.replace('"next": "ask"', '"next": "nowhere"'));
  await until(async () => /hello › next.*links to "nowhere"/.test(await check.innerText()), 'the broken link named at its block and field');
  expect(await page.locator('[data-testid="diagram"] g.block-error[data-block="hello"]').count() === 1, 'the block marked in the diagram');
  await check.locator('li.bad button').first().click();
  const sel = await ta.evaluate((x) => x.value.slice(x.selectionStart, x.selectionEnd));
  expect(sel === '"next": "nowhere"', 'the message selects the field in the text: ' + sel);
  await ta.fill(good.replace('"timeout_ms": 5000', '"timeout_ms": 50'));
  await until(async () => /ask › timeout_ms/.test(await check.innerText()), 'a bound named at its field');
  await ta.fill(good.replace('"type": "say",', '"type": "say"'));
  await until(async () => /line \d+/.test(await check.innerText()), 'the syntax error line');
  await page.click('[data-testid="save"]');
  await page.locator('[data-path="graph"] .field-error').waitFor();
  await shot('11-script-error');
  // a loop without an ask: only the API sees it; its 422 names the link
  await ta.fill(good.replace('"All operators are busy. We will call you back."',
    '"All operators are busy. We will call you back.",\n      "next": "agreed"'));
  await until(async () => /valid/.test(await check.innerText()), 'valid for the editor');
  await page.click('[data-testid="save"]');
  const srvErr = page.locator('[data-testid="server-error"]');
  await srvErr.waitFor();
  const path = await srvErr.getAttribute('data-path');
  expect(/^graph\.blocks\.(sorry|agreed)\.(next|fallback)$/.test(path), 'the API names the closing link: ' + path);
  const block = path.split('.')[2];
  expect(await page.locator(`[data-testid="diagram"] g.block-error[data-block="${block}"]`).count() === 1, 'that block marked');
  expect((await srvErr.innerText()).startsWith(`${block} › `), 'the message starts with block › field');
  const typed = await ta.inputValue();
  expect(typed.includes('"next": "agreed"'), 'the text typed is kept');
  await shot('12-script-server-error');
  await ta.fill(good);
  await until(async () => /valid/.test(await check.innerText()), 'valid again');
  await page.click('[data-testid="save"]');
  await page.locator('.toast').first().waitFor();
  await shot('12-script');
});

await step('audio file: upload a .wav and listen', async () => {
  await goto('#/audio', 'audio');
  await page.click('[data-testid="new"]');
  const d = dialog();
  await d.locator('[data-testid="audio-file"]').setInputFiles({ name: 'office.wav', mimeType: 'audio/wav', buffer: wav(1) });
  expect(await d.locator('#audio-name').inputValue() === 'office', 'name taken from the file');
  await d.locator('#audio-kind').selectOption('ambient');
  await d.locator('[data-testid="audio-upload"]').click();
  await savedAndClosed();
  const audio = page.locator('section[data-testid="audio"] tbody audio').first();
  await audio.waitFor();
  await audio.evaluate((a) => { a.preload = 'auto'; a.load(); });
  await until(() => audio.evaluate((a) => a.readyState >= 1 && a.duration > 0.9), 'the audio element to load');
  await shot('13-audio');
});

const CLIENTS = 'phone,client_id,name\n' + [0, 1, 3, 4, 5, 7, 8, 9, 0, 1, 3, 0].map((d, i) =>
  `7916123${String(i).padStart(3, '0')}${d},c${i},Client ${i}`).join('\n') + '\n';

await step('task: dependent fields, cps 0 refused at its field, saved with a clients file', async () => {
  await goto('#/tasks', 'tasks');
  await page.click('[data-testid="new"]');
  const d = dialog();
  const text = await d.innerText();
  for (const s of ['Add new call task', 'Task name', 'Please select script', 'Dial plan', 'Ambient noise',
    'Human/Robot identification system', 'Definable phone number', 'Redirect by default', 'Task start mode',
    'Number of simultaneous calls', 'Call candidates file', 'Recall rules']) expect(text.includes(s), 'dialog says ' + s);
  await fill(d, 'name', 'E2E campaign');
  await field(d, 'script_id').locator('select').selectOption({ label: 'Delivery survey' });
  expect(/clients-template\.csv/.test(await d.locator('[data-testid="download-template"]').getAttribute('href')), 'Download template link');
  await choose(d, 'dial_plan_id', 'Carrier plan');
  // dependent fields appear only with their option
  expect(await field(d, 'caller_id.group_id').isHidden(), 'no group select by default');
  await choose(d, 'caller_id.mode', 'CallerID Groups');
  expect(await field(d, 'caller_id.group_id').isVisible(), 'group select with CallerID Groups');
  await choose(d, 'caller_id.group_id', 'Moscow numbers');
  expect(await field(d, 'amd.mode').isHidden(), 'no AMD mode while disabled');
  await choose(d, 'amd.enabled', 'Enabled');
  await choose(d, 'amd.mode', 'Detection mode with lockout');
  expect(await field(d, 'amd.greeting_audio_id').isVisible(), 'greeting file with lockout');
  await choose(d, 'amd.enabled', 'Disabled');
  await choose(d, 'default_redirect.type', 'Call transfer');
  expect(await field(d, 'default_redirect.route_id').isVisible(), 'route select with Call transfer');
  await choose(d, 'default_redirect.route_id', 'Operators PBX');
  await choose(d, 'start.mode', 'Scheduled');
  expect(await field(d, 'start.at').isVisible(), 'start time with Scheduled');
  await choose(d, 'start.mode', 'Manually');
  await choose(d, 'recall.mode', 'Use template');
  await choose(d, 'recall.rule_set_id', 'Busy twice');
  await fill(d, 'ring_timeout_s', 5);
  await fill(d, 'cps', 0);
  await d.locator('[data-testid="clients-file"]').setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(CLIENTS) });
  await shot('14-task-dialog');
  await save();
  const msg = await fieldError(d, 'cps');
  expect(/cps/.test(msg), 'the cps error at its field: ' + msg);
  expect(await field(d, 'name').locator('input').inputValue() === 'E2E campaign', 'typed name kept');
  expect(await field(d, 'caller_id.group_id').locator('select').inputValue() !== '', 'chosen group kept');
  expect(await d.locator('[data-testid="clients-file"]').evaluate((i) => i.files.length) === 1, 'chosen file kept');
  await shot('15-task-validation');
  await fill(d, 'cps', 20);
  await save();
  const imp = page.locator('[data-testid="import-result"]');
  await imp.waitFor();
  expect(/12\s*Imported/.test(await imp.innerText()), 'twelve clients imported: ' + await imp.innerText());
  await shot('16-import-result');
  await page.keyboard.press('Escape');
  await savedAndClosed();
  await until(async () => /E2E campaign/.test(await page.locator('section[data-testid="tasks"] tbody').innerText()), 'the task row');
  await shot('17-tasks');
});

await step('tasks list: search, status filter, period, page size', async () => {
  const tbody = page.locator('section[data-testid="tasks"] tbody');
  await page.fill('[data-testid="search"]', 'nothing-like-this');
  await until(async () => /Nothing here yet/.test(await tbody.innerText()), 'empty search');
  await page.fill('[data-testid="search"]', 'E2E');
  await until(async () => /E2E campaign/.test(await tbody.innerText()), 'search by name');
  const id = await tbody.locator('tr[data-id]').first().getAttribute('data-id');
  ids.task = Number(id);
  await page.fill('[data-testid="search"]', id);
  await until(async () => (await tbody.locator('tr[data-id]').count()) === 1, 'search by id');
  await page.fill('[data-testid="search"]', '');
  await page.click('[data-testid="status-filter"] button[data-status="running"]');
  await until(async () => /Nothing here yet/.test(await tbody.innerText()), 'no running task yet');
  await page.click('[data-testid="status-filter"] button[data-status="draft"]');
  await until(async () => /E2E campaign/.test(await tbody.innerText()), 'the draft task');
  await page.click('[data-testid="status-filter"] button[data-status="all"]');
  await page.fill('[data-testid="period-from"]', '2099-01-01T00:00');
  await until(async () => /Nothing here yet/.test(await tbody.innerText()), 'no task with calls after 2099');
  await page.click('[data-testid="period-clear"]');
  await until(async () => /E2E campaign/.test(await tbody.innerText()), 'period cleared');
  await page.click('[data-testid="page-size"] button[data-size="50"]');
  await until(async () => /E2E campaign/.test(await tbody.innerText()), 'page size 50');
});

await step('task page: start against the SIPp carrier, charts and call list fill', async () => {
  if (!CARRIER_PORT) throw new Error('no CARRIER_PORT given');
  taskUrl = `#/tasks/${ids.task}`;
  await goto(taskUrl, 'task');
  await page.locator('[data-testid="chart-calls"]').waitFor();
  expect(await page.locator('[data-testid="chart-calls"]').getAttribute('data-total') === '0', 'no calls before start');
  await shot('18-task-draft');
  const t0 = Date.now();
  await page.click('[data-testid="start"]');
  await until(async () => /Running|Completed/.test(await page.locator('.page-head').innerText()), 'the task to run');
  await until(async () => Number(await page.locator('[data-testid="chart-calls"]').getAttribute('data-total')) > 0, 'the calls chart to fill', 30000);
  await until(async () => (await rowCount('[data-testid="calls"] tbody tr[data-id]')) > 0, 'the call list to fill');
  await shot('19-task-running');
  await until(async () => /Completed/.test(await page.locator('.page-head').innerText()), 'the task to complete', 90000);
  await until(async () => Number(await page.locator('[data-testid="chart-calls"]').getAttribute('data-total')) >= 14, 'every call counted', 8000);
  const status = page.locator('[data-testid="chart-status"] li[data-key="finished"] .legend-value');
  expect(await status.innerText() === '12', 'twelve clients finished');
  expect(Number(await page.locator('[data-testid="chart-results"]').getAttribute('data-total')) > 0, 'results chart filled');
  expect(await page.locator('[data-testid="chart-calls"] path, [data-testid="chart-calls"] circle[data-key]').count() >= 3, 'calls pie has slices');
  log(`     campaign ran in ${Date.now() - t0} ms`);
  await shot('20-task-completed');
});

await step('call list: page sizes and filters', async () => {
  const rows = () => rowCount('[data-testid="calls"] tbody tr[data-id]');
  expect(await rows() === 10, 'page size 10 by default');
  await page.click('section[data-testid="task"] [data-testid="page-size"] button[data-size="50"]');
  await until(async () => (await rows()) >= 14, 'page size 50 shows every call');
  await page.fill('[data-testid="filter-client"]', 'c1');
  await until(async () => {
    const txt = await page.locator('[data-testid="calls"] tbody').innerText();
    return (await rows()) >= 1 && txt.split('\n').every((l) => !/\bc\d+\b/.test(l) || /\bc1\b/.test(l));
  }, 'the client ID filter');
  await page.click('[data-testid="filter-clear"]');
  await until(async () => (await rows()) >= 14, 'cleared');
  await page.fill('[data-testid="filter-from"]', '2099-01-01T00:00');
  await until(async () => (await rows()) === 0, 'no call after 2099');
  await page.fill('[data-testid="filter-from"]', '2000-01-01T00:00');
  await until(async () => (await rows()) >= 14, 'every call after 2000');
  await page.selectOption('[data-testid="filter-outcome"]', 'busy');
  await until(async () => (await rows()) >= 1 && (await page.locator('[data-testid="calls"] tbody .badge-busy').count()) === (await rows()), 'busy only');
  await page.click('[data-testid="filter-clear"]');
  await until(async () => (await rows()) >= 14, 'cleared again');
});

await step('play a recording inline and open call details', async () => {
  const play = page.locator('[data-testid="calls"] [data-testid="play"]:not([disabled])').first();
  await play.click();
  const audio = page.locator('[data-testid="player"]');
  await audio.waitFor();
  await until(() => audio.evaluate((a) => a.readyState >= 1 && a.duration > 0), 'the recording to load');
  await shot('21-recording');
  const row = page.locator('[data-testid="calls"] tbody tr[data-id]').filter({ has: page.locator('.badge-completed') }).first();
  await row.locator('[data-testid="details"]').click();
  const d = page.locator('[data-testid="call-details"]');
  await d.waitFor();
  const txt = await d.innerText();
  expect(/SIP code\s*200/.test(txt), 'SIP code 200 shown');
  expect(/Client \d+/.test(await d.locator('[data-testid="call-variables"]').innerText()), 'the name variable shown');
  await shot('22-call-details');
  await page.keyboard.press('Escape');
});

await step('export both call reports, watch the progress, download and read them', async () => {
  const total = Number(await page.locator('[data-testid="chart-calls"]').getAttribute('data-total'));
  for (const [testid, file, vars] of [['export-report', 'task-calls.xlsx', false], ['export-report-vars', 'task-calls-variables.xlsx', true]]) {
    const before = await page.locator('[data-testid="report"]').count();
    await page.click(`[data-testid="${testid}"]`);
    await until(async () => (await page.locator('[data-testid="report"]').count()) > before, 'the report to be listed');
    const row = page.locator('[data-testid="report"]').first();
    await until(async () => (await row.locator('[data-testid="report-download"]').count()) > 0, 'the download button', 30000);
    const [dl] = await Promise.all([page.waitForEvent('download'), row.locator('[data-testid="report-download"]').click()]);
    expect(/^task-\d+-calls(-variables)?\.xlsx$/.test(dl.suggestedFilename()), 'file name ' + dl.suggestedFilename());
    const out = path.join(OUTDIR, file);
    await dl.saveAs(out);
    const rows = xlsxRows(fs.readFileSync(out));
    const head = rows[0];
    expect(head[0] === 'Client ID' && head[1] === 'Phone' && head[2] === 'Status' && head.includes('AMD') &&
      head.includes('Gender') && head.includes('Result'), 'report columns: ' + head.join(', '));
    expect(rows.length - 1 === total, `one row per call: ${rows.length - 1} rows, ${total} calls`);
    expect(rows.slice(1).every((r) => /^\+7\d{10}$/.test(r[1]) && typeof r[3] === 'number' && r[3] > 40000), 'phones and Excel dates');
    expect(head.includes('name') === vars, vars ? 'the name variable has a column' : 'no variable columns');
    if (vars) {
      const col = head.indexOf('name');
      expect(rows.slice(1).every((r) => /^Client \d+$/.test(r[col])), 'every row has its name variable');
    }
  }
  await page.locator('[data-testid="reports"]').scrollIntoViewIfNeeded();
  await shot('23-call-reports');
  // the list comes from the server (GET /api/v1/tasks/{id}/reports), so a
  // reload with an empty localStorage still shows both, newest first
  await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k !== 'vd_lang') localStorage.removeItem(k); });
  await page.reload();
  await until(async () => (await page.locator('[data-testid="report"] [data-testid="report-download"]').count()) === 2,
    'both reports listed after a reload');
  expect(/with variables/.test(await page.locator('[data-testid="report"]').first().innerText()), 'the newest first');
  // a report still being written (18 calls export too fast to catch one):
  // the list answered as the server does mid-export, for the progress bar
  const listUrl = new RegExp(`/api/v1/tasks/${ids.task}/reports`);
  await page.route(listUrl, (route) => route.fulfill({ json: { items: [{ id: 99, task_id: ids.task, with_variables: true,
    status: 'running', rows_total: 1000000, rows_done: 420000, progress: 0.42, created_at: new Date().toISOString(),
    finished_at: null, error: null, file_url: null }], total: 1, page: 1, per_page: 10 } }));
  await page.reload();
  const bar = page.locator('[data-testid="report-progress"] [role="progressbar"]');
  await bar.waitFor();
  expect(await bar.getAttribute('aria-valuenow') === '42', 'the progress bar at 42 %');
  expect(/420000 \/ 1000000|420,000 \/ 1,000,000/.test(await page.locator('[data-testid="report-progress"]').innerText()), 'rows done of total');
  await page.locator('[data-testid="reports"]').scrollIntoViewIfNeeded();
  await shot('23a-report-progress');
  await page.unroute(listUrl);
});

await step('task controls: start (scheduled), pause, resume, cancel with confirmation', async () => {
  // a task scheduled far ahead: Start makes it "scheduled" and nothing is
  // dialed, so each control's state change can be watched
  const id = await page.evaluate(async ({ script }) => {
    const j = async (method, url, body, type = 'application/json') => {
      const r = await fetch(url, { method, headers: { 'Content-Type': type }, body: type === 'application/json' ? JSON.stringify(body) : body });
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const plans = await j('GET', '/api/v1/dial-plans');
    const task = await j('POST', '/api/v1/tasks', { name: 'Later campaign', script_id: script, dial_plan_id: plans.items[0].id,
      cps: 1, start: { mode: 'scheduled', at: '2099-01-01T09:00:00Z' } });
    // eight clients at one call a second: still dialing when Cancel comes
    await j('POST', `/api/v1/tasks/${task.id}/clients`, 'phone\n' + [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `7916123100${i}`).join('\n') + '\n', 'text/csv');
    return task.id;
  }, { script: ids.script });
  await goto(`#/tasks/${id}`, 'task');
  const head = page.locator('.page-head');
  await page.click('[data-testid="start"]');
  await until(async () => /Scheduled/.test(await head.innerText()), 'scheduled after Start');
  await page.click('[data-testid="pause"]');
  await until(async () => /Paused/.test(await head.innerText()), 'paused');
  expect(/Resume/.test(await page.locator('[data-testid="start"]').innerText()), 'Start reads Resume when paused');
  await page.click('[data-testid="start"]');
  // the API resumes a paused task at once (it dials the SIPp carrier now)
  await until(async () => /Running|Scheduled|Completed/.test(await head.innerText()), 'going again after Resume');
  await page.click('[data-testid="cancel"]');
  const c = page.locator('[data-testid="confirm"]');
  await c.waitFor();
  await c.locator('.btn:not(.btn-danger)').click();    // Cancel: nothing happens
  await until(async () => (await page.locator('.modal').count()) === 0, 'the dialog closed');
  expect(!/Cancelled/.test(await head.innerText()), 'not cancelled after declining');
  if (await page.locator('[data-testid="cancel"]').count() === 0) throw new Error('the task ended before it could be cancelled');
  await page.click('[data-testid="cancel"]');
  await c.waitFor();
  await shot('20b-cancel-confirm');
  await c.locator('.btn-danger').click();
  await until(async () => /Cancelled/.test(await head.innerText()), 'cancelled');
  expect(await page.locator('[data-testid="start"], [data-testid="pause"], [data-testid="cancel"]').count() === 0,
    'no controls on a cancelled task');
  await goto('#/tasks', 'tasks');
  await page.click('[data-testid="status-filter"] button[data-status="cancelled"]');
  await until(async () => /Later campaign/.test(await page.locator('section[data-testid="tasks"] tbody').innerText()),
    'the status filter finds it');
  await page.click('[data-testid="status-filter"] button[data-status="all"]');
});

await step('language switch: Russian labels, kept across reloads', async () => {
  await goto('#/tasks', 'tasks');
  await page.click('[data-testid="lang"] button[data-lang="ru"]');
  await until(async () => /Задания на обзвон/.test(await page.locator('nav.menu').innerText()), 'the Russian menu');
  await page.reload();
  await page.locator('section[data-testid="tasks"]').waitFor();
  expect(/Правила перезвона/.test(await page.locator('nav.menu').innerText()), 'still Russian after reload');
  await page.click('[data-testid="new"]');
  const text = await dialog().innerText();
  for (const s of ['Добавить задание на обзвон', 'Название задания', 'Выберите сценарий', 'План набора', 'Фоновый шум',
    'Определяемый номер', 'Переадресация по умолчанию', 'Количество одновременных звонков']) expect(text.includes(s), 'RU dialog says ' + s);
  await shot('23-ru-task-dialog');
  await page.keyboard.press('Escape');
  await goto(taskUrl, 'task');
  await page.locator('[data-testid="calls"] tbody tr[data-id]').first().waitFor();
  await shot('24-ru-task');
  await page.click('[data-testid="lang"] button[data-lang="en"]');
  await until(async () => /Call tasks/.test(await page.locator('nav.menu').innerText()), 'back to English');
});

await step('call task template: create and see the callback secret once', async () => {
  await goto('#/templates', 'templates');
  await page.click('[data-testid="new"]');
  const d = dialog();
  expect(/Add new call task template/.test(await d.innerText()), 'the guide\'s title');
  await fill(d, 'name', 'CRM leads');
  await field(d, 'script_id').locator('select').selectOption({ label: 'Delivery survey' });
  await choose(d, 'dial_plan_id', 'Carrier plan');
  await fill(d, 'callback_url', 'ftp://nope');
  await save();
  expect(/http/.test(await fieldError(d, 'callback_url')), 'callback URL refused at its field');
  await fill(d, 'callback_url', 'https://crm.example/hook');
  await save();
  await page.locator('[data-testid="secret-dialog"]').waitFor();
  await shot('25-template-secret');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await savedAndClosed();
  await until(async () => /CRM leads/.test(await page.locator('section[data-testid="templates"] tbody').innerText()), 'the template row');
  await shot('26-templates');
});

await step('delete with confirmation', async () => {
  const row = page.locator('section[data-testid="templates"] tbody tr[data-id]').first();
  await row.locator('[data-testid="delete"]').click();
  const c = page.locator('[data-testid="confirm"]');
  await c.waitFor();
  await shot('27-confirm-delete');
  await c.locator('.btn-danger').click();
  await until(async () => /Nothing here yet/.test(await page.locator('section[data-testid="templates"] tbody').innerText()), 'the row gone');
});

await step('no console errors and no CSP violations', async () => {
  const bad = consoleErrors.filter((m) => !/status of 4\d\d|401|422|409/.test(m));
  expect(bad.length === 0, 'console errors: ' + bad.join(' | '));
});

await step('log out', async () => {
  await page.click('[data-testid="logout"]');
  await page.locator('#login-email').waitFor();
  await page.goto(BASE + '/#/tasks');
  await page.locator('#login-email').waitFor();
});

// ---- a task with a million calls (a second server, VD_E2E_BIG="BASE EMAIL
// PASSWORD TASK" from test_e2e.py): the task page must be usable in under
// a second, from the navigation to the statistics and the first page of
// calls drawn. The origin differs, so nothing is cached: a cold load. ----
const BIG = (process.env.VD_E2E_BIG || '').split(' ');
const PAGE_TARGET_MS = 1000;
await step('a task with 1,000,000 calls: the task page loads in under 1 s', async () => {
  if (BIG.length !== 4) throw new Error('no VD_E2E_BIG given');
  const [base, email, password, task] = BIG;
  await page.goto(base + '/');
  await page.locator('#login-email').waitFor();
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form.login-card button[type=submit]');
  await page.locator('section[data-testid="tasks"]').waitFor();
  const calls = page.locator('[data-testid="calls"] tbody tr[data-id]');
  const loaded = async () => {
    await until(async () => (await page.locator('[data-testid="chart-calls"]').getAttribute('data-total')) === '1000000' &&
      (await calls.count()) === 10, 'the charts and the first page of calls', 10000);
  };
  const times = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(base + '/#/tasks');
    await page.locator('section[data-testid="tasks"]').waitFor();
    const t0 = Date.now();
    await page.goto(`${base}/#/tasks/${task}`);
    await loaded();
    times.push(Date.now() - t0);
  }
  // a full reload of the page itself (the HTML, the modules, then the API)
  const t1 = Date.now();
  await page.reload();
  await loaded();
  const reload = Date.now() - t1;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? Math.round(n.domContentLoadedEventEnd) : -1;
  });
  log(`     1M-call task page: ${times.join(' / ')} ms (in-app), reload ${reload} ms (DOMContentLoaded at ${nav} ms)`);
  expect(Math.max(...times, reload) < PAGE_TARGET_MS, `the page loads in under ${PAGE_TARGET_MS} ms: ${times} / ${reload}`);
  await shot('30-task-1m-calls');
});

await step('1M calls: a call period, page 50, and a call with every detail', async () => {
  if (BIG.length !== 4) throw new Error('no VD_E2E_BIG given');
  const calls = page.locator('[data-testid="calls"] tbody tr[data-id]');
  const first = await calls.first().getAttribute('data-id');
  await page.fill('[data-testid="filter-from"]', '2000-01-01T00:00');
  const t0 = Date.now();
  await until(async () => /10,000\+/.test(await page.locator('[data-testid="pager"]').innerText()), 'a capped count for a wide period');
  log(`     wide period on 1M calls: ${Date.now() - t0} ms`);
  expect(await calls.first().getAttribute('data-id') === first, 'the newest call first within the period');
  await page.click('[data-testid="filter-clear"]');
  await page.click('section[data-testid="task"] [data-testid="page-size"] button[data-size="50"]');
  await until(async () => (await calls.count()) === 50, 'page size 50');
  await until(async () => /1,000,000/.test(await page.locator('[data-testid="pager"]').innerText()), 'the exact total');
  await page.fill('[data-testid="filter-client"]', 'vip-1');
  await until(async () => (await calls.count()) === 1, 'the VIP call');
  await calls.first().locator('[data-testid="details"]').click();
  const d = page.locator('[data-testid="call-details"]');
  await d.waitFor();
  const txt = (id) => d.locator(`[data-testid="${id}"]`).innerText();
  expect(await txt('call-result') === 'voicemail', 'the result label');
  expect(/Answering machine · 2,840 ms · long greeting/.test(await txt('call-amd')), 'AMD verdict, time and cause: ' + await txt('call-amd'));
  expect(await txt('call-gender') === 'Male', 'the gender');
  expect(await txt('call-sip') === '200', 'the SIP code');
  expect(await txt('call-transfer') === '+74951112233', 'the transfer target');
  expect(/Ivan Petrov/.test(await d.locator('[data-testid="call-variables"]').innerText()), 'the variables');
  await shot('31-call-details-full');
  await page.keyboard.press('Escape');
});

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
log(`e2e took ${((Date.now() - T0) / 1000).toFixed(1)} s; screenshots in ${OUTDIR}`);
log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
