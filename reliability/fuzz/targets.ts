/**
 * What to fuzz, derived from the running backend (its model and outputs) and from the AWS SDK's own
 * operation lists — never a hand-written copy of one app's API. Each target turns a seed into one
 * request and says which error shape its service must answer with.
 */
import * as cognitoIdp from '@aws-sdk/client-cognito-identity-provider';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as kinesis from '@aws-sdk/client-kinesis';
import * as kms from '@aws-sdk/client-kms';
import * as sqs from '@aws-sdk/client-sqs';
import * as ssm from '@aws-sdk/client-ssm';
import type { BackendModel } from '../../src/local/assembly/model.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { contentType, jsonBody, mutateBytes, mutateJson, randomValue } from './mutate.js';
import type { Rng } from './rng.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What the targets are derived from. */
export interface FuzzEnv {
  endpoint: string;
  outputs: AmplifyOutputs;
  model: BackendModel;
  /** Guest credentials of the identity pool, when the backend allows guests: signed cases get past SigV4. */
  credentials?: Credentials;
}

/** The error body a service's protocol prescribes. */
export type ErrorShape = 'aws-json' | 's3-xml' | 'query-xml' | 'graphql';

export interface FuzzRequest {
  method: string;
  /** Raw request target, sent as is. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sign with SigV4 for this service (after mutation, so the signature is valid for what is sent). */
  sign?: { service: string; uriEscapePath: boolean };
}

export interface FuzzTarget {
  name: string;
  shape: ErrorShape;
  request(rng: Rng): FuzzRequest;
}

const commandNames = (mod: Record<string, unknown>) =>
  Object.keys(mod)
    .filter((k) => k.endsWith('Command') && k !== 'Command' && typeof mod[k] === 'function')
    .map((k) => k.slice(0, -'Command'.length));

/** Identity pool operations (the SDK client for it is not a dependency; this is its whole API surface that apps reach). */
const IDENTITY_OPERATIONS = ['GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken', 'GetOpenIdTokenForDeveloperIdentity', 'DescribeIdentity', 'ListIdentities', 'GetIdentityPoolRoles', 'UnlinkIdentity', 'LookupDeveloperIdentity'];

/** An AWS JSON protocol target: `POST /` with `X-Amz-Target: <prefix><Operation>` and a JSON body. */
function awsJsonTarget(
  name: string,
  opts: { prefix: string; operations: string[]; version: '1.0' | '1.1'; params: Record<string, unknown>; sign?: string },
): FuzzTarget {
  return {
    name,
    shape: 'aws-json',
    request(rng) {
      const op = rng.chance(0.9) ? rng.pick(opts.operations) : rng.pick(['', 'Nope', '../GetId', opts.operations[0].toLowerCase()]);
      const base = Object.fromEntries(Object.entries(opts.params).filter(() => rng.chance(0.5)));
      const body = jsonBody(rng.chance(0.85) ? mutateJson(base, rng) : randomValue(rng), rng);
      const headers: Record<string, string> = {};
      if (rng.chance(0.95)) headers['x-amz-target'] = `${opts.prefix}${op}`;
      const ct = contentType(`application/x-amz-json-${opts.version}`, rng);
      if (ct !== undefined) headers['content-type'] = ct;
      return { method: rng.chance(0.95) ? 'POST' : rng.pick(['GET', 'PUT', 'DELETE']), path: '/', headers, body, sign: opts.sign && rng.chance(0.8) ? { service: opts.sign, uriEscapePath: true } : undefined };
    },
  };
}

