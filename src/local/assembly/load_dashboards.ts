import { whereOf, type LoadContext } from './context.js';
import type { DashboardMetricModel, DashboardModel, DashboardWidgetModel } from './model_dashboards.js';

/**
 * `AWS::CloudWatch::Dashboard`s: the DashboardBody is usually an `Fn::Join` of JSON around tokens
 * (API ids, function names); resolved through the same intrinsics as everything else, so its
 * dimensions carry the local ids the services count metrics under. A body that is not JSON once
 * resolved is skipped with a warning: the dashboard is a view, never a reason not to start.
 */
export function loadDashboards(ctx: LoadContext): DashboardModel[] {
  const { r } = ctx;
  const out: DashboardModel[] = [];
  for (const n of r.resources('AWS::CloudWatch::Dashboard')) {
    let body: unknown;
    try {
      body = JSON.parse(r.string(r.prop(n, 'DashboardBody'), whereOf(n, 'DashboardBody')));
    } catch (err) {
      ctx.warnings.push(`dashboard ${n.logicalId}: its DashboardBody could not be read (${err instanceof Error ? err.message : String(err)}); not drawn`);
      continue;
    }
    const widgets = Array.isArray((body as { widgets?: unknown })?.widgets) ? ((body as { widgets: unknown[] }).widgets) : [];
    out.push({
      logicalId: n.logicalId,
      name: r.propString(n, 'DashboardName') ?? n.logicalId,
      widgets: widgets.map(readWidget),
    });
  }
  return out;
}

function readWidget(raw: unknown): DashboardWidgetModel {
  const w = (raw ?? {}) as Record<string, unknown>;
  const props = (w.properties ?? {}) as Record<string, unknown>;
  const metrics: DashboardMetricModel[] = [];
  const expressions: string[] = [];
  const defaultStat = typeof props.stat === 'string' ? props.stat : 'Average';
  const defaultPeriod = typeof props.period === 'number' ? props.period : undefined;
  let previous: string[] = [];
  for (const entry of Array.isArray(props.metrics) ? props.metrics : []) {
    if (!Array.isArray(entry)) continue;
    const last = entry[entry.length - 1];
    const options = last && typeof last === 'object' && !Array.isArray(last) ? (last as Record<string, unknown>) : {};
    const parts = (options === last ? entry.slice(0, -1) : entry).map(String);
    if (typeof options.expression === 'string') {
      expressions.push(typeof options.label === 'string' ? `${options.label}: ${options.expression}` : options.expression);
      continue;
    }
    // CloudWatch's shorthand: "." repeats the value at the same position of the previous metric.
    const resolved = parts.map((p, i) => (p === '.' ? (previous[i] ?? p) : p));
    previous = resolved;
    if (resolved.length < 2) continue;
    const [namespace, metricName, ...dims] = resolved;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i]] = dims[i + 1];
    metrics.push({
      namespace,
      metricName,
      dimensions,
      stat: typeof options.stat === 'string' ? options.stat : defaultStat,
      label: typeof options.label === 'string' ? options.label : undefined,
      period: typeof options.period === 'number' ? options.period : defaultPeriod,
    });
  }
  return {
    type: typeof w.type === 'string' ? w.type : 'metric',
    title: typeof props.title === 'string' ? props.title : undefined,
    x: typeof w.x === 'number' ? w.x : undefined,
    y: typeof w.y === 'number' ? w.y : undefined,
    width: typeof w.width === 'number' ? w.width : undefined,
    height: typeof w.height === 'number' ? w.height : undefined,
    metrics,
    expressions,
    markdown: typeof props.markdown === 'string' ? props.markdown : undefined,
  };
}
