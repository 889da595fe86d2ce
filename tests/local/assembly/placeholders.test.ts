import { describe, expect, it } from 'vitest';
import { Resolver } from '../../../src/local/assembly/intrinsics.js';
import { localPhysics } from '../../../src/local/assembly/physical.js';
import type { CloudAssembly, ResourceDef, StackNode } from '../../../src/local/assembly/templates.js';

function resolverFor(resources: Record<string, ResourceDef>) {
  const root: StackNode = { name: 'app', path: 'app', file: 'app.template.json', template: { Resources: resources }, children: new Map() };
  const asm: CloudAssembly = { dir: '/nowhere', root, stacks: [root], assets: new Map() };
  const r = new Resolver(asm, { region: 'eu-central-1', accountId: '123456789012' }, localPhysics);
  return { ref: (id: string) => r.ref(root, id), att: (id: string, attr: string) => r.getAtt(root, id, attr) };
}

const resources: Record<string, ResourceDef> = {
  Widget: { Type: 'AWS::FutureService::WidgetPool', Properties: {} },
  Named: { Type: 'AWS::FutureService::WidgetPool', Properties: { WidgetPoolName: 'pool-a' } },
  Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
  Thing: { Type: 'Custom::MyThing', Properties: { ServiceToken: 'arn:aws:lambda:eu-central-1:123456789012:function:handler', Size: 3 } },
};

describe('placeholders for resource types the table does not list', () => {
  it('shape each attribute by its name: ARN, id, URL, host, name, time', () => {
    const { att, ref } = resolverFor(resources);
    expect(ref('Widget')).toMatch(/^app-Widget-[A-Z0-9]{12}$/);
    expect(att('Widget', 'Arn')).toBe(`arn:aws:futureservice:eu-central-1:123456789012:widget-pool/${String(ref('Widget'))}`);
    expect(att('Widget', 'PoolArn')).toMatch(/^arn:aws:futureservice:eu-central-1:123456789012:widget-pool\//);
    expect(att('Widget', 'WidgetPoolId')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(att('Widget', 'EndpointUrl')).toMatch(/^https:\/\/[^/]+\.futureservice\.eu-central-1\.amazonaws\.com$/);
    expect(att('Widget', 'Endpoint.Address')).toMatch(/^[^/]+\.futureservice\.eu-central-1\.amazonaws\.com$/);
    expect(att('Widget', 'CreatedAt')).toBe('1970-01-01T00:00:00.000Z');
    expect(att('Widget', 'Status')).toMatch(/^Widget-Status-[a-z0-9]{8}$/);
  });

  it('keep the name the template gives', () => {
    const { att, ref } = resolverFor(resources);
    expect(ref('Named')).toBe('pool-a');
    expect(att('Named', 'WidgetPoolName')).toBe('pool-a');
  });

  it('are deterministic: the same resource gives the same values in every load', () => {
    const a = resolverFor(resources);
    const b = resolverFor(resources);
    for (const attr of ['Arn', 'WidgetPoolId', 'Status']) expect(a.att('Widget', attr)).toBe(b.att('Widget', attr));
    expect(a.att('Widget', 'WidgetPoolId')).not.toBe(a.att('Named', 'WidgetPoolId'));
  });

  it('stand for a nested attribute of a listed type, which depends on configuration the table does not model', () => {
    const { att } = resolverFor(resources);
    expect(att('Bucket', 'MetadataTableConfiguration.S3TablesDestination.TableArn')).toMatch(/^arn:aws:s3:eu-central-1:123456789012:bucket\//);
    expect(() => att('Bucket', 'TableArn')).toThrow(/attribute TableArn of AWS::S3::Bucket is not known/);
  });

  it('stand for a custom resource\'s handler attributes, keeping those passed as properties', () => {
    const { att } = resolverFor(resources);
    expect(att('Thing', 'Size')).toBe(3);
    expect(att('Thing', 'ThingArn')).toMatch(/^arn:aws:custom:eu-central-1:123456789012:my-thing\//);
  });
});
