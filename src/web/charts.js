// SPDX-License-Identifier: AGPL-3.0-or-later
// Pie (donut) charts drawn as inline SVG: one arc path per slice, the total
// in the middle, a legend with counts beside it. Redrawn in place on every
// statistics poll.
import { h, svg } from './dom.js';
import { t } from './i18n.js';

export const COLORS = {
  completed: '#16a34a', busy: '#f59e0b', no_answer: '#94a3b8', unavailable: '#64748b',
  machine: '#8b5cf6', short: '#06b6d4', failure: '#ef4444', cancelled: '#cbd5e1',
  pending: '#cbd5e1', in_progress: '#3b82f6', finished: '#16a34a',
  effective: '#16a34a', ineffective: '#f59e0b', transferred: '#4f46e5', not_transferred: '#cbd5e1',
};

function arc(cx, cy, r, a0, a1) {
  const p0 = [cx + r * Math.sin(a0), cy - r * Math.cos(a0)];
  const p1 = [cx + r * Math.sin(a1), cy - r * Math.cos(a1)];
  const large = a1 - a0 > Math.PI ? 1 : 0;
  return `M${cx},${cy} L${p0[0].toFixed(2)},${p0[1].toFixed(2)} A${r},${r} 0 ${large} 1 ${p1[0].toFixed(2)},${p1[1].toFixed(2)} Z`;
}

/**
 * pieChart(title, slices, {testid}) with slices [{key, label, value}] → a
 * card element. Zero slices are listed in the legend but not drawn.
 */
export function pieChart(title, slices, { testid, center } = {}) {
  const total = slices.reduce((s, x) => s + (x.value || 0), 0);
  const size = 132, cx = size / 2, cy = size / 2, r = 60;
  const g = svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'pie', role: 'img', 'aria-label': title });
  if (total === 0) {
    g.append(svg('circle', { cx, cy, r, class: 'pie-empty' }));
  } else {
    let a = 0;
    for (const s of slices) {
      if (!s.value) continue;
      const frac = s.value / total;
      const color = COLORS[s.key] || '#94a3b8';
      if (frac >= 0.9999) {
        g.append(svg('circle', { cx, cy, r, fill: color, 'data-key': s.key }, svg('title', `${s.label}: ${s.value}`)));
      } else {
        const a1 = a + frac * 2 * Math.PI;
        g.append(svg('path', { d: arc(cx, cy, r, a, a1), fill: color, 'data-key': s.key },
          svg('title', `${s.label}: ${s.value}`)));
        a = a1;
      }
    }
  }
  g.append(svg('circle', { cx, cy, r: 38, class: 'pie-hole' }));
  // the centre holds about five characters: 250000 reads 250K there (the
  // legend keeps the exact figures)
  const c = center ?? total;
  const centre = typeof c === 'number' && c >= 100000 ? new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(c)
    : typeof c === 'number' ? c.toLocaleString() : String(c);
  g.append(svg('text', { x: cx, y: cy - 2, class: 'pie-total', 'text-anchor': 'middle', title: String(c) }, centre));
  g.append(svg('text', { x: cx, y: cy + 15, class: 'pie-sub', 'text-anchor': 'middle' }, t('total')));
  const legend = h('ul.legend', slices.map((s) => {
    const dot = h('span.dot');
    dot.style.background = COLORS[s.key] || '#94a3b8';
    return h('li', { dataset: { key: s.key } }, dot, h('span.legend-label', s.label), h('span.legend-value', (s.value || 0).toLocaleString()));
  }));
  return h('div.card.chart', { dataset: { testid: testid || '', total: String(total) } },
    h('div.card-title', title), h('div.chart-body', g, legend));
}
