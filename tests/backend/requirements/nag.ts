import { describe, expect, it } from 'vitest';
import type { SynthesizedBackend } from '../synth.js';

export function describeNag(get: () => SynthesizedBackend): void {
  describe('cdk-nag (AwsSolutions)', () => {
    it('finds nothing unacknowledged in any stack, errors or warnings', () => {
      const open = get().nagReport.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.severity} ${v.ruleName} @ ${r.constructPath}`),
      );
      expect(open).toEqual([]);
    });

    it('every acknowledgement states its reason', () => {
      const acks = get().acknowledgements.filter((a) => a.id.includes('AwsSolutions-'));
      expect(acks.length).toBeGreaterThan(10);
      for (const a of acks) expect({ id: a.id, reason: a.reason.trim().length >= 30 }).toEqual({ id: a.id, reason: true });
    });
  });
}
