import { describe, expect, it } from 'vitest';
import { logicalIdOf, renderJoin, resourcesOfType, traceValue, type SynthesizedBackend } from '../synth.js';

interface Widget {
  properties: { title: string; metrics?: unknown[][] };
}

export function describeMonitoring(get: () => SynthesizedBackend): void {
  describe('monitoring (amplify/custom/monitoring.ts)', () => {
    const monitoring = () => get().stackNamed('monitoring');
    /** `namespace metric` pairs on the dashboard, including those inside math expressions. */
    const dashboardMetrics = () => {
      const [[, dashboard]] = resourcesOfType(monitoring().json, 'AWS::CloudWatch::Dashboard');
      const body = JSON.parse(renderJoin(dashboard.Properties.DashboardBody)) as { widgets: Widget[] };
      const metrics = new Set<string>();
      for (const w of body.widgets) {
        for (const m of w.properties.metrics ?? []) {
          if (typeof m[0] === 'string' && typeof m[1] === 'string') metrics.add(`${m[0]} ${m[1]}`);
        }
      }
      return metrics;
    };

    it('the dashboard shows AppSync 4XXError, 5XXError, RequestCount and Latency', () => {
      for (const m of ['4XXError', '5XXError', 'RequestCount', 'Latency']) expect(dashboardMetrics()).toContain(`AWS/AppSync ${m}`);
    });

    it('the dashboard shows the post-processor\'s invocations, errors, duration and throttles', () => {
      for (const m of ['Invocations', 'Errors', 'Duration', 'Throttles']) expect(dashboardMetrics()).toContain(`AWS/Lambda ${m}`);
    });

    it('the dashboard shows DynamoDB throttled requests and Cognito sign-in successes and throttles', () => {
      expect(dashboardMetrics()).toContain('AWS/DynamoDB ThrottledRequests');
      expect(dashboardMetrics()).toContain('AWS/Cognito SignInSuccesses');
      expect(dashboardMetrics()).toContain('AWS/Cognito SignInThrottles');
    });

    it('AppSync 5XX errors and post-processor errors raise alarms to an encrypted SNS topic', () => {
      const [[topicId, topic]] = resourcesOfType(monitoring().json, 'AWS::SNS::Topic');
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
      const alarms = resourcesOfType(monitoring().json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      expect(alarms.map((a) => `${a.Namespace} ${a.MetricName}`).sort()).toEqual(['AWS/AppSync 5XXError', 'AWS/Lambda Errors']);
      for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      const fnAlarm = alarms.find((a) => a.Namespace === 'AWS/Lambda')!;
      const fnName = traceValue(get().stacks, monitoring(), fnAlarm.Dimensions[0].Value);
      const fn = get().backend.postProcessor.resources.cfnResources.cfnFunction;
      expect(fnName.value).toEqual({ Ref: logicalIdOf(fn) });
    });
  });
}
