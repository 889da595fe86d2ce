/** A line chart as inline SVG: one polyline per series over a shared time axis. */

export interface Series {
  label: string;
  points: { t: number; value: number }[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 180;
const PAD = { left: 44, right: 8, top: 8, bottom: 20 };

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `window`: the time span drawn (epoch ms), shared by every series so sparse ones line up. */
export function lineChart(series: Series[], window: { start: number; end: number }): { svg: SVGElement; legend: HTMLElement } {
  const svg = el('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' }) as SVGElement;
  const all = series.flatMap((s) => s.points);
  const t0 = window.start;
  const t1 = window.end;
  const max = Math.max(1, ...all.map((p) => p.value));
  const x = (t: number) => PAD.left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right));
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  svg.append(el('line', { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), stroke: '#ccd' }));
  svg.append(el('text', { x: 2, y: y(max) + 10 }, format(max)));
  svg.append(el('text', { x: 2, y: y(0) }, '0'));
  svg.append(el('text', { x: PAD.left, y: H - 4 }, new Date(t0).toLocaleTimeString()));
  svg.append(el('text', { x: W - PAD.right - 50, y: H - 4 }, new Date(t1).toLocaleTimeString()));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points: pts, fill: 'none', stroke: color, 'stroke-width': 1.5, 'data-label': s.label, 'data-total': s.points.reduce((a, p) => a + p.value, 0) }));
    for (const p of s.points) if (p.value > 0) svg.append(el('circle', { cx: x(p.t), cy: y(p.value), r: 2, fill: color }));
  });
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = COLORS[i % COLORS.length];
    const last = s.points.length ? s.points[s.points.length - 1].value : undefined;
    item.append(swatch, `${s.label}${last === undefined ? '' : ` = ${format(last)}`}`);
    legend.append(item);
  });
  return { svg, legend };
}

function format(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}
