import { existsSync, readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { handshake } from '../helpers/tls_handshake.js';
import { signForTest } from '../helpers/sigv4.js';

/**
 * AWS-hostname mode over real sockets: TLS leaves chosen by SNI and verified against the local CA,
 * and AWS SDK v3 clients with their default endpoints (no `endpoint` option) whose connections are
 * routed to the local cloud's port, as a DNS server or proxy would route them.
 */

let cloud: TestLocalCloud;
let port: number;
let ca: string;
let bucket: string;

/** An HTTPS agent that connects every AWS hostname to the local cloud's port, keeping the name for SNI and Host. */
class RoutedAgent extends Agent {
  constructor(opts: AgentOptions = {}) {
    super({ ...opts, keepAlive: false });
  }
  override createConnection(options: ConnectionOptions & { host?: string }, callback?: (err: Error | null, s: Socket) => void): Socket {
    const servername = options.servername || options.host;
    const socket = connect({ ...options, host: '127.0.0.1', port, servername, ca });
    if (callback) socket.once('secureConnect', () => callback(null, socket));
    return socket;
  }
}

const routed = () => new NodeHttpHandler({ httpsAgent: new RoutedAgent() });

beforeAll(async () => {
  cloud = await startLocalCloud({ awsHostnames: true });
  port = Number(new URL(cloud.endpoint).port);
  ca = readFileSync(cloud.cloud.caCertPath, 'utf8');
  bucket = cloud.outputs.storage!.bucket_name;
});

afterAll(() => cloud?.stop());

describe('TLS by SNI on the front door', () => {
  it('presents a leaf for each served AWS name that verifies against the local CA', async () => {
    for (const name of ['cognito-idp.us-east-1.amazonaws.com', new URL(cloud.outputs.data!.url).host, 's3.us-east-1.amazonaws.com']) {
      expect(await handshake(port, name, ca)).toEqual({ errorCode: null, altNames: `DNS:${name}` });
      expect(existsSync(path.join(path.dirname(cloud.cloud.caCertPath), 'hosts', `${name}.pem`))).toBe(true);
    }
  });

  it('presents the loopback leaf for example.com, which fails verification for that name', async () => {
    const r = await handshake(port, 'example.com', ca);
    expect(r.errorCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(r.altNames).toContain('IP Address:127.0.0.1');
    expect(r.altNames).not.toContain('example.com');
  });

  it('keeps the loopback address working as before', async () => {
    const res = await fetch(`${cloud.endpoint}/_local/health`);
    expect(res.status).toBe(200);
  });
});

describe('AWS SDK clients with their default endpoints', () => {
  it('STS GetCallerIdentity at sts.us-east-1.amazonaws.com answers for the developer keys', async () => {
    const sts = new STSClient({ region: 'us-east-1', credentials: DEFAULT_ACCOUNT_KEYS, requestHandler: routed(), maxAttempts: 1 });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/local-developer');
  });

  it('S3 puts and gets an object at s3.us-east-1.amazonaws.com (path-style: the bucket name has dots)', async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: DEFAULT_ACCOUNT_KEYS, requestHandler: routed(), maxAttempts: 1 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sdk/hello.txt', Body: 'hello from the SDK', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sdk/hello.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello from the SDK');
  });
});

describe('routing by Host', () => {
  const signedAt = () => new Date();

  it('serves a virtual-hosted S3 request as path-style and verifies the signature over the path as sent', async () => {
    const put = await signForTest({
      url: `https://${bucket}.s3.us-east-1.amazonaws.com/hosted/a%20b.txt`,
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: 'virtual',
      credentials: DEFAULT_ACCOUNT_KEYS,
      service: 's3',
      signingDate: signedAt(),
    });
    expect((await cloud.cloud.fetch(put)).status).toBe(200);
    const pathStyle = await signForTest({
      url: `https://s3.us-east-1.amazonaws.com/${bucket}/hosted/a%20b.txt`,
      credentials: DEFAULT_ACCOUNT_KEYS,
      service: 's3',
      signingDate: signedAt(),
    });
    const res = await cloud.cloud.fetch(pathStyle);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('virtual');
  });

  it('refuses a virtual-hosted request signed for the path-style path', async () => {
    const signed = await signForTest({
      url: `https://s3.us-east-1.amazonaws.com/${bucket}/hosted/a%20b.txt`,
      credentials: DEFAULT_ACCOUNT_KEYS,
      service: 's3',
      signingDate: signedAt(),
    });
    const moved = new Request(`https://${bucket}.s3.us-east-1.amazonaws.com/hosted/a%20b.txt`, { headers: signed.headers });
    moved.headers.set('host', `${bucket}.s3.us-east-1.amazonaws.com`);
    const res = await cloud.cloud.fetch(moved);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('does not serve the admin API under an AWS hostname', async () => {
    const res = await cloud.cloud.fetch(new Request('https://cognito-idp.us-east-1.amazonaws.com/_local/health'));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers GraphQL on the AppSync host and refuses a request without credentials as AppSync does', async () => {
    const res = await cloud.cloud.fetch(
      new Request(cloud.outputs.data!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }),
    );
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toContain('UnauthorizedException');
  });
});

describe('outputs files', () => {
  it('writes amplify_outputs.json, amplifyconfiguration.json and amplify_outputs.dart with the deployed URLs', () => {
    const files = cloud.cloud.outputsFiles.map((f) => path.basename(f));
    expect(files).toEqual(['amplify_outputs.json', 'amplifyconfiguration.json', 'amplify_outputs.dart']);
    for (const file of cloud.cloud.outputsFiles) {
      const text = readFileSync(file, 'utf8');
      expect(text).toContain(cloud.outputs.data!.url);
      expect(text).not.toContain(`${cloud.endpoint}/graphql`);
    }
  });
});
