// SPDX-License-Identifier: AGPL-3.0-or-later
// The bot script's block graph, exactly as docs/internals/script.md defines
// it (the API stores and validates that form):
//   {"start": "hello", "blocks": {"hello": {"type": "say", "text": "…", "next": "ask"}, …}}
// Block types say, ask, set, branch, result. Links: "next" (say, set),
// "no_input"/"no_match" and "branches": [{"keywords"|"digits", "next"}] (ask),
// "conditions": [{"var", "op", "value", "next"}] and "else" (branch),
// "fallback" (result). normalize() rewrites the older spellings the API also
// reads (timeout_s, timeout, match, branches as an object) into this form.
// checkScript() finds what is wrong and where (the API's JSON paths, e.g.
// graph.blocks.ask.branches[2].next, plus line and column in the text);
// pathOffsets() maps such a path to its place in the text; diagram() draws
// the graph read-only as SVG boxes and arrows.
import { svg } from './dom.js';

export const BLOCK_TYPES = ['say', 'ask', 'set', 'branch', 'result'];
const FIELDS = {
  say: ['type', 'comment', 'text', 'audio_id', 'next'],
  ask: ['type', 'comment', 'text', 'audio_id', 'timeout_ms', 'max_retries', 'store_as', 'branches', 'no_input', 'no_match'],
  set: ['type', 'comment', 'var', 'value', 'next'],
  branch: ['type', 'comment', 'conditions', 'else'],
  result: ['type', 'comment', 'label', 'action', 'forward', 'fallback'],
};
const LINK_KEYS = ['next', 'else', 'no_input', 'no_match', 'fallback'];
const OPS = ['eq', 'ne', 'contains', 'empty', 'not_empty'];
const FORWARDS = { task_default: [], route: [], dial_plan: ['dial_plan_id', 'number'], custom: [], script: ['script_id'] };
const DTMF = /^[0-9*#A-D]$/;

/** [{to, label, path}] of a block. */
export function links(id, b) {
  const out = [];
  if (!b || typeof b !== 'object') return out;
  for (const k of LINK_KEYS) {
    if (typeof b[k] === 'string') out.push({ to: b[k], label: k === 'next' ? '' : k.replace('_', ' '), path: `graph.blocks.${id}.${k}` });
  }
  if (Array.isArray(b.branches)) {
    b.branches.forEach((br, i) => {
      if (!br || typeof br.next !== 'string') return;
      const words = Array.isArray(br.keywords) ? br.keywords.join('|') : '';
      const label = [words, br.digits !== undefined ? `#${br.digits}` : ''].filter(Boolean).join(' ');
      out.push({ to: br.next, label, path: `graph.blocks.${id}.branches[${i}].next` });
    });
  }
  if (Array.isArray(b.conditions)) {
    b.conditions.forEach((c, i) => {
      if (!c || typeof c.next !== 'string') return;
      const label = `${c.var ?? ''} ${c.op ?? 'eq'}${c.value !== undefined ? ' ' + c.value : ''}`;
      out.push({ to: c.next, label, path: `graph.blocks.${id}.conditions[${i}].next` });
    });
  }
  return out;
}

/** The graph with older spellings rewritten into the documented form
 * (a copy; anything else is left as it is for the checks to name). */
export function normalize(graph) {
  if (!graph || typeof graph !== 'object' || !graph.blocks || typeof graph.blocks !== 'object' || Array.isArray(graph.blocks)) return graph;
  const blocks = {};
  for (const [id, b0] of Object.entries(graph.blocks)) {
    if (!b0 || typeof b0 !== 'object' || b0.type !== 'ask') { blocks[id] = b0; continue; }
    const b = { ...b0 };
    if (b.timeout_s !== undefined && b.timeout_ms === undefined && typeof b.timeout_s === 'number') {
      b.timeout_ms = Math.round(b.timeout_s * 1000);
      delete b.timeout_s;
    }
    if (b.timeout !== undefined && b.no_input === undefined) { b.no_input = b.timeout; delete b.timeout; }
    if (b.branches && typeof b.branches === 'object' && !Array.isArray(b.branches)) {
      b.branches = Object.entries(b.branches).map(([k, next]) => (DTMF.test(k) ? { digits: k, next } : { keywords: [k], next }));
    } else if (Array.isArray(b.branches)) {
      b.branches = b.branches.map((br) => {
        if (!br || typeof br !== 'object' || br.match === undefined || br.keywords !== undefined) return br;
        const { match, ...rest } = br;
        return { keywords: Array.isArray(match) ? match : [match], ...rest };
      });
    }
    blocks[id] = b;
  }
  return { ...graph, blocks };
}

function lineCol(text, pos) {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, col: pos - before.lastIndexOf('\n') };
}

