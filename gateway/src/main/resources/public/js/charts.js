'use strict';
// Accuracy-per-epoch line charts in SVG: one axis from 0 to 100%, epochs along the bottom, optional phase bands.
(function (ft) {
  const SVG = 'http://www.w3.org/2000/svg';
  const W = 720, H = 320, L = 48, R = 16, T = 16, B = 40;

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /**
   * Draws series = [{label, color, dash, attrs, points: [{x, y, title}]}] (x: epoch from 1, y: 0..1) into svg and
   * their labels into legend; bands = [{from, to, label}] shade epoch ranges (the phases of a fine-tune).
   */
  function lineChart(svg, legend, series, bands, emptyText) {
    svg.innerHTML = '';
    legend.innerHTML = '';
    const maxX = Math.max(2, ...series.map((s) => Math.max(0, ...s.points.map((p) => p.x))),
      ...(bands || []).map((b) => b.to));
    const x = (i) => L + (W - L - R) * (i - 1) / (maxX - 1);
    const y = (v) => T + (H - T - B) * (1 - v);
    const step = (W - L - R) / (maxX - 1);
    for (const band of bands || []) {
      const left = Math.max(L, x(band.from) - step / 2), right = Math.min(W - R, x(band.to) + step / 2);
      svg.appendChild(el('rect', { x: left, y: T, width: Math.max(0, right - left), height: H - T - B,
        fill: band.fill, 'data-phase': band.label }));
      svg.appendChild(el('text', { x: left + 6, y: T + 14, 'font-size': 12, fill: '#4a5468' }, band.label));
    }
    for (let t = 0; t <= 10; t += 2) {
      const v = t / 10;
      svg.appendChild(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e7ebf2' }));
      svg.appendChild(el('text', { x: L - 8, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#6b7385' },
        (v * 100).toFixed(0) + '%'));
    }
    const every = Math.max(1, Math.ceil(maxX / 12));
    for (let i = 1; i <= maxX; i += every) {
      svg.appendChild(el('text', { x: x(i), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11,
        fill: '#6b7385' }, i));
    }
    svg.appendChild(el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12,
      fill: '#1d2330' }, 'epoch'));
    svg.appendChild(el('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#a8b3c7' }));
    svg.appendChild(el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#a8b3c7' }));
    const drawn = series.filter((s) => s.points.length);
    if (!drawn.length) {
      svg.appendChild(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b7385' }, emptyText));
      return;
    }
    for (const s of drawn) {
      const points = s.points.map((p) => x(p.x).toFixed(1) + ',' + y(p.y).toFixed(1));
      svg.appendChild(el('polyline', Object.assign({ points: points.join(' '), fill: 'none', stroke: s.color,
        'stroke-width': 2.5, 'stroke-dasharray': s.dash || '' }, s.attrs || {})));
      for (const p of s.points) {
        const c = el('circle', { cx: x(p.x), cy: y(p.y), r: 3, fill: s.color });
        c.appendChild(el('title', {}, p.title));
        svg.appendChild(c);
      }
      const li = document.createElement('li');
      li.innerHTML = '<svg width="28" height="10"><line x1="0" y1="5" x2="28" y2="5" stroke-width="3"/></svg>'
        + '<span></span>';
      li.querySelector('line').setAttribute('stroke', s.color);
      li.querySelector('line').setAttribute('stroke-dasharray', s.dash || '');
      li.querySelector('span').textContent = s.label;
      legend.appendChild(li);
    }
  }

  ft.lineChart = lineChart;
})(window.finetune);
