/** CloudWatch dashboards of the template, their widgets read from the resolved DashboardBody. */

/** One metric a graph widget draws: `[namespace, name, dim1, value1, …, { stat, label, period }]`. */
export interface DashboardMetricModel {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** CloudWatch statistic (`Sum`, `Average`, `p99`…); the widget's default when the metric sets none. */
  stat: string;
  label?: string;
  /** Seconds. */
  period?: number;
}

export interface DashboardWidgetModel {
  /** `metric`, `text`, `alarm`… (what CloudWatch calls the widget's type). */
  type: string;
  title?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  /** Plain metrics of a `metric` widget (math expressions are listed in `expressions`). */
  metrics: DashboardMetricModel[];
  /** Math expressions (`SUM([m1,m2])`) the local cloud does not evaluate. */
  expressions: string[];
  /** Text of a `text` widget (markdown). */
  markdown?: string;
}

export interface DashboardModel {
  logicalId: string;
  /** DashboardName (or the logical id when the template leaves it to CloudFormation). */
  name: string;
  widgets: DashboardWidgetModel[];
}