/** pathOffsets(text) → Map of JSON path (graph, graph.blocks.a.next,
 * graph.blocks.a.branches[2]) → [start, end) of its value in the text;
 * for an object key, `path#key` → the key's offset. null when the text
 * is not JSON. */
export function pathOffsets(text) {
  const map = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    ws();
    const start = i;
    if (text[i] === '{') {
      i++; ws();
      while (text[i] !== '}') {
        ws();
        const kpos = i;
        const k = str();
        map.set(`${path}.${k}#key`, kpos);
        ws(); i++;   // ':'
        value(`${path}.${k}`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (text[i] === '[') {
      i++; ws();
      let n = 0;
      while (text[i] !== ']') {
        value(`${path}[${n++}]`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (text[i] === '"') {
      str();
    } else {
      while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
    }
    map.set(path, [start, i]);
  };
  try {
    JSON.parse(text);
    value('graph');
  } catch (e) {
    return null;
  }
  return map;
}

/** The [start, end) of the text a path names, or of its nearest enclosing
 * value (graph.blocks.a.branches[2].next → …branches[2] → … → graph). */
export function locate(offsets, path) {
  if (!offsets) return null;
  for (let p = path; p; p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    if (offsets.has(`${p}#key`)) return [offsets.get(`${p}#key`), offsets.get(p)[1]];
    if (offsets.has(p)) return offsets.get(p);
    if (p === 'graph') break;
  }
  return null;
}

/** The block a path names: graph.blocks.ask.branches[2].next → "ask". */
export function blockOf(path) {
  const m = /^graph\.blocks\.([^.[\]]+)/.exec(path || '');
  return m ? m[1] : null;
}

/** checkScript(text) → {graph|null, errors: [{path, message, line?, col?, pos?}]}.
 * The API's checks that need the whole graph's flow (a loop without an
 * ask, ...) are left to it: its 422 names the path the same way. */
export function checkScript(text) {
  let graph;
  try {
    graph = JSON.parse(text);
  } catch (e) {
    const m = String(e.message).match(/position (\d+)/);
    const pos = m ? Number(m[1]) : null;
    const lc = pos !== null ? lineCol(text, pos) : (() => {
      const x = String(e.message).match(/line (\d+) column (\d+)/);
      return x ? { line: Number(x[1]), col: Number(x[2]) } : null;
    })();
    return { graph: null, errors: [{ path: 'graph', message: 'JSON syntax: ' + e.message.replace(/^JSON\.parse: /, ''),
      pos, ...(lc || {}) }] };
  }
  const errors = [];
  const err = (path, message) => errors.push({ path, message });
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) {
    err('graph', 'the script must be a JSON object with "start" and "blocks"');
    return { graph: null, errors };
  }
  const blocks = graph.blocks === undefined || (Array.isArray(graph.blocks) && !graph.blocks.length) ? {} : graph.blocks;
  if (!blocks || typeof blocks !== 'object' || Array.isArray(blocks)) {
    err('graph.blocks', '"blocks" must be an object of named blocks');
    return { graph, errors };
  }
  const ids = Object.keys(blocks);
  if (ids.length && typeof graph.start !== 'string') err('graph.start', '"start" must name the first block');
  else if (ids.length && !blocks[graph.start]) err('graph.start', `"start" names "${graph.start}", which is not a block`);
  for (const id of ids) {
    const b = blocks[id];
    const p = `graph.blocks.${id}`;
    if (/[.[\]]/.test(id)) err(p, `block id "${id}" must not contain ".", "[" or "]"`);
    if (!b || typeof b !== 'object' || Array.isArray(b)) { err(p, `block "${id}" must be an object`); continue; }
    if (!BLOCK_TYPES.includes(b.type)) { err(`${p}.type`, `type must be one of ${BLOCK_TYPES.join(', ')}`); continue; }
    for (const k of Object.keys(b)) if (!FIELDS[b.type].includes(k)) err(`${p}.${k}`, `${b.type === 'ask' ? 'an' : 'a'} ${b.type} block has no field "${k}"`);
    if (b.type === 'say' && typeof b.text !== 'string' && b.audio_id === undefined) err(`${p}.text`, 'a say block needs "text" or "audio_id"');
    if (b.type === 'ask') {
      if (b.timeout_ms !== undefined && !(Number.isInteger(b.timeout_ms) && b.timeout_ms >= 500 && b.timeout_ms <= 60000)) {
        err(`${p}.timeout_ms`, 'timeout_ms must be a whole number from 500 to 60000');
      }
      if (b.max_retries !== undefined && !(Number.isInteger(b.max_retries) && b.max_retries >= 0 && b.max_retries <= 10)) {
        err(`${p}.max_retries`, 'max_retries must be from 0 to 10');
      }
      if (b.branches !== undefined && !Array.isArray(b.branches)) err(`${p}.branches`, '"branches" must be a list of answers');
      const keys = new Set();
      (Array.isArray(b.branches) ? b.branches : []).forEach((br, i) => {
        const bp = `${p}.branches[${i}]`;
        if (!br || typeof br !== 'object') { err(bp, 'an answer must be an object'); return; }
        if (br.keywords === undefined && br.digits === undefined) err(bp, 'an answer needs "keywords" or "digits"');
        if (br.keywords !== undefined && !(Array.isArray(br.keywords) && br.keywords.length && br.keywords.every((k) => typeof k === 'string' && /\p{L}|\p{N}/u.test(k)))) {
          err(`${bp}.keywords`, '"keywords" must be a list of words or phrases');
        }
        if (br.digits !== undefined) {
          const d = String(br.digits);
          if (!DTMF.test(d)) err(`${bp}.digits`, '"digits" must be one key: 0-9, *, #, A-D');
          else if (keys.has(d)) err(`${bp}.digits`, `the key ${d} already answers another branch`);
          keys.add(d);
        }
        if (typeof br.next !== 'string') err(`${bp}.next`, 'an answer needs "next"');
      });
    }
    if (b.type === 'set' && typeof b.var !== 'string') err(`${p}.var`, 'a set block needs "var"');
    if (b.type === 'branch') {
      if (b.conditions !== undefined && !Array.isArray(b.conditions)) err(`${p}.conditions`, '"conditions" must be a list');
      (Array.isArray(b.conditions) ? b.conditions : []).forEach((c, i) => {
        const cp = `${p}.conditions[${i}]`;
        if (!c || typeof c !== 'object') { err(cp, 'a condition must be an object'); return; }
        if (typeof c.var !== 'string' || !c.var) err(`${cp}.var`, 'a condition needs "var"');
        if (c.op !== undefined && !OPS.includes(c.op)) err(`${cp}.op`, `op must be one of ${OPS.join(', ')}`);
        if (['eq', 'ne', 'contains'].includes(c.op ?? 'eq') && c.value === undefined) err(`${cp}.value`, `"${c.op ?? 'eq'}" needs a "value"`);
        if (typeof c.next !== 'string') err(`${cp}.next`, 'a condition needs "next"');
      });
    }
    if (b.type === 'result') {
      if (typeof b.label !== 'string' || !b.label) err(`${p}.label`, 'a result block needs a "label"');
      if (b.action !== undefined && !['hangup', 'transfer'].includes(b.action)) err(`${p}.action`, 'action must be hangup or transfer');
      if (b.action !== 'transfer' && b.forward !== undefined) err(`${p}.forward`, '"forward" needs "action": "transfer"');
      if (b.action !== 'transfer' && b.fallback !== undefined) err(`${p}.fallback`, '"fallback" needs "action": "transfer"');
      if (b.forward !== undefined) {
        const f = b.forward;
        if (!f || typeof f !== 'object' || !Object.hasOwn(FORWARDS, f.type ?? 'task_default')) {
          err(`${p}.forward.type`, `forward.type must be one of ${Object.keys(FORWARDS).join(', ')}`);
        } else {
          for (const k of FORWARDS[f.type ?? 'task_default']) if (f[k] === undefined) err(`${p}.forward.${k}`, `a ${f.type} forward needs "${k}"`);
          if (f.type === 'route' && f.number === undefined && f.route_id === undefined) err(`${p}.forward.number`, 'a route forward needs "number" or "route_id"');
          if (f.type === 'custom' && f.number === undefined && f.variable === undefined) err(`${p}.forward.number`, 'a custom forward needs "number" or "variable"');
        }
      }
    }
    for (const l of links(id, b)) if (!blocks[l.to]) err(l.path, `links to "${l.to}", which is not a block`);
  }
  if (!errors.length && typeof graph.start === 'string' && ids.length) {
    const seen = new Set([graph.start]);
    const queue = [graph.start];
    while (queue.length) for (const l of links(queue[0], blocks[queue.shift()])) if (!seen.has(l.to)) { seen.add(l.to); queue.push(l.to); }
    for (const id of ids) if (!seen.has(id)) err(`graph.blocks.${id}`, `block "${id}" cannot be reached from "start"`);
  }
  return { graph, errors };
}

const BOX_W = 180, BOX_H = 58, GAP_X = 40, GAP_Y = 72, PAD = 24;

function short(s, n) {
  s = String(s ?? '');
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Layered layout (breadth-first from start) → an <svg> element. */
export function diagram(graph, bad = new Set()) {
  const blocks = (graph && graph.blocks && typeof graph.blocks === 'object') ? graph.blocks : {};
  const ids = Object.keys(blocks);
  const level = {};
  const order = [];
  if (blocks[graph && graph.start]) {
    level[graph.start] = 0;
    const queue = [graph.start];
    while (queue.length) {
      const id = queue.shift();
      order.push(id);
      for (const l of links(id, blocks[id])) {
        if (blocks[l.to] && level[l.to] === undefined) { level[l.to] = level[id] + 1; queue.push(l.to); }
      }
    }
  }
  const maxLevel = Math.max(-1, ...Object.values(level));
  for (const id of ids) if (level[id] === undefined) { level[id] = maxLevel + 1; order.push(id); }
  const rows = [];
  for (const id of order) (rows[level[id]] ||= []).push(id);
  const widest = Math.max(1, ...rows.map((r) => (r ? r.length : 0)));
  const width = PAD * 2 + widest * BOX_W + (widest - 1) * GAP_X;
  const height = PAD * 2 + rows.length * BOX_H + Math.max(0, rows.length - 1) * GAP_Y;
  const pos = {};
  rows.forEach((r, y) => {
    if (!r) return;
    const rowW = r.length * BOX_W + (r.length - 1) * GAP_X;
    r.forEach((id, x) => {
      pos[id] = { x: (width - rowW) / 2 + x * (BOX_W + GAP_X), y: PAD + y * (BOX_H + GAP_Y) };
    });
  });
  const root = svg('svg', { class: 'diagram', viewBox: `0 0 ${width} ${Math.max(height, 80)}`, width, height: Math.max(height, 80),
    role: 'img', 'aria-label': 'script diagram' },
  svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))));
  for (const id of ids) {
    // parallel links (two answers to the same block) are one arrow with
    // both labels, so labels never sit on top of each other
    const merged = new Map();
    for (const l of links(id, blocks[id])) {
      const m = merged.get(l.to);
      if (m) m.label = [m.label, l.label].filter(Boolean).join(' · ');
      else merged.set(l.to, { ...l });
    }
    for (const l of merged.values()) {
      const a = pos[id], b = pos[l.to];
      if (!a || !b) continue;
      const x1 = a.x + BOX_W / 2, y1 = a.y + BOX_H, x2 = b.x + BOX_W / 2;
      let d, lx, ly;
      if (b.y > a.y) {
        const y2 = b.y;
        const my = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
        // the label near the arrow's end, where sibling arrows are apart
        lx = x1 + (x2 - x1) * 0.8;
        ly = y1 + (y2 - y1) * 0.62;
      } else {   // a link back up: around the right side
        const xr = Math.max(a.x, b.x) + BOX_W + GAP_X / 2;
        d = `M${a.x + BOX_W},${a.y + BOX_H / 2} C${xr},${a.y + BOX_H / 2} ${xr},${b.y + BOX_H / 2} ${b.x + BOX_W},${b.y + BOX_H / 2}`;
        lx = xr;
        ly = (a.y + b.y + BOX_H) / 2;
      }
      root.append(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': id, 'data-to': l.to }));
      if (l.label) root.append(svg('text', { x: lx, y: ly + 4, class: 'edge-label', 'text-anchor': 'middle' }, short(l.label, 22)));
    }
  }
  for (const id of ids) {
    const b = blocks[id] || {};
    const p = pos[id];
    const type = BLOCK_TYPES.includes(b.type) ? b.type : 'unknown';
    const body = b.type === 'result' ? `${b.label ?? ''}${b.action === 'transfer' ? ' → transfer' : ''}`
      : b.type === 'set' ? `${b.var ?? ''} = ${b.value ?? ''}`
        : b.type === 'branch' ? `${(b.conditions || []).length} condition(s)` : b.text ?? (b.audio_id ? `audio #${b.audio_id}` : '');
    root.append(svg('g', { class: `block block-${type}${bad.has(id) ? ' block-error' : ''}`, transform: `translate(${p.x},${p.y})`, 'data-block': id },
      svg('rect', { width: BOX_W, height: BOX_H, rx: 10 }),
      svg('rect', { width: 6, height: BOX_H, rx: 3, class: 'block-stripe' }),
      svg('text', { x: 16, y: 22, class: 'block-title' }, short(`${id}`, 16), svg('tspan', { class: 'block-type', dx: 6 }, type)),
      svg('text', { x: 16, y: 42, class: 'block-text' }, short(body, 26)),
      id === graph.start ? svg('circle', { cx: BOX_W - 12, cy: 12, r: 4, class: 'block-start' }) : null));
  }
  return root;
}

// The example of docs/internals/script.md: every link kind once.
export const SAMPLE_GRAPH = {
  start: 'hello',
  blocks: {
    hello: { type: 'say', text: 'Hello {{name}}! This is a call about your order.', next: 'ask' },
    ask: { type: 'ask', text: 'Shall I put you through to an operator?', timeout_ms: 5000, max_retries: 2, store_as: 'answer',
      branches: [{ keywords: ['yes', 'да', 'of course'], next: 'agreed' }, { keywords: ['no', 'нет'], next: 'declined' },
        { digits: '1', next: 'agreed' }],
      no_input: 'silent', no_match: 'declined' },
    agreed: { type: 'result', label: 'agreed', action: 'transfer', forward: { type: 'task_default' }, fallback: 'sorry' },
    sorry: { type: 'say', text: 'All operators are busy. We will call you back.' },
    declined: { type: 'result', label: 'declined', action: 'hangup' },
    silent: { type: 'result', label: 'no_answer' },
  },
};
