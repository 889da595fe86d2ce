import { describe, expect, it } from 'vitest';
import { renderJoin, traceValue, type SynthesizedBackend } from '../synth.js';

export function describeOutputs(get: () => SynthesizedBackend, channels: string[] | undefined): void {
  describe('outputs (backend.addOutput)', () => {
    const custom = () => JSON.parse(renderJoin(get().root.json.Outputs!.customOutputs.Value));
    /** What a `{GetAtt:stack.Outputs.X}` placeholder in the outputs finally points at. */
    const target = (placeholder: string) => {
      const [, stack, output] = /^\{GetAtt:([A-Za-z0-9]+)\.(Outputs\.[A-Za-z0-9]+)\}$/.exec(placeholder)!;
      const traced = traceValue(get().stacks, get().root, { 'Fn::GetAtt': [stack, output] });
      return traced.stack.json.Resources[traced.value.Ref].Type;
    };

    it(`notifications carry the Pinpoint app id, the region and the channels (${channels?.join(', ') ?? 'none'})`, () => {
      const { notifications } = custom();
      expect(notifications.aws_region).toBe('{Ref:AWS::Region}');
      expect(target(notifications.amazon_pinpoint_app_id)).toBe('AWS::Pinpoint::App');
      expect(notifications.channels).toEqual(channels);
    });

    it('custom outputs name the analytics stream, its region and the dashboard', () => {
      const { custom: c } = custom();
      expect(c.analytics.kinesis.aws_region).toBe('{Ref:AWS::Region}');
      expect(target(c.analytics.kinesis.stream_name)).toBe('AWS::Kinesis::Stream');
      expect(target(c.monitoring.dashboard_name)).toBe('AWS::CloudWatch::Dashboard');
    });
  });
}
