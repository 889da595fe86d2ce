import { getJson } from '../api.js';
import { lineChart, type Series } from '../chart.js';
import { h, replace } from '../dom.js';
import type { PageContext } from '../main.js';

interface DashboardView {
  periodSeconds: number;
  window: { start: number; end: number };
  dashboards: {
    name: string;
    widgets: { type: string; title?: string; markdown?: string; expressions: string[]; series: (Series & { metric: { namespace: string; metricName: string; stat: string } })[] }[];
  }[];
}

/**
 * The synthesized CloudWatch dashboards, widget by widget, drawn from the local cloud's own
 * counters under the same metric names and dimensions (`GET /_local/dashboard`).
 */
export async function renderDashboard(ctx: PageContext): Promise<void> {
  const body = h('div', { id: 'dashboards' });
  replace(ctx.main, h('h1', {}, 'Dashboard'), body);
  const load = async () => {
    const view = await getJson<DashboardView>('/_local/dashboard?points=60');
    if (view.dashboards.length === 0) {
      replace(body, h('p', { class: 'muted' }, 'The backend defines no CloudWatch dashboard (AWS::CloudWatch::Dashboard).'));
      return;
    }
    replace(
      body,
      h('p', { class: 'muted' }, `One point per ${view.periodSeconds} s over the last ${Math.round((60 * view.periodSeconds) / 60)} minutes; the widgets and metrics are the template's.`),
      view.dashboards.map((d) =>
        h(
          'section',
          { 'data-dashboard': d.name },
          h('h2', {}, d.name),
          h(
            'div',
            { class: 'grid' },
            d.widgets.map((w) => {
              if (w.type === 'text') return h('div', { class: 'card' }, h('pre', {}, w.markdown ?? ''));
              const counted = w.series.filter((s) => isCounted(s.metric.namespace, s.metric.metricName));
              const chart = counted.length ? lineChart(counted, view.window) : undefined;
              const notCounted = w.series.filter((s) => !isCounted(s.metric.namespace, s.metric.metricName));
              return h(
                'div',
                { class: 'card widget', 'data-title': w.title ?? '' },
                h('strong', {}, w.title ?? '(untitled)'),
                chart ? [chart.svg, chart.legend] : null,
                notCounted.length ? h('p', { class: 'muted' }, `Not counted locally: ${[...new Set(notCounted.map((s) => `${s.metric.namespace} ${s.metric.metricName}`))].join(', ')}`) : null,
                w.expressions.length ? h('p', { class: 'muted' }, `Math expressions are not evaluated locally: ${w.expressions.join('; ')}`) : null,
              );
            }),
          ),
        ),
      ),
    );
  };
  await load();
  ctx.every(2000, load);
}

/** The metrics the local cloud keeps (see core/metric_timeline.ts and who records into it). */
function isCounted(namespace: string, metricName: string): boolean {
  if (namespace === 'AWS/AppSync') return ['RequestCount', '4XXError', '5XXError', 'Latency'].includes(metricName);
  if (namespace === 'AWS/Lambda') return ['Invocations', 'Errors', 'Duration'].includes(metricName);
  if (namespace === 'AWS/Cognito') return ['SignInSuccesses', 'TokenRefreshSuccesses'].includes(metricName);
  return false;
}