/** GraphQL operations built from the model introspection in the outputs, then damaged. */
function graphqlTarget(env: FuzzEnv): FuzzTarget | undefined {
  const data = env.outputs.data;
  if (!data) return undefined;
  const models = Object.values((data.model_introspection as { models?: Record<string, { name: string; fields: Record<string, { name: string }> }> })?.models ?? {});
  const fieldsOf = (m: (typeof models)[number]) => Object.keys(m.fields);
  const path = new URL(data.url).pathname;
  const query = (rng: Rng): string => {
    const m = models.length ? rng.pick(models) : { name: 'Thing', fields: { id: { name: 'id' } } };
    const fields = fieldsOf(m).filter(() => rng.chance(0.6)).join(' ') || 'id';
    switch (rng.int(8)) {
      case 0:
        return `query { list${m.name}s(limit: ${rng.pick([-1, 0, 1e9, '"x"'])}) { items { ${fields} } nextToken } }`;
      case 1:
        return `mutation { create${m.name}(input: ${JSON.stringify(JSON.stringify(mutateJson({ id: 'x' }, rng)))}) { ${fields} } }`;
      case 2:
        return `query { get${m.name}(id: "${rng.int(1e6)}") { ${fields} } }`;
      case 3:
        return `query { ${'a: __typename '.repeat(rng.pick([10, 5000]))} }`;
      case 4:
        return `query ${'{ x '.repeat(rng.pick([100, 3000]))}${'}'.repeat(rng.int(3000))}`;
      case 5:
        return `fragment F on Query { ...F } query { ...F }`;
      case 6:
        return `subscription { onCreate${m.name} { ${fields} } }`;
      default:
        return mutateBytes(Buffer.from(`query Q($id: ID!) { get${m.name}(id: $id) { ${fields} } }`), rng).toString('latin1');
    }
  };
  return {
    name: 'graphql',
    shape: 'graphql',
    request(rng) {
      const payload = { query: query(rng), variables: rng.chance(0.5) ? mutateJson({ id: 'x', input: {} }, rng) : undefined, operationName: rng.chance(0.2) ? randomValue(rng, 1) : undefined };
      const headers: Record<string, string> = {};
      const ct = contentType('application/json', rng);
      if (ct !== undefined) headers['content-type'] = ct;
      if (rng.chance(0.1)) headers.authorization = String(randomValue(rng, 0)).slice(0, 4096).replace(/[^\t\x20-\x7e]/g, '');
      const signIt = env.credentials && !headers.authorization && rng.chance(0.8);
      return { method: 'POST', path, headers, body: jsonBody(rng.chance(0.9) ? payload : randomValue(rng), rng), sign: signIt ? { service: 'appsync', uriEscapePath: true } : undefined };
    },
  };
}

