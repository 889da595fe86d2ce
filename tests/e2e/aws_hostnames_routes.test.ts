import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { createCa } from '../../src/local/core/tls.js';
import { quietLogger, startLocalCloud, type StartedLocalCloud } from '../../src/local/testing.js';
import { ConnectProxyAgent, DnsRoutedAgent } from '../helpers/aws_hostname_agents.js';
import { getTestModel } from '../helpers/local_cloud.js';

/**
 * The AWS SDK left on its default endpoints (no `endpoint` option: it builds the real AWS hostnames)
 * reaches the local cloud the two ways a device is routed there: through the CONNECT proxy, and through
 * the DNS server (with the 443 → front-door-port redirect a device setup adds). TLS is verified against
 * the local CA for the AWS hostname the SDK asked for.
 */

let cloud: StartedLocalCloud;
let model: BackendModel;
const region = 'us-east-1';

function clients(agent: Agent, clientRegion = region) {
  const config = { region: clientRegion, credentials: DEFAULT_ACCOUNT_KEYS, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: agent }) };
  return { sts: new STSClient(config), cognito: new CognitoIdentityProviderClient(config), s3: new S3Client(config) };
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  model = await getTestModel();
  cloud = await startLocalCloud({ model, log: quietLogger(), hostnameRoutes: { dns: { port: 0 }, proxy: { port: 0 } } });
});
afterAll(async () => {
  await cloud?.stop();
});

/** The same calls through either route: STS, Cognito's admin API and S3, all with default endpoints. */
async function exerciseBackend(agent: Agent, key: string): Promise<void> {
  const { sts, cognito, s3 } = clients(agent);
  const me = await sts.send(new GetCallerIdentityCommand({}));
  expect(me.Account).toBe(model.accountId);

  const userPoolId = model.auth!.userPool.id;
  const users = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
  expect(users.Users).toEqual([]);

  const Bucket = model.storage!.buckets[0].bucketName;
  await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'routed', ContentType: 'text/plain' }));
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  expect(await got.Body!.transformToString()).toBe('routed');
}

describe('through the CONNECT proxy', () => {
  it('serves STS, Cognito and S3 at their AWS hostnames', async () => {
    const agent = new ConnectProxyAgent({ host: '127.0.0.1', port: cloud.instance.hostnameRoutes!.proxy!.port });
    await exerciseBackend(agent, 'public/through-proxy.txt');
    expect(new Set(agent.targets)).toEqual(new Set([`sts.${region}.amazonaws.com:443`, `cognito-idp.${region}.amazonaws.com:443`, `s3.${region}.amazonaws.com:443`]));
  });

  it("refuses another region's hostname with the proxy's 403", async () => {
    const agent = new ConnectProxyAgent({ host: '127.0.0.1', port: cloud.instance.hostnameRoutes!.proxy!.port });
    const err = await failure(clients(agent, 'eu-west-1').sts.send(new GetCallerIdentityCommand({})));
    expect(err.message).toContain('proxy refused CONNECT sts.eu-west-1.amazonaws.com:443: HTTP/1.1 403 Forbidden');
    expect(err.message).toContain("proxies only the backend's AWS names");
  });

  it('fails TLS for a client that does not trust the local CA (verification is on)', async () => {
    const agent = new ConnectProxyAgent({ host: '127.0.0.1', port: cloud.instance.hostnameRoutes!.proxy!.port }, { ca: createCa().certPem });
    const err = await failure(clients(agent).sts.send(new GetCallerIdentityCommand({})));
    expect(err.code ?? err.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
  });
});

describe('through the DNS server', () => {
  const agent = () => {
    const routes = cloud.instance.hostnameRoutes!;
    return new DnsRoutedAgent({ host: '127.0.0.1', port: routes.dns!.port }, { 443: cloud.port });
  };

  it('serves STS, Cognito and S3 at their AWS hostnames, resolved by it', async () => {
    const a = agent();
    await exerciseBackend(a, 'public/through-dns.txt');
    expect(new Set(a.lookups)).toEqual(new Set([`sts.${region}.amazonaws.com`, `cognito-idp.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`]));
    expect(cloud.instance.hostnameRoutes!.dns!.answer).toBe('127.0.0.1');
  });

  it("refuses to resolve another region's hostname", async () => {
    const err = await failure(clients(agent(), 'eu-west-1').sts.send(new GetCallerIdentityCommand({})));
    expect(err.code).toBe('EREFUSED');
  });

  it('the files written by one route are read by the other (one cloud behind both)', async () => {
    const { s3 } = clients(new ConnectProxyAgent({ host: '127.0.0.1', port: cloud.instance.hostnameRoutes!.proxy!.port }));
    const got = await s3.send(new GetObjectCommand({ Bucket: model.storage!.buckets[0].bucketName, Key: 'public/through-dns.txt' }));
    expect(await got.Body!.transformToString()).toBe('routed');
  });
});
