import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { describe, expect, it } from 'vitest';
import { Resolver } from '../../../src/local/assembly/intrinsics.js';
import { LOCAL_ENDPOINT } from '../../../src/local/assembly/local_endpoint.js';
import { localPhysics } from '../../../src/local/assembly/physical.js';
import { RETURN_VALUES } from '../../../src/local/assembly/return_values.js';
import type { CloudAssembly, ResourceDef, StackNode } from '../../../src/local/assembly/templates.js';

/** One stack holding the given resources, resolved in us-west-2 for account 123456789012. */
function resolverFor(resources: Record<string, ResourceDef>) {
  const root: StackNode = { name: 'app', path: 'app', file: 'app.template.json', template: { Resources: resources }, children: new Map() };
  const asm: CloudAssembly = { dir: '/nowhere', root, stacks: [root], assets: new Map() };
  const r = new Resolver(asm, { region: 'us-west-2', accountId: '123456789012' }, localPhysics);
  return {
    ref: (id: string) => r.ref(root, id),
    att: (id: string, attr: string) => r.getAtt(root, id, attr),
  };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

describe('Ref and Fn::GetAtt follow CloudFormation\'s documented return values', () => {
  it('API Gateway: the REST API id and its root resource id, a stage its name', () => {
    const { ref, att } = resolverFor({
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'api' } },
      Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
      Http: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'http', ProtocolType: 'HTTP' } },
    });
    expect(ref('Api')).toMatch(/^[a-z0-9]{10}$/);
    expect(att('Api', 'RestApiId')).toBe(ref('Api'));
    expect(att('Api', 'RootResourceId')).toMatch(/^[a-z0-9]{10}$/);
    expect(att('Api', 'RootResourceId')).not.toBe(ref('Api'));
    expect(ref('Stage')).toBe('prod');
    expect(att('Http', 'ApiEndpoint')).toBe(`https://${String(ref('Http'))}.execute-api.us-west-2.amazonaws.com`);
  });

  it('SQS: Ref is the queue URL (at the local endpoint); Arn and QueueName; a FIFO queue gets the .fifo suffix', () => {
    const { ref, att } = resolverFor({
      Named: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
      Fifo: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    });
    // The URL names the local endpoint (a marker replaced by the running one): SDK clients send to it.
    expect(ref('Named')).toBe(`${LOCAL_ENDPOINT}/123456789012/jobs`);
    expect(att('Named', 'Arn')).toBe('arn:aws:sqs:us-west-2:123456789012:jobs');
    expect(att('Named', 'QueueName')).toBe('jobs');
    expect(att('Named', 'QueueUrl')).toBe(ref('Named'));
    expect(att('Fifo', 'QueueName')).toMatch(/^app-Fifo-[A-Z0-9]{12}\.fifo$/);
  });

  it('SNS: Ref is the topic ARN; Lambda: Ref is the name, Arn the function ARN', () => {
    const { ref, att } = resolverFor({
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    });
    expect(ref('Topic')).toBe('arn:aws:sns:us-west-2:123456789012:alerts');
    expect(att('Topic', 'TopicName')).toBe('alerts');
    expect(ref('Fn')).toMatch(/^app-Fn-[A-Z0-9]{12}$/);
    expect(att('Fn', 'Arn')).toBe(`arn:aws:lambda:us-west-2:123456789012:function:${String(ref('Fn'))}`);
  });

  it('IAM role: name, ARN with its path, an AROA role id; KMS key: a UUID key id and its ARN', () => {
    const { ref, att } = resolverFor({
      Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'worker', Path: '/service/' } },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
    });
    expect(ref('Role')).toBe('worker');
    expect(att('Role', 'Arn')).toBe('arn:aws:iam::123456789012:role/service/worker');
    expect(att('Role', 'RoleId')).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(ref('Key')).toMatch(new RegExp(`^${UUID}$`));
    expect(att('Key', 'KeyId')).toBe(ref('Key'));
    expect(att('Key', 'Arn')).toBe(`arn:aws:kms:us-west-2:123456789012:key/${String(ref('Key'))}`);
  });

  it('EventBridge: a rule on a custom bus is bus|name; Scheduler: the ARN carries the group', () => {
    const { ref, att } = resolverFor({
      Default: { Type: 'AWS::Events::Rule', Properties: { Name: 'nightly' } },
      OnBus: { Type: 'AWS::Events::Rule', Properties: { Name: 'orders', EventBusName: 'shop' } },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: 'reminder', GroupName: 'mail' } },
    });
    expect(ref('Default')).toBe('nightly');
    expect(att('Default', 'Arn')).toBe('arn:aws:events:us-west-2:123456789012:rule/nightly');
    expect(ref('OnBus')).toBe('shop|orders');
    expect(att('OnBus', 'Arn')).toBe('arn:aws:events:us-west-2:123456789012:rule/shop/orders');
    expect(ref('Schedule')).toBe('reminder');
    expect(att('Schedule', 'Arn')).toBe('arn:aws:scheduler:us-west-2:123456789012:schedule/mail/reminder');
  });

  it('Connect: Ref is the instance ARN, Id the UUID inside it', () => {
    const { ref, att } = resolverFor({ Instance: { Type: 'AWS::Connect::Instance', Properties: { IdentityManagementType: 'CONNECT_MANAGED' } } });
    expect(ref('Instance')).toBe(`arn:aws:connect:us-west-2:123456789012:instance/${String(att('Instance', 'Id'))}`);
    expect(att('Instance', 'Id')).toMatch(new RegExp(`^${UUID}$`));
  });

  it('rejects an attribute CloudFormation does not document for a listed type', () => {
    const { att } = resolverFor({ Topic: { Type: 'AWS::SNS::Topic', Properties: {} } });
    expect(() => att('Topic', 'Arn')).toThrow(/attribute Arn of AWS::SNS::Topic is not known/);
  });
});

describe('the return-value table against the CloudFormation resource specification', () => {
  const db = loadAwsServiceSpecSync();
  const spec = (type: string) => db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
  const listed = Object.keys(RETURN_VALUES).filter((type) => type.startsWith('AWS::'));

  it('lists only types the specification has', () => {
    expect(listed.filter((type) => !spec(type))).toEqual([]);
  });

  it('gives each type only attributes the specification documents for it', () => {
    const unknown = listed.flatMap((type) =>
      Object.keys(RETURN_VALUES[type].attrs ?? {})
        .filter((attr) => !(attr in (spec(type)?.attributes ?? {})))
        .map((attr) => `${type}.${attr}`),
    );
    expect(unknown).toEqual([]);
  });

  it('gives each type every scalar attribute the specification documents for it', () => {
    // Nested (dotted) and object-valued attributes depend on configuration the table does not model.
    const scalar = (t: { type: string }) => ['string', 'integer', 'number', 'boolean'].includes(t.type);
    const missing = listed.flatMap((type) =>
      Object.entries(spec(type)?.attributes ?? {})
        .filter(([attr, def]) => !attr.includes('.') && scalar(def.type) && !(attr in (RETURN_VALUES[type].attrs ?? {})))
        .map(([attr]) => `${type}.${attr}`),
    );
    expect(missing).toEqual([]);
  });
});
