import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { App, CfnOutput, NestedStack, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { findCycle, nestedStackGraph } from './stack_graph.js';
import type { CfnTemplate } from './synth.js';

describe('nested-stack cycle detection (the check the backend tests rely on)', () => {
  it('finds no cycle in a chain and reports the loop in a cyclic graph', () => {
    const chain = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set<string>()]]);
    expect(findCycle(chain)).toBeNull();
    const loop = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
    expect(findCycle(loop)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('sees two nested stacks that read each other\'s outputs as a cycle, as CloudFormation validation does', () => {
    const app = new App();
    const root = new Stack(app, 'Root');
    const first = new NestedStack(root, 'First');
    const second = new NestedStack(root, 'Second');
    const a = new sqs.Queue(first, 'A');
    const b = new sqs.Queue(second, 'B');
    new CfnOutput(first, 'UsesB', { value: b.queueArn });
    new CfnOutput(second, 'UsesA', { value: a.queueArn });
    // CDK prints the validation findings; they are the point of this test, not noise for the run.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const assembly = app.synth();
    quiet.mockRestore();
    const template = JSON.parse(readFileSync(path.join(assembly.directory, root.templateFile), 'utf8')) as CfnTemplate;
    const ids = [root.resolve(first.nestedStackResource!.logicalId), root.resolve(second.nestedStackResource!.logicalId)];
    expect(findCycle(nestedStackGraph(template))?.sort()).toEqual([...ids, ids[0]].sort());
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    const rules = report.pluginReports.flatMap((r: { violations: { ruleName: string }[] }) => r.violations.map((v) => v.ruleName));
    expect(rules).toContain('F3004');
  });
});
