import { rmSync } from 'node:fs';
import { GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { writeDeveloperAccessAssembly } from '../fixtures/developer_access_assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { signForTest } from '../helpers/sigv4.js';

/**
 * The developer keys and STS AssumeRole as the AWS SDK uses them, against a backend whose template
 * holds a role the account may assume, a role that needs an ExternalId and a function's role
 * (trusted by Lambda only).
 */

let cloud: TestLocalCloud;
let model: BackendModel;
let assemblyDir: string;
type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const sts = (credentials: Keys = DEFAULT_ACCOUNT_KEYS) => new STSClient({ endpoint: cloud.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
const lambda = (credentials: Keys = DEFAULT_ACCOUNT_KEYS) => new LambdaClient({ endpoint: cloud.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
const role = (logicalId: string) => model.iam.roles.find((r) => r.logicalId === logicalId)!;

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  assemblyDir = writeDeveloperAccessAssembly();
  model = loadBackendModel(assemblyDir, { region: 'us-east-1' });
  cloud = await startLocalCloud({ model, services: ['identity', 'functions', 'sts'] });
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(assemblyDir, { recursive: true, force: true });
});

describe('developer credentials', () => {
  it('are written to custom.local of the outputs with the STS endpoint', () => {
    const local = (cloud.outputs.custom as { local: Record<string, unknown> }).local;
    expect(local.sts_endpoint).toBe(cloud.endpoint);
    expect(local.developer_credentials).toEqual({
      access_key_id: DEFAULT_ACCOUNT_KEYS.accessKeyId,
      secret_access_key: DEFAULT_ACCOUNT_KEYS.secretAccessKey,
      account_id: '123456789012',
      user_arn: 'arn:aws:iam::123456789012:user/local-developer',
      region: 'us-east-1',
    });
  });

  it('are the developer user to GetCallerIdentity', async () => {
    const me = await sts().send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('123456789012');
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/local-developer');
    expect(me.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it('refuses an unknown access key with InvalidClientTokenId and a wrong secret with SignatureDoesNotMatch', async () => {
    const unknown = await failure(sts({ accessKeyId: 'AKIAFORGED0000000000', secretAccessKey: DEFAULT_ACCOUNT_KEYS.secretAccessKey }).send(new GetCallerIdentityCommand({})));
    expect(unknown).toEqual({ name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 });
    const forged = await failure(sts({ ...DEFAULT_ACCOUNT_KEYS, secretAccessKey: 'not-the-secret-key' }).send(new GetCallerIdentityCommand({})));
    expect(forged.name).toBe('SignatureDoesNotMatch');
    expect(forged.status).toBe(403);
    const lambdaUnknown = await failure(lambda({ accessKeyId: 'AKIAFORGED0000000000', secretAccessKey: 'x'.repeat(40) }).send(new ListFunctionsCommand({})));
    expect(lambdaUnknown.name).toBe('UnrecognizedClientException');
  });

  it('read any function in Lambda\'s GetFunction and ListFunctions shapes', async () => {
    const fn = model.functions[0];
    const got = await lambda().send(new GetFunctionCommand({ FunctionName: fn.functionName }));
    expect(got.Configuration).toMatchObject({
      FunctionName: fn.functionName,
      FunctionArn: fn.arn,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: role('WorkerRole').arn,
      MemorySize: 256,
      Timeout: 7,
      Environment: { Variables: { GREETING: 'hello' } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Version: '$LATEST',
    });
    expect(got.Configuration!.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(got.Code).toEqual({ RepositoryType: 'S3', Location: expect.stringMatching(/^file:\/\//) });
    const byArn = await lambda().send(new GetFunctionCommand({ FunctionName: fn.arn }));
    expect(byArn.Configuration!.FunctionName).toBe(fn.functionName);

    const listed = await lambda().send(new ListFunctionsCommand({}));
    expect(listed.Functions!.map((f) => f.FunctionName)).toEqual([fn.functionName]);
    expect(listed.NextMarker).toBeUndefined();

    const config = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName }));
    expect(config).toMatchObject({ FunctionArn: fn.arn, Timeout: 7, RevisionId: got.Configuration!.RevisionId });
    const page = await lambda().send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(page.Functions).toHaveLength(1);
    const badPage = await failure(lambda().send(new ListFunctionsCommand({ MaxItems: 0 })));
    expect(badPage.name).toBe('InvalidParameterValueException');
    expect((await failure(lambda().send(new GetFunctionCommand({ FunctionName: fn.functionName, Qualifier: '3' })))).name).toBe('ResourceNotFoundException');

    const malformed = await fetch(
      await signForTest({ url: `${cloud.endpoint}/2015-03-31/functions/%zz`, credentials: DEFAULT_ACCOUNT_KEYS, service: 'lambda', signingDate: new Date() }),
    );
    expect(malformed.status).toBe(404);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');

    const missing = await failure(lambda().send(new GetFunctionCommand({ FunctionName: 'no-such-function' })));
    expect(missing).toEqual({ name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function', status: 404 });
  });

  it('invoke any function', async () => {
    const res = await lambda().send(new InvokeCommand({ FunctionName: model.functions[0].functionName, Payload: JSON.stringify({ n: 41 }) }));
    expect(res.StatusCode).toBe(200);
    expect(res.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(res.Payload!).toString('utf8'))).toEqual({ n: 42 });
  });
});

describe('STS AssumeRole', () => {
  it('issues a session of a role whose trust policy names the account; its policies then apply', async () => {
    const deployer = role('DeployerRole');
    const out = await sts().send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'release-42' }));
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/${deployer.name}/release-42`);
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:release-42$/);
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    // The default session lasts an hour.
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);

    const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    expect((await sts(session).send(new GetCallerIdentityCommand({}))).Arn).toBe(out.AssumedRoleUser!.Arn);
    const fn = model.functions[0];
    expect((await lambda(session).send(new GetFunctionCommand({ FunctionName: fn.functionName }))).Configuration!.FunctionArn).toBe(fn.arn);
    const listing = await failure(lambda(session).send(new ListFunctionsCommand({})));
    expect(listing.name).toBe('AccessDeniedException');
    expect(listing.message).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/${deployer.name}/release-42 is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action`,
    );
  });

  it("refuses a role whose trust policy does not name the caller (a function's role trusts Lambda only)", async () => {
    const worker = role('WorkerRole');
    const denied = await failure(sts().send(new AssumeRoleCommand({ RoleArn: worker.arn, RoleSessionName: 'sneaky' })));
    expect(denied).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::123456789012:user/local-developer is not authorized to perform: sts:AssumeRole on resource: ${worker.arn}`,
      status: 403,
    });
    const unknown = await failure(sts().send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/Nope', RoleSessionName: 'x1' })));
    expect(unknown.name).toBe('AccessDenied');
  });

  it("needs the caller's own policy too when the trust policy names the whole account", async () => {
    const worker = model.functions[0];
    const fnCreds = cloud.cloud.registry.get('identity.credentials').issueForRole(worker.roleArn!, worker.functionName, 900);
    const asWorker = { accessKeyId: fnCreds.accessKeyId, secretAccessKey: fnCreds.secretAccessKey, sessionToken: fnCreds.sessionToken };
    const deployer = role('DeployerRole');
    // The worker's role grants no sts:AssumeRole; the deployer's session (tested above) may chain.
    expect(await failure(sts(asWorker).send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'w1' })))).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::123456789012:assumed-role/${role('WorkerRole').name}/${worker.functionName} is not authorized to perform: sts:AssumeRole on resource: ${deployer.arn}`,
      status: 403,
    });
  });

  it('answers a presigned GET GetCallerIdentity (the query form of the protocol)', async () => {
    const req = await signForTest({
      url: `${cloud.endpoint}/?Action=GetCallerIdentity&Version=2011-06-15`,
      credentials: DEFAULT_ACCOUNT_KEYS,
      service: 'sts',
      signingDate: new Date(),
      presignExpiresIn: 60,
    });
    const res = await fetch(req.url);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(xml).toContain('<Arn>arn:aws:iam::123456789012:user/local-developer</Arn>');
    expect(xml).toMatch(/<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>/);
  });

  it('evaluates the trust policy\'s conditions (sts:ExternalId)', async () => {
    const partner = role('PartnerRole');
    expect((await failure(sts().send(new AssumeRoleCommand({ RoleArn: partner.arn, RoleSessionName: 'p1' })))).name).toBe('AccessDenied');
    expect((await failure(sts().send(new AssumeRoleCommand({ RoleArn: partner.arn, RoleSessionName: 'p1', ExternalId: 'wrong' })))).name).toBe('AccessDenied');
    const ok = await sts().send(new AssumeRoleCommand({ RoleArn: partner.arn, RoleSessionName: 'p1', ExternalId: 'partner-7' }));
    expect(ok.AssumedRoleUser!.Arn).toContain(`/${partner.name}/p1`);
  });

  it("limits DurationSeconds to the role's MaxSessionDuration, and to an hour when a role session assumes a role", async () => {
    const deployer = role('DeployerRole');
    const long = await sts().send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'long', DurationSeconds: 7200 }));
    expect(long.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(7190_000);
    expect(await failure(sts().send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'longer', DurationSeconds: 7201 })))).toEqual({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      status: 400,
    });
    const tooShort = await failure(sts().send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'short', DurationSeconds: 899 })));
    expect(tooShort.message).toBe("1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");

    const chainFrom = { accessKeyId: long.Credentials!.AccessKeyId!, secretAccessKey: long.Credentials!.SecretAccessKey!, sessionToken: long.Credentials!.SessionToken! };
    const chained = await failure(sts(chainFrom).send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'again', DurationSeconds: 7200 })));
    expect(chained.message).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    const hop = await sts(chainFrom).send(new AssumeRoleCommand({ RoleArn: deployer.arn, RoleSessionName: 'again' }));
    expect(hop.AssumedRoleUser!.Arn).toContain('/again');
  });

  it('validates RoleSessionName as STS does', async () => {
    const arn = role('DeployerRole').arn;
    const short = await failure(sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'a' })));
    expect(short).toEqual({
      name: 'ValidationError',
      message: "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      status: 400,
    });
    const spaced = await failure(sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'has space' })));
    expect(spaced.message).toBe("1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  });

  it('answers a form POST of an unknown action with InvalidAction in STS\'s error XML', async () => {
    const res = await fetch(`${cloud.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetSessionTokenX&Version=2011-06-15',
    });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toMatch(/^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>InvalidAction<\/Code>\s*<Message>Could not find operation GetSessionTokenX for version 2011-06-15/);
    expect(xml).toMatch(/<\/Error>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ErrorResponse>/);
    const unsigned = await fetch(`${cloud.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});
