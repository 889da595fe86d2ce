import { describe, expect, it } from 'vitest';
import { notEmulatedResources, summarizeNotEmulated } from '../../../src/local/assembly/emulation.js';
import { Resolver } from '../../../src/local/assembly/intrinsics.js';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import type { FunctionModel, ScheduleModel } from '../../../src/local/assembly/model.js';
import { localPhysics } from '../../../src/local/assembly/physical.js';
import type { CloudAssembly, ResourceDef, StackNode } from '../../../src/local/assembly/templates.js';
import { getOtherAssembly, getTestAssembly } from '../../fixtures/assembly.js';

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** The not-emulated list of one stack, with `user` and `internal` the functions the loader classified. */
function notEmulatedOf(resources: Record<string, ResourceDef>, fns: { user?: string[]; internal?: string[]; schedules?: string[] } = {}) {
  const root: StackNode = { name: 'app', path: 'app', file: 'app.template.json', template: { Resources: resources }, children: new Map() };
  const asm: CloudAssembly = { dir: '/nowhere', root, stacks: [root], assets: new Map() };
  const r = new Resolver(asm, { region: 'us-east-1', accountId: '123456789012' }, localPhysics);
  const model = (names: string[] = []) => names.map((name) => ({ functionName: name, arn: fnArn(name) }) as FunctionModel);
  const schedules = (fns.schedules ?? []).map((logicalId) => ({ logicalId, stackName: 'app' }) as ScheduleModel);
  return notEmulatedResources({ r, data: undefined, storage: undefined, functions: model(fns.user), internalFunctions: model(fns.internal), schedules });
}

describe('what the local cloud does not emulate', () => {
  it('lists resources of types no service serves, with their stack', () => {
    const list = notEmulatedOf({
      Instance: { Type: 'AWS::Connect::Instance', Properties: {} },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Pool: { Type: 'AWS::Cognito::UserPool', Properties: {} },
    });
    expect(list).toEqual([
      { type: 'AWS::Connect::Instance', logicalId: 'Instance', stack: 'app' },
      { type: 'AWS::SNS::Topic', logicalId: 'Topic', stack: 'app' },
    ]);
  });

  it('leaves out what is inert locally on purpose: policies, permissions, metadata, nested stacks, CDK machinery', () => {
    expect(
      notEmulatedOf({
        Policy: { Type: 'AWS::IAM::Policy', Properties: {} },
        Permission: { Type: 'AWS::Lambda::Permission', Properties: {} },
        Metadata: { Type: 'AWS::CDK::Metadata', Properties: {} },
        BucketPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: {} },
        AutoDelete: { Type: 'Custom::S3AutoDeleteObjects', Properties: {} },
        Retention: { Type: 'Custom::LogRetention', Properties: {} },
        Channel: { Type: 'AWS::Pinpoint::APNSChannel', Properties: {} },
      }),
    ).toEqual([]);
  });

  it('lists a custom resource of the app (its handler does not run locally), not those of the CDK', () => {
    const list = notEmulatedOf({
      Seed: { Type: 'Custom::SeedData', Properties: { ServiceToken: fnArn('seeder') } },
      Deploy: { Type: 'Custom::CDKBucketDeployment', Properties: {} },
    });
    expect(list.map((n) => n.type)).toEqual(['Custom::SeedData']);
  });

  it('tells a provider\'s state machine and layers (CDK machinery) from the app\'s own', () => {
    const machine = (fnName: string): ResourceDef => ({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: { 'Fn::Join': ['', ['{"States":{"t":{"Resource":"', fnArn(fnName), '"}}}']] } },
    });
    const layer = { Type: 'AWS::Lambda::LayerVersion', Properties: { LayerName: 'cli' } };
    const fnWith = (name: string, layerId: string): ResourceDef => ({
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: name, Layers: [{ Ref: layerId }] },
    });
    const list = notEmulatedOf(
      {
        Waiter: machine('provider'),
        Workflow: machine('worker'),
        CliLayer: layer,
        AppLayer: { ...layer, Properties: { LayerName: 'shared' } },
        Provider: fnWith('provider', 'CliLayer'),
        Worker: fnWith('worker', 'AppLayer'),
      },
      { user: ['worker'], internal: ['provider'] },
    );
    expect(list.map((n) => n.logicalId)).toEqual(['Workflow', 'AppLayer']);
  });

  it('lists a resource whose classification needs a value that does not resolve, instead of failing the load', () => {
    const list = notEmulatedOf({
      Layer: { Type: 'AWS::Lambda::LayerVersion', Properties: { LayerName: 'shared' } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'f', Layers: [{ Ref: 'Layer' }, { Ref: 'NoSuchThing' }] } },
    });
    expect(list.map((n) => n.logicalId)).toEqual(['Layer']);
  });

  it('counts a rule as emulated when it runs on a schedule, not when it only matches events', () => {
    const list = notEmulatedOf(
      {
        Nightly: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 day)' } },
        OnOrder: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['shop'] } } },
      },
      { schedules: ['Nightly'] },
    );
    expect(list.map((n) => n.logicalId)).toEqual(['OnOrder']);
  });

  it('summarizes counts per type for the banner', () => {
    const at = { logicalId: 'x', stack: 's' };
    expect(summarizeNotEmulated([{ type: 'AWS::SNS::Topic', ...at }, { type: 'AWS::Connect::Instance', ...at }, { type: 'AWS::SNS::Topic', ...at }])).toBe(
      'AWS::Connect::Instance ×1, AWS::SNS::Topic ×2',
    );
  });
});

describe('the not-emulated list of real backends', () => {
  it('names exactly the monitoring resources of this repository\'s backend', async () => {
    const model = loadBackendModel(await getTestAssembly());
    expect(summarizeNotEmulated(model.notEmulated ?? [])).toBe('AWS::CloudWatch::Alarm ×2, AWS::SNS::Topic ×1');
  });

  it('is empty for the second fixture backend (auth, data, a function: all emulated)', async () => {
    expect(loadBackendModel(await getOtherAssembly()).notEmulated).toEqual([]);
  });
});
