import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  type PutParameterCommandInput,
  SSMClient,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import type { ParametersService } from '../../../src/local/parameters/index.js';
import { getFixtureAssembly } from '../../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';

/**
 * The local Parameter Store driven by `@aws-sdk/client-ssm` over HTTPS, signed with credentials of
 * the roles tests/fixtures/secrets defines (an operator allowed ssm:* on parameters, a reader of
 * /app/public only), so every call is SigV4-verified and authorized by the assembly's policies.
 */

let cloud: TestLocalCloud;
let model: BackendModel;
const clock = new ManualClock(Date.now());
let operator: SSMClient;
let reader: SSMClient;

function client(roleArn: string, session: string): SSMClient {
  const creds = cloud.cloud.registry.get('identity.credentials').issueForRole(roleArn, session, 3600);
  return new SSMClient({
    region: 'us-east-1',
    endpoint: cloud.endpoint,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    maxAttempts: 1,
  });
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('secrets'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model, services: ['identity', 'parameters'], clock });
  const custom = model.customOutputs.custom as { operatorRoleArn: string; publicReaderRoleArn: string };
  operator = client(custom.operatorRoleArn, 'operator');
  reader = client(custom.publicReaderRoleArn, 'reader');
});

afterAll(async () => {
  await cloud?.stop();
});

beforeEach(async () => {
  await cloud.cloud.services.find((s) => s.name === 'parameters')!.reset();
});

describe('PutParameter and GetParameter', () => {
  it('creates version 1, overwrites to version 2, and returns the value with its ARN, type and date', async () => {
    const created = await operator.send(new PutParameterCommand({ Name: '/app/config/url', Value: 'https://a', Type: 'String' }));
    expect(created).toMatchObject({ Version: 1, Tier: 'Standard' });
    clock.advance(1000);
    const updated = await operator.send(new PutParameterCommand({ Name: '/app/config/url', Value: 'https://b', Overwrite: true }));
    expect(updated.Version).toBe(2);

    const { Parameter } = await operator.send(new GetParameterCommand({ Name: '/app/config/url' }));
    expect(Parameter).toMatchObject({
      Name: '/app/config/url',
      Type: 'String',
      Value: 'https://b',
      Version: 2,
      ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/config/url',
      DataType: 'text',
    });
    expect(Parameter!.LastModifiedDate).toEqual(new Date(clock.now()));

    const first = await operator.send(new GetParameterCommand({ Name: '/app/config/url:1' }));
    expect(first.Parameter).toMatchObject({ Value: 'https://a', Version: 1, Selector: ':1' });
    const missingVersion = await failure(operator.send(new GetParameterCommand({ Name: '/app/config/url:7' })));
    expect(missingVersion.name).toBe('ParameterVersionNotFound');
  });

  it('refuses to replace a parameter without Overwrite, and changes nothing', async () => {
    await operator.send(new PutParameterCommand({ Name: 'plain', Value: 'one', Type: 'String' }));
    const err = await failure(operator.send(new PutParameterCommand({ Name: 'plain', Value: 'two', Type: 'String' })));
    expect(err.name).toBe('ParameterAlreadyExists');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect((await operator.send(new GetParameterCommand({ Name: 'plain' }))).Parameter).toMatchObject({ Value: 'one', Version: 1 });
  });

  it('hides a SecureString unless WithDecryption is set', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/secret', Value: 'hunter2', Type: 'SecureString' }));
    const hidden = (await operator.send(new GetParameterCommand({ Name: '/app/secret' }))).Parameter!;
    expect(hidden.Type).toBe('SecureString');
    expect(hidden.Value).not.toContain('hunter2');
    expect(Buffer.from(hidden.Value!, 'base64').toString('base64')).toBe(hidden.Value);
    const shown = (await operator.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }))).Parameter!;
    expect(shown.Value).toBe('hunter2');
  });

  it('keeps StringList values as the comma-separated text that was put', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/list', Value: 'a,b,c', Type: 'StringList' }));
    expect((await operator.send(new GetParameterCommand({ Name: '/app/list' }))).Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b,c' });
  });

  it.each([
    ['a type on create', { Name: '/app/untyped', Value: 'v' }, 'ValidationException', /type is required/],
    ['a fully qualified name', { Name: 'app/x', Value: 'v', Type: 'String' }, 'ValidationException', /fully qualified/],
    ['a name outside the reserved prefixes', { Name: '/aws/x', Value: 'v', Type: 'String' }, 'ValidationException', /prefixed with "aws" or "ssm"/],
    ['legal characters', { Name: '/app/bad name', Value: 'v', Type: 'String' }, 'ValidationException', /sub-path/],
    ['at most 15 levels', { Name: `/${'a/'.repeat(15)}z`, Value: 'v', Type: 'String' }, 'HierarchyLevelLimitExceededException', /15 levels/],
    ['a non-empty value', { Name: '/app/empty', Value: '', Type: 'String' }, 'ValidationException', /length greater than or equal to 1/],
    ['a value within the Standard tier', { Name: '/app/big', Value: 'x'.repeat(4097), Type: 'String' }, 'ValidationException', /maximum parameter value of 4096/],
    ['a known key', { Name: '/app/k', Value: 'v', Type: 'SecureString', KeyId: 'alias/mine' }, 'InvalidKeyId', /alias\/mine/],
    ['a KeyId only for SecureString', { Name: '/app/k', Value: 'v', Type: 'String', KeyId: 'alias/aws/ssm' }, 'ValidationException', /SecureString type parameter only/],
    ['a value matching AllowedPattern', { Name: '/app/p', Value: 'abc', Type: 'String', AllowedPattern: '^\\d+$' }, 'ParameterPatternMismatchException', /allowed pattern/],
    ['a known type', { Name: '/app/t', Value: 'v', Type: 'Number' }, 'ValidationException', /enum value set/],
  ])('requires %s', async (_what, input, name, message) => {
    const err = await failure(operator.send(new PutParameterCommand(input as PutParameterCommandInput)));
    expect(err.name).toBe(name);
    expect(err.message).toMatch(message);
    const described = await operator.send(new DescribeParametersCommand({}));
    expect(described.Parameters).toEqual([]);
  });

  it('answers ParameterNotFound for a missing name', async () => {
    const err = await failure(operator.send(new GetParameterCommand({ Name: '/nope' })));
    expect(err.name).toBe('ParameterNotFound');
  });
});