/** S3 requests on the backend's buckets: odd keys, query strings, headers and XML bodies. */
function s3Target(env: FuzzEnv): FuzzTarget | undefined {
  const buckets = (env.outputs.storage?.buckets ?? []).map((b) => b.bucket_name);
  if (!buckets.length) return undefined;
  const prefixes = (env.outputs.storage?.buckets ?? []).flatMap((b) => Object.keys(b.paths ?? {}).map((p) => p.replace(/\$\{[^}]+\}/g, 'us-east-1:00000000-0000-0000-0000-000000000000').replace(/\*$/, '')));
  const keys = (rng: Rng) =>
    rng.pick([
      `${rng.pick(prefixes.length ? prefixes : [''])}f${rng.int(100)}.txt`,
      'a%2F..%2Fb',
      '%zz',
      encodeURIComponent('ü/ 💥'),
      'x'.repeat(rng.pick([1025, 5000])),
      '',
      `${rng.pick(prefixes.length ? prefixes : [''])}./../x`,
    ]);
  const queries = ['', '?uploads', '?uploadId=nope&partNumber=abc', '?list-type=2&max-keys=-1', '?list-type=2&continuation-token=%%%', '?delete', '?tagging', '?acl', '?versionId=null', '?X-Amz-Signature=zz', '?x-id=GetObject&uploadId=1&partNumber=10001'];
  const xml = (rng: Rng) =>
    rng.pick([
      '<Delete><Object><Key>a</Key></Object></Delete>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
      `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`,
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>',
      '<a>'.repeat(5000),
    ]);
  return {
    name: 's3',
    shape: 's3-xml',
    request(rng) {
      const method = rng.pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PUT', 'POST']);
      const headers: Record<string, string> = {};
      if (rng.chance(0.2)) headers.range = rng.pick(['bytes=abc', 'bytes=5-1', 'bytes=0-', 'bytes=-0', 'bytes=1-2,3-4']);
      if (rng.chance(0.15)) headers['content-md5'] = rng.pick(['nope', 'AAAA', '']);
      if (rng.chance(0.15)) headers['x-amz-copy-source'] = rng.pick(['/nobucket/x', `${rng.pick(buckets)}/%zz`, '']);
      if (rng.chance(0.1)) headers['x-amz-checksum-crc32'] = 'AAAAAA==';
      if (rng.chance(0.1)) headers['content-type'] = rng.pick(['', 'x'.repeat(3000), 'text/plain; charset=ü']);
      const body = method === 'PUT' || method === 'POST' ? (rng.chance(0.5) ? mutateBytes(Buffer.from(xml(rng)), rng) : Buffer.from(xml(rng))) : undefined;
      const path = `/${rng.chance(0.95) ? rng.pick(buckets) : 'no-such.bucket'}/${keys(rng)}${rng.pick(queries)}`;
      return { method, path, headers, body, sign: env.credentials && rng.chance(0.85) ? { service: 's3', uriEscapePath: false } : undefined };
    },
  };
}

/** Pinpoint's REST `SendMessages` (and its neighbours' paths) with damaged message requests. */
function pinpointTarget(env: FuzzEnv): FuzzTarget | undefined {
  const appId = env.outputs.notifications?.amazon_pinpoint_app_id;
  if (!appId) return undefined;
  const valid = { MessageRequest: { Addresses: { tok: { ChannelType: 'GCM' } }, MessageConfiguration: { GCMMessage: { Title: 't', Body: 'b', Action: 'OPEN_APP', Data: { a: '1' } } } } };
  return {
    name: 'pinpoint',
    shape: 'aws-json',
    request(rng) {
      const path = rng.chance(0.85) ? `/v1/apps/${rng.chance(0.9) ? appId : 'nope'}/messages` : rng.pick([`/v1/apps/${appId}`, '/v1/apps', `/v1/apps/${appId}/endpoints/x`, '/v1/apps/%zz/messages']);
      const headers: Record<string, string> = {};
      const ct = contentType('application/json', rng);
      if (ct !== undefined) headers['content-type'] = ct;
      return { method: rng.chance(0.9) ? 'POST' : rng.pick(['GET', 'PUT', 'DELETE']), path, headers, body: jsonBody(mutateJson(valid, rng), rng), sign: env.credentials && rng.chance(0.85) ? { service: 'mobiletargeting', uriEscapePath: true } : undefined };
    },
  };
}

/** Lambda's Invoke API on the backend's functions. */
function lambdaTarget(env: FuzzEnv): FuzzTarget | undefined {
  const names = env.model.functions.map((f) => f.functionName);
  if (!names.length) return undefined;
  return {
    name: 'lambda',
    shape: 'aws-json',
    request(rng) {
      const fn = rng.chance(0.9) ? rng.pick(names) : rng.pick(['nope', '%zz', 'x'.repeat(200)]);
      const headers: Record<string, string> = {};
      if (rng.chance(0.3)) headers['x-amz-invocation-type'] = rng.pick(['Event', 'DryRun', 'RequestResponse', 'Bogus']);
      if (rng.chance(0.2)) headers['x-amz-client-context'] = rng.pick(['%%%', Buffer.from('{').toString('base64')]);
      return { method: rng.chance(0.9) ? 'POST' : 'GET', path: `/2015-03-31/functions/${fn}/invocations${rng.chance(0.1) ? '?Qualifier=%zz' : ''}`, headers, body: jsonBody(randomValue(rng), rng), sign: env.credentials && rng.chance(0.85) ? { service: 'lambda', uriEscapePath: true } : undefined };
    },
  };
}

