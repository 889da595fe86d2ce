/**
 * One figure of a benchmark next to the baseline measured in the same run, and the target it is
 * held to. Every scenario's `main()` returns these; `npm run bench` (all scenarios) writes them to
 * bench/RESULTS.md.
 */
export interface BenchFigure {
  scenario: string;
  /** What was measured, e.g. "getPost ×16 clients: throughput". */
  figure: string;
  value: number;
  unit: string;
  /** Whether a larger value is better (throughput) or a smaller one (latency, time). */
  better: 'higher' | 'lower';
  baseline?: { name: string; value: number };
  target?: { text: string; met: boolean };
  note?: string;
}

/** The figure relative to its baseline (× the baseline's value), or undefined without one. */
export function ratioOf(f: BenchFigure): number | undefined {
  if (!f.baseline || !(f.baseline.value > 0) || !Number.isFinite(f.value)) return undefined;
  return f.value / f.baseline.value;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 0.1) return n.toFixed(2);
  return n.toPrecision(2);
}

/** A target check: `value` against `limit` in the figure's better direction. */
export function target(value: number, better: BenchFigure['better'], limit: number, text: string): BenchFigure['target'] {
  return { text, met: Number.isFinite(value) && (better === 'higher' ? value >= limit : value <= limit) };
}

export function figureRow(f: BenchFigure): string {
  const ratio = ratioOf(f);
  const baseline = f.baseline ? `${formatNumber(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '–';
  const verdict = f.target ? `${f.target.text} — ${f.target.met ? 'met' : '**not met**'}` : '–';
  const note = f.note ? ` ${f.note}` : '';
  return `| ${f.scenario} | ${f.figure}${note} | ${formatNumber(f.value)} ${f.unit} | ${baseline} | ${ratio === undefined ? '–' : `${formatNumber(ratio)}×`} | ${verdict} |`;
}

export const FIGURE_TABLE_HEADER = ['| scenario | figure | value | baseline (same run) | ratio | target |', '|---|---|---:|---|---:|---|'];

export function figureTable(figures: readonly BenchFigure[]): string[] {
  return [...FIGURE_TABLE_HEADER, ...figures.map(figureRow)];
}