describe('GetParameters, as the Gen 2 function banner calls it', () => {
  it('returns the values it finds and lists the other names as InvalidParameters', async () => {
    await operator.send(new PutParameterCommand({ Name: '/amplify/x/KEY', Value: 'k', Type: 'SecureString' }));
    const out = await operator.send(new GetParametersCommand({ Names: ['/amplify/x/KEY', '/amplify/x/MISSING'], WithDecryption: true }));
    expect(out.Parameters!.map((p) => [p.Name, p.Value, p.Version])).toEqual([['/amplify/x/KEY', 'k', 1]]);
    expect(out.InvalidParameters).toEqual(['/amplify/x/MISSING']);
  });

  it('takes at most 10 names', async () => {
    const err = await failure(operator.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/n${i}`) })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/less than or equal to 10/);
  });
});

describe('GetParametersByPath', () => {
  beforeEach(async () => {
    for (const name of ['/app/a', '/app/b', '/app/c', '/app/deep/d', '/other/e']) {
      await operator.send(new PutParameterCommand({ Name: name, Value: name, Type: name === '/app/b' ? 'SecureString' : 'String' }));
    }
  });

  it('lists one level by default and the whole subtree with Recursive, in pages', async () => {
    const oneLevel = await operator.send(new GetParametersByPathCommand({ Path: '/app' }));
    expect(oneLevel.Parameters!.map((p) => p.Name)).toEqual(['/app/a', '/app/b', '/app/c']);
    const names: string[] = [];
    for await (const page of paginateGetParametersByPath({ client: operator, pageSize: 2 }, { Path: '/app/', Recursive: true })) {
      expect(page.Parameters!.length).toBeLessThanOrEqual(2);
      names.push(...page.Parameters!.map((p) => p.Name!));
    }
    expect(names).toEqual(['/app/a', '/app/b', '/app/c', '/app/deep/d']);
  });

  it('filters by type and refuses filter keys the operation does not know', async () => {
    const secure = await operator.send(
      new GetParametersByPathCommand({ Path: '/app', ParameterFilters: [{ Key: 'Type', Option: 'Equals', Values: ['SecureString'] }], WithDecryption: true }),
    );
    expect(secure.Parameters!.map((p) => [p.Name, p.Value])).toEqual([['/app/b', '/app/b']]);
    const bad = await failure(operator.send(new GetParametersByPathCommand({ Path: '/app', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })));
    expect(bad.name).toBe('InvalidFilterKey');
    const token = await failure(operator.send(new GetParametersByPathCommand({ Path: '/app', NextToken: 'not-a-token' })));
    expect(token.name).toBe('InvalidNextToken');
  });
});

describe('DescribeParameters, DeleteParameter and DeleteParameters', () => {
  it('describes metadata with who wrote it, never the value', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/s', Value: 'v', Type: 'SecureString', Description: 'a secret' }));
    await operator.send(new PutParameterCommand({ Name: '/app/t', Value: 'v', Type: 'String' }));
    const out = await operator.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/app/s'] }] }));
    expect(out.Parameters).toHaveLength(1);
    expect(out.Parameters![0]).toMatchObject({
      Name: '/app/s',
      Type: 'SecureString',
      KeyId: 'alias/aws/ssm',
      Description: 'a secret',
      Version: 1,
      Tier: 'Standard',
      DataType: 'text',
    });
    expect(out.Parameters![0].LastModifiedUser).toMatch(/^arn:aws:sts::123456789012:assumed-role\/.+\/operator$/);
    expect(JSON.stringify(out)).not.toContain('"Value"');
  });

  it('deletes one parameter, then answers ParameterNotFound for it', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/gone', Value: 'v', Type: 'String' }));
    await operator.send(new DeleteParameterCommand({ Name: '/app/gone' }));
    expect((await failure(operator.send(new GetParameterCommand({ Name: '/app/gone' })))).name).toBe('ParameterNotFound');
    expect((await failure(operator.send(new DeleteParameterCommand({ Name: '/app/gone' })))).name).toBe('ParameterNotFound');
  });

  it('deletes several and reports the names that did not exist', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/1', Value: 'v', Type: 'String' }));
    await operator.send(new PutParameterCommand({ Name: '/app/2', Value: 'v', Type: 'String' }));
    const out = await operator.send(new DeleteParametersCommand({ Names: ['/app/1', '/app/2', '/app/3'] }));
    expect(out.DeletedParameters).toEqual(['/app/1', '/app/2']);
    expect(out.InvalidParameters).toEqual(['/app/3']);
  });
});

describe('signatures and IAM', () => {
  it('lets a role read only what its policy names, in AWS words', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/public/motd', Value: 'hi', Type: 'String' }));
    await operator.send(new PutParameterCommand({ Name: '/app/private/key', Value: 'k', Type: 'String' }));
    expect((await reader.send(new GetParameterCommand({ Name: '/app/public/motd' }))).Parameter!.Value).toBe('hi');
    const denied = await failure(reader.send(new GetParameterCommand({ Name: '/app/private/key' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter\/app\/private\/key/);
    const write = await failure(reader.send(new PutParameterCommand({ Name: '/app/public/motd', Value: 'x', Overwrite: true })));
    expect(write.name).toBe('AccessDeniedException');
    expect((await operator.send(new GetParameterCommand({ Name: '/app/public/motd' }))).Parameter!.Value).toBe('hi');
  });

  it('rejects keys it never issued and tampered bodies', async () => {
    const stranger = new SSMClient({
      region: 'us-east-1',
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      maxAttempts: 1,
    });
    expect((await failure(stranger.send(new GetParameterCommand({ Name: '/x' })))).name).toBe('UnrecognizedClientException');

    const unsigned = await fetch(cloud.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' },
      body: '{"Name":"/x"}',
    });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });

  it('answers a malformed body with SerializationException and an unknown operation with UnknownOperationException', async () => {
    const send = async (target: string, body: string) => {
      const { signForTest } = await import('../../helpers/sigv4.js');
      const creds = cloud.cloud.registry.get('identity.credentials').issueForRole((model.customOutputs.custom as { operatorRoleArn: string }).operatorRoleArn, 'raw', 900);
      const req = await signForTest({
        url: `${cloud.endpoint}/`,
        method: 'POST',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
        body,
        credentials: creds,
        service: 'ssm',
        signingDate: new Date(clock.now()),
      });
      const res = await fetch(req);
      return { status: res.status, type: ((await res.json()) as { __type: string }).__type };
    };
    expect(await send('AmazonSSM.PutParameter', '{"Name": 5, "Value": "v"}')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await send('AmazonSSM.GetParameter', '[1,2]')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await send('AmazonSSM.GetParameter', '{')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await send('AmazonSSM.SendCommand', '{}')).toEqual({ status: 400, type: 'UnknownOperationException' });
  });
});

describe('persistence', () => {
  it('keeps parameters and their versions across a restart', async () => {
    await operator.send(new PutParameterCommand({ Name: '/app/kept', Value: 'one', Type: 'String' }));
    await operator.send(new PutParameterCommand({ Name: '/app/kept', Value: 'two', Type: 'String', Overwrite: true }));
    await cloud.restart();
    const service = cloud.cloud.services.find((s) => s.name === 'parameters') as ParametersService;
    expect(service.store.get('/app/kept')!.versions.map((v) => v.value)).toEqual(['one', 'two']);
    // Role credentials are not durable and the old client's sockets died with the server: a new client.
    const after = client((model.customOutputs.custom as { operatorRoleArn: string }).operatorRoleArn, 'operator');
    expect((await after.send(new GetParameterCommand({ Name: '/app/kept' }))).Parameter).toMatchObject({ Value: 'two', Version: 2 });
    operator = after;
  });
});
