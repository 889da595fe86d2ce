import { describe, expect, it } from 'vitest';
import { dependencyGraph, findCycle, nestedStackGraph } from '../stack_graph.js';
import type { SynthesizedBackend } from '../synth.js';

export function describeStacks(get: () => SynthesizedBackend): void {
  describe('stacks', () => {
    it('the nested stacks form no dependency cycle, at the top level and inside data', () => {
      const parents = get().stacks.filter((s) => Object.values(s.json.Resources).some((r) => r.Type === 'AWS::CloudFormation::Stack'));
      expect(parents.map((p) => p.id).sort()).toEqual([get().root.id, 'data'].sort());
      for (const parent of parents) expect(findCycle(nestedStackGraph(parent.json))).toBeNull();
    });

    it('no template has a dependency cycle between its own resources', () => {
      for (const s of get().stacks) expect({ stack: s.id, cycle: findCycle(dependencyGraph(s.json)) }).toEqual({ stack: s.id, cycle: null });
    });

    it('top-level stacks depend only on: auth ← data, storage, analytics, monitoring; push ← data; data ← monitoring', () => {
      const groups = ['auth', 'data', 'storage', 'push', 'analytics', 'monitoring'];
      const idOf = new Map(groups.map((g) => [get().stackNamed(g).logicalIdInParent!, g]));
      const graph = nestedStackGraph(get().root.json);
      const named = Object.fromEntries([...graph].map(([id, deps]) => [idOf.get(id), [...deps].map((d) => idOf.get(d)).sort()]));
      expect(named).toEqual({
        auth: [],
        push: [],
        data: ['auth', 'push'],
        storage: ['auth'],
        analytics: ['auth'],
        monitoring: ['auth', 'data'],
      });
    });

    it('CloudFormation validation at synth reports no circular dependency', () => {
      const violations = get().validationReport.pluginReports.flatMap((r) => r.violations);
      expect(violations.filter((v) => v.ruleName === 'F3004' || /circular/i.test(v.description))).toEqual([]);
      expect(get().messages.filter((m) => /circular/i.test(m.text))).toEqual([]);
      expect(get().console.filter((line) => /circular/i.test(line))).toEqual([]);
    });
  });
}
