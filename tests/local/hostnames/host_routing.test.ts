import { describe, expect, it } from 'vitest';
import { requestPath, signedRequestPath } from '../../../src/local/core/request_info.js';
import type { RequestHandler, UpgradeRequest } from '../../../src/local/core/service.js';
import { createHostRouting } from '../../../src/local/hostnames/host_routing.js';
import { minimalModel } from '../../helpers/minimal_model.js';

const API = 'frameapi00000000000000001';
const routing = createHostRouting(minimalModel());
const handler = (name: string): RequestHandler => ({ name, matches: () => true, fetch: () => Promise.resolve(new Response(name)) });
const handlers = ['admin', 'auth', 'data', 'identity', 'storage', 'sts', 'messaging'].map(handler);
const names = (req: Request) => routing.candidates(req, handlers).map((h) => h.name);

function upgrade(url: string): UpgradeRequest {
  return { url: new URL(url), headers: new Headers(), raw: {} as UpgradeRequest['raw'] };
}

describe('routing by Host', () => {
  it('routes every request under a loopback or unknown Host as before', () => {
    expect(names(new Request('https://127.0.0.1:20002/graphql', { method: 'POST' }))).toEqual(handlers.map((h) => h.name));
    expect(names(new Request('https://example.com/_local/health'))).toEqual(handlers.map((h) => h.name));
  });

  it("sends the AppSync host's /graphql to data only, and nothing else on that host", () => {
    expect(names(new Request(`https://${API}.appsync-api.us-east-1.amazonaws.com/graphql`, { method: 'POST' }))).toEqual(['data']);
    expect(names(new Request(`https://${API}.appsync-api.us-east-1.amazonaws.com/_local/health`))).toEqual([]);
    const dynamoOnAppSync = new Request(`https://${API}.appsync-api.us-east-1.amazonaws.com/graphql`, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.Scan' },
    });
    expect(names(dynamoOnAppSync)).toEqual([]);
  });

  it('never reaches the admin API under an AWS hostname', () => {
    for (const host of ['cognito-idp.us-east-1.amazonaws.com', 's3.us-east-1.amazonaws.com', 'sts.amazonaws.com']) {
      expect(names(new Request(`https://${host}/_local/reset`, { method: 'POST' }))).not.toContain('admin');
    }
  });

  it('sends Cognito, Cognito Identity and STS hosts to their services by target, and refuses foreign targets', () => {
    const post = (host: string, target?: string) =>
      new Request(`https://${host}/`, { method: 'POST', headers: target ? { 'x-amz-target': target } : {} });
    expect(names(post('cognito-idp.us-east-1.amazonaws.com', 'AWSCognitoIdentityProviderService.InitiateAuth'))).toEqual(['auth']);
    expect(names(post('cognito-identity.us-east-1.amazonaws.com', 'AWSCognitoIdentityService.GetId'))).toEqual(['identity']);
    expect(names(post('cognito-idp.us-east-1.amazonaws.com', 'AWSCognitoIdentityService.GetId'))).toEqual([]);
    expect(names(post('cognito-identity.us-east-1.amazonaws.com'))).toEqual([]);
    expect(names(post('sts.us-east-1.amazonaws.com'))).toEqual(['sts']);
    expect(names(new Request('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Frame0001/.well-known/jwks.json'))).toEqual(['auth']);
  });

  it('serves path-style S3 as sent, and virtual-hosted S3 as path-style while the signature keeps the path as sent', () => {
    const pathStyle = new Request('https://s3.us-east-1.amazonaws.com/frame.media.local/media/a.txt');
    expect(names(pathStyle)).toEqual(['storage']);
    expect(requestPath(pathStyle)).toBe('/frame.media.local/media/a.txt');

    const hosted = new Request('https://frame.media.local.s3.us-east-1.amazonaws.com/media/a%20b.txt?x-id=GetObject');
    expect(names(hosted)).toEqual(['storage']);
    expect(requestPath(hosted)).toBe('/frame.media.local/media/a%20b.txt');
    expect(signedRequestPath(hosted)).toBe('/media/a%20b.txt');

    const list = new Request('https://frame.media.local.s3.us-east-1.amazonaws.com/?list-type=2');
    routing.candidates(list, handlers);
    expect(requestPath(list)).toBe('/frame.media.local/');
  });

  it('routes nothing under a bucket host of another bucket (its name is not served)', () => {
    expect(names(new Request('https://other.bucket.s3.us-east-1.amazonaws.com/k'))).toEqual(handlers.map((h) => h.name));
  });

  it('serves nothing over plain HTTP on the realtime host', () => {
    expect(names(new Request(`https://${API}.appsync-realtime-api.us-east-1.amazonaws.com/graphql`, { method: 'POST' }))).toEqual([]);
  });
});

describe('WebSocket upgrades by Host', () => {
  it("gives the realtime host's /graphql and /graphql/connect to data's realtime path, query kept", () => {
    for (const p of ['/graphql', '/graphql/', '/graphql/connect']) {
      const routed = routing.upgrade(upgrade(`wss://${API}.appsync-realtime-api.us-east-1.amazonaws.com${p}?header=e30%3D&payload=e30%3D`));
      expect(routed?.service).toBe('data');
      expect(routed?.up.url.pathname).toBe('/graphql/realtime');
      expect(routed?.up.url.searchParams.get('header')).toBe('e30=');
    }
  });

  it('declines sockets on other paths of the realtime host and on other AWS hosts', () => {
    expect(routing.upgrade(upgrade(`wss://${API}.appsync-realtime-api.us-east-1.amazonaws.com/event/realtime`))).toBeUndefined();
    expect(routing.upgrade(upgrade(`wss://${API}.appsync-api.us-east-1.amazonaws.com/graphql`))).toBeUndefined();
    expect(routing.upgrade(upgrade('wss://cognito-idp.us-east-1.amazonaws.com/graphql'))).toBeUndefined();
  });

  it('passes upgrades under loopback hosts unchanged', () => {
    const up = upgrade('wss://127.0.0.1:20002/graphql/realtime');
    expect(routing.upgrade(up)).toEqual({ up });
  });
});