/** Form encoding of any string (lone surrogates, which no encoder can send, become U+FFFD). */
const formEncode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** STS's Query protocol: form-encoded `Action=…&Version=2011-06-15` posts, errors as `<ErrorResponse>` XML. */
function stsTarget(env: FuzzEnv): FuzzTarget {
  const roles = env.model.iam.roles.map((r) => r.arn);
  const base = { Version: '2011-06-15', RoleArn: roles[0] ?? 'arn:aws:iam::000000000000:role/none', RoleSessionName: 'fuzz', DurationSeconds: '900', WebIdentityToken: 'eyJ.eyJ.sig', ExternalId: 'x', Policy: '{}' };
  return {
    name: 'sts',
    shape: 'query-xml',
    request(rng) {
      const action = rng.chance(0.9) ? rng.pick(['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'DecodeAuthorizationMessage']) : String(randomValue(rng, 0)).slice(0, 40);
      const params = mutateJson({ Action: action, ...Object.fromEntries(Object.entries(base).filter(() => rng.chance(0.6))) }, rng) as Record<string, unknown>;
      const form = Object.entries(params ?? {})
        .map(([k, v]) => `${formEncode(k)}=${formEncode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`)
        .join('&');
      const body = rng.chance(0.2) ? mutateBytes(Buffer.from(form), rng) : Buffer.from(form);
      const unsigned = action === 'AssumeRoleWithWebIdentity' || !env.credentials || rng.chance(0.15);
      // Unsigned form posts reach STS only when they say so (Action); signed ones by their SigV4 scope.
      return { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, sign: unsigned ? undefined : { service: 'sts', uriEscapePath: true } };
    },
  };
}

/** The local-only admin API under /_local/. */
function adminTarget(): FuzzTarget {
  const paths = ['health', 'outbox', 'outbox?channel=nope&to=%zz', 'reset', 'data/requests?limit=-1', 'data/metrics', 'functions/invocations?function=%zz', 'functions/failed-batches', 'messaging/kinesis-records?stream=x', 'nope', '../../etc/passwd', 'data/%zz'];
  return {
    name: 'admin',
    shape: 'aws-json',
    request(rng) {
      // `POST reset` wipes state mid-run; the fuzz leaves it to its own test.
      const method = rng.pick(['GET', 'GET', 'DELETE', 'PUT', 'PATCH']);
      const path = `/_local/${rng.pick(paths)}`;
      return { method, path, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : jsonBody(randomValue(rng), rng) };
    },
  };
}

export function fuzzTargets(env: FuzzEnv): FuzzTarget[] {
  const auth = env.outputs.auth;
  const targets: (FuzzTarget | undefined)[] = [
    auth?.user_pool_id
      ? awsJsonTarget('cognito-idp', {
          prefix: 'AWSCognitoIdentityProviderService.',
          operations: commandNames(cognitoIdp),
          version: '1.1',
          params: {
            ClientId: auth.user_pool_client_id,
            UserPoolId: auth.user_pool_id,
            Username: 'fuzz-user@example.com',
            Password: 'Fuzz-passw0rd!',
            AuthFlow: 'USER_SRP_AUTH',
            AuthParameters: { USERNAME: 'x', SRP_A: 'ff'.repeat(384) },
            ChallengeName: 'PASSWORD_VERIFIER',
            ChallengeResponses: { USERNAME: 'x', PASSWORD_CLAIM_SIGNATURE: 'AA==', TIMESTAMP: 'nope' },
            Session: 'x'.repeat(100),
            UserAttributes: [{ Name: 'email', Value: 'a@b.c' }],
            ConfirmationCode: '123456',
            AccessToken: 'eyJ.eyJ.sig',
            RefreshToken: 'x',
            Filter: 'email ^= "a"',
            Limit: 60,
            GroupName: 'Admins',
          },
        })
      : undefined,
    auth?.identity_pool_id
      ? awsJsonTarget('cognito-identity', {
          prefix: 'AWSCognitoIdentityService.',
          operations: IDENTITY_OPERATIONS,
          version: '1.1',
          params: { IdentityPoolId: auth.identity_pool_id, IdentityId: `${env.model.region}:00000000-0000-0000-0000-000000000000`, Logins: { [`cognito-idp.${env.model.region}.amazonaws.com/${auth.user_pool_id}`]: 'eyJ.eyJ.sig' }, MaxResults: 10 },
        })
      : undefined,
    graphqlTarget(env),
    env.model.data?.tables.length
      ? awsJsonTarget('dynamodb', {
          prefix: 'DynamoDB_20120810.',
          operations: commandNames(dynamodb),
          version: '1.0',
          params: { TableName: env.model.data.tables[0].tableName, Key: { id: { S: 'x' } }, Item: { id: { S: 'x' } }, KeyConditionExpression: 'id = :v', ExpressionAttributeValues: { ':v': { S: 'x' } }, Limit: 1, TransactItems: [], RequestItems: {} },
          sign: env.credentials ? 'dynamodb' : undefined,
        })
      : undefined,
    s3Target(env),
    pinpointTarget(env),
    env.model.messaging.kinesisStreams.length
      ? awsJsonTarget('kinesis', {
          prefix: 'Kinesis_20131202.',
          operations: commandNames(kinesis),
          version: '1.1',
          params: { StreamName: env.model.messaging.kinesisStreams[0].name, Data: Buffer.from('x').toString('base64'), PartitionKey: 'p', Records: [{ Data: 'eA==', PartitionKey: 'p' }], ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON', Limit: 10 },
          sign: env.credentials ? 'kinesis' : undefined,
        })
      : undefined,
    awsJsonTarget('ssm', {
      prefix: 'AmazonSSM.',
      operations: commandNames(ssm),
      version: '1.1',
      params: { Name: '/amplify/fuzz/NAME', Names: ['/amplify/fuzz/NAME'], Path: '/amplify', Recursive: true, Value: 'v', Type: 'SecureString', Overwrite: true, WithDecryption: true, AllowedPattern: '^(a+)+$', MaxResults: 10, ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/'] }] },
      sign: env.credentials ? 'ssm' : undefined,
    }),
    awsJsonTarget('kms', {
      prefix: 'TrentService.',
      operations: commandNames(kms),
      version: '1.1',
      params: { KeyId: env.model.keys?.keys[0]?.arn ?? 'alias/none', Plaintext: Buffer.from('x').toString('base64'), CiphertextBlob: Buffer.from('not a blob').toString('base64'), EncryptionContext: { a: 'b' }, NumberOfBytes: 32, KeySpec: 'AES_256', Limit: 10 },
      sign: env.credentials ? 'kms' : undefined,
    }),
    awsJsonTarget('sqs', {
      prefix: 'AmazonSQS.',
      operations: commandNames(sqs),
      version: '1.0',
      params: { QueueUrl: env.model.queues?.[0]?.url.replace('${LOCAL_ENDPOINT}', env.endpoint) ?? `${env.endpoint}/000000000000/none`, QueueName: env.model.queues?.[0]?.name ?? 'none', MessageBody: 'm', MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0, ReceiptHandle: 'x', Entries: [{ Id: '1', MessageBody: 'b' }], MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } }, AttributeNames: ['All'] },
      sign: env.credentials ? 'sqs' : undefined,
    }),
    stsTarget(env),
    lambdaTarget(env),
    adminTarget(),
  ];
  return targets.filter((t): t is FuzzTarget => t !== undefined);
}

