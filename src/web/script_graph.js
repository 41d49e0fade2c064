// SPDX-License-Identifier: AGPL-3.0-or-later
// The bot script's block graph (DESIGN.md, "The bot"):
//   {"start": "hello", "blocks": {"hello": {"type": "say", "text": "…", "next": "ask1"}, …}}
// Block types say, ask, set, branch, result. Links are "next", "else",
// "no_match", "timeout", and "branches" (a list of {…, "next"} or an object
// of answer → block). checkScript() finds what is wrong and where (a JSON
// path such as graph.blocks.hello.next, and for a syntax error the line and
// column); diagram() draws the graph read-only as SVG boxes and arrows.
import { svg } from './dom.js';

export const BLOCK_TYPES = ['say', 'ask', 'set', 'branch', 'result'];
const LINK_KEYS = ['next', 'else', 'no_match', 'timeout'];

/** [{to, label, path}] of a block. */
export function links(id, b) {
  const out = [];
  if (!b || typeof b !== 'object') return out;
  for (const k of LINK_KEYS) if (typeof b[k] === 'string') out.push({ to: b[k], label: k === 'next' ? '' : k, path: `graph.blocks.${id}.${k}` });
  if (Array.isArray(b.branches)) {
    b.branches.forEach((br, i) => {
      if (br && typeof br.next === 'string') {
        const label = br.match ?? br.when ?? br.if ?? br.digits ?? br.keywords ?? '';
        out.push({ to: br.next, label: Array.isArray(label) ? label.join('|') : String(label), path: `graph.blocks.${id}.branches[${i}].next` });
      }
    });
  } else if (b.branches && typeof b.branches === 'object') {
    for (const [k, v] of Object.entries(b.branches)) if (typeof v === 'string') out.push({ to: v, label: k, path: `graph.blocks.${id}.branches.${k}` });
  }
  return out;
}

function lineCol(text, pos) {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, col: pos - before.lastIndexOf('\n') };
}

/** checkScript(text) → {graph|null, errors: [{path, message, line?, col?, pos?}]} */
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
  const blocks = graph.blocks;
  if (!blocks || typeof blocks !== 'object' || Array.isArray(blocks)) {
    err('graph.blocks', '"blocks" must be an object of named blocks');
    return { graph, errors };
  }
  const ids = Object.keys(blocks);
  if (!ids.length) err('graph.blocks', 'the script has no blocks');
  if (typeof graph.start !== 'string') err('graph.start', '"start" must name the first block');
  else if (!blocks[graph.start]) err('graph.start', `"start" names "${graph.start}", which is not a block`);
  for (const id of ids) {
    const b = blocks[id];
    const p = `graph.blocks.${id}`;
    if (!b || typeof b !== 'object') { err(p, `block "${id}" must be an object`); continue; }
    if (!BLOCK_TYPES.includes(b.type)) err(`${p}.type`, `block "${id}": type must be one of ${BLOCK_TYPES.join(', ')}`);
    if ((b.type === 'say' || b.type === 'ask') && typeof b.text !== 'string' && b.audio_id === undefined) {
      err(`${p}.text`, `block "${id}": a ${b.type} block needs "text" or "audio_id"`);
    }
    if (b.type === 'result' && typeof b.label !== 'string') err(`${p}.label`, `block "${id}": a result block needs a "label"`);
    if (b.type === 'result' && b.action !== undefined && !['hangup', 'transfer'].includes(b.action)) {
      err(`${p}.action`, `block "${id}": action must be hangup or transfer`);
    }
    if (b.type === 'set' && typeof b.var !== 'string') err(`${p}.var`, `block "${id}": a set block needs "var"`);
    for (const l of links(id, b)) if (!blocks[l.to]) err(l.path, `block "${id}" links to "${l.to}", which is not a block`);
  }
  if (!errors.length && typeof graph.start === 'string') {
    const seen = new Set([graph.start]);
    const queue = [graph.start];
    while (queue.length) for (const l of links(queue[0], blocks[queue.shift()])) if (!seen.has(l.to)) { seen.add(l.to); queue.push(l.to); }
    for (const id of ids) if (!seen.has(id)) err(`graph.blocks.${id}`, `block "${id}" cannot be reached from "start"`);
  }
  return { graph, errors };
}

const BOX_W = 180, BOX_H = 58, GAP_X = 36, GAP_Y = 56, PAD = 20;

function short(s, n) {
  s = String(s ?? '');
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Layered layout (breadth-first from start) → an <svg> element. */
export function diagram(graph) {
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
    for (const l of links(id, blocks[id])) {
      const a = pos[id], b = pos[l.to];
      if (!a || !b) continue;
      const x1 = a.x + BOX_W / 2, y1 = a.y + BOX_H, x2 = b.x + BOX_W / 2;
      let d;
      if (b.y > a.y) {
        const y2 = b.y;
        const my = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      } else {   // a link back up: around the right side
        const xr = Math.max(a.x, b.x) + BOX_W + GAP_X / 2;
        d = `M${a.x + BOX_W},${a.y + BOX_H / 2} C${xr},${a.y + BOX_H / 2} ${xr},${b.y + BOX_H / 2} ${b.x + BOX_W},${b.y + BOX_H / 2}`;
      }
      root.append(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }));
      if (l.label) {
        const lx = b.y > a.y ? (x1 + x2) / 2 : Math.max(a.x, b.x) + BOX_W + GAP_X / 2;
        const ly = b.y > a.y ? (y1 + b.y) / 2 : (a.y + b.y + BOX_H) / 2;
        root.append(svg('text', { x: lx, y: ly + 4, class: 'edge-label', 'text-anchor': 'middle' }, short(l.label, 18)));
      }
    }
  }
  for (const id of ids) {
    const b = blocks[id] || {};
    const p = pos[id];
    const type = BLOCK_TYPES.includes(b.type) ? b.type : 'unknown';
    const body = b.type === 'result' ? `${b.label ?? ''}${b.action ? ' → ' + b.action : ''}`
      : b.type === 'set' ? `${b.var ?? ''} = ${b.value ?? ''}` : b.text ?? (b.audio_id ? `audio #${b.audio_id}` : '');
    root.append(svg('g', { class: `block block-${type}`, transform: `translate(${p.x},${p.y})`, 'data-block': id },
      svg('rect', { width: BOX_W, height: BOX_H, rx: 10 }),
      svg('rect', { width: 6, height: BOX_H, rx: 3, class: 'block-stripe' }),
      svg('text', { x: 16, y: 22, class: 'block-title' }, short(`${id}`, 16), svg('tspan', { class: 'block-type', dx: 6 }, type)),
      svg('text', { x: 16, y: 42, class: 'block-text' }, short(body, 26)),
      id === graph.start ? svg('circle', { cx: BOX_W - 12, cy: 12, r: 4, class: 'block-start' }) : null));
  }
  return root;
}

export const SAMPLE_GRAPH = {
  start: 'hello',
  blocks: {
    hello: { type: 'say', text: 'Hello {{name}}! This is a call about your order {{order}}.', next: 'ask' },
    ask: { type: 'ask', text: 'Is it convenient to talk?', timeout_s: 5,
      branches: [{ match: 'yes', next: 'agreed' }, { match: 'no', next: 'declined' }], no_match: 'declined' },
    agreed: { type: 'result', label: 'agreed', action: 'hangup' },
    declined: { type: 'result', label: 'declined', action: 'hangup' },
  },
};
