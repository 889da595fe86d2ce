import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { getTestAssembly } from '../../fixtures/assembly.js';
import { writeAssembly as writeAssemblyFiles } from '../../fixtures/write_assembly.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const HASH = 'd'.repeat(64);

function assembly(resources: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assembly-dashboards-'));
  dirs.push(dir);
  return writeAssemblyFiles(dir, { Resources: resources }, { functionHash: HASH, handlerSource: 'export const handler = async () => {};\n' });
}

const fn = { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'a', S3Key: `${HASH}.zip` }, Handler: 'index.handler', Runtime: 'nodejs22.x' } };

describe('CloudWatch dashboards in the assembly', () => {
  it('resolves the body\'s tokens to the local ids the services count under (this backend)', async () => {
    const model = loadBackendModel(await getTestAssembly());
    const [dashboard] = model.dashboards!;
    const metrics = dashboard.widgets.flatMap((w) => w.metrics);
    expect(metrics).toContainEqual(
      expect.objectContaining({ namespace: 'AWS/AppSync', metricName: 'RequestCount', stat: 'Sum', dimensions: { GraphQLAPIId: model.data!.apiId } }),
    );
    const lambda = metrics.find((m) => m.namespace === 'AWS/Lambda' && m.metricName === 'Duration');
    expect(model.functions.map((f) => f.functionName)).toContain(lambda!.dimensions.FunctionName);
    expect(dashboard.widgets.find((w) => w.title === 'DynamoDB throttled requests')!.expressions.length).toBeGreaterThan(0);
  });

  it('reads the "." shorthand, per-metric options, text widgets and a Fn::Join body', () => {
    const body = {
      widgets: [
        {
          type: 'metric',
          x: 0,
          y: 0,
          properties: {
            title: 'Fn',
            stat: 'Sum',
            metrics: [['AWS/Lambda', 'Invocations', 'FunctionName', '__FN__'], ['.', 'Duration', '.', '.', { stat: 'p90', label: 'slow' }], [{ expression: 'm1*2', label: 'double' }]],
          },
        },
        { type: 'text', properties: { markdown: '# Hello' } },
      ],
    };
    const [before, after] = JSON.stringify(body).split('__FN__');
    const model = loadBackendModel(
      assembly({ Fn: fn, Board: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardName: 'ops', DashboardBody: { 'Fn::Join': ['', [before, { Ref: 'Fn' }, after]] } } } }),
    );
    const [board] = model.dashboards!;
    expect(board.name).toBe('ops');
    const [graph, text] = board.widgets;
    const name = model.functions[0].functionName;
    expect(graph.metrics).toEqual([
      { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: name }, stat: 'Sum', label: undefined, period: undefined },
      { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: { FunctionName: name }, stat: 'p90', label: 'slow', period: undefined },
    ]);
    expect(graph.expressions).toEqual(['double: m1*2']);
    expect(text).toMatchObject({ type: 'text', markdown: '# Hello', metrics: [] });
    expect(model.notEmulated).toEqual([]);
  });

  it('skips a body that is not JSON with a warning, and starts', () => {
    const model = loadBackendModel(assembly({ Board: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: '{not json' } } }));
    expect(model.dashboards).toEqual([]);
    expect(model.warnings!.join('\n')).toMatch(/dashboard Board: its DashboardBody could not be read/);
  });
});
