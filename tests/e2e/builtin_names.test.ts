import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * Operation, action and view names come from the client. Names an object inherits (`constructor`,
 * `toString`, `__proto__`, ...) are not operations: every dispatch table answers them as unknown, in
 * the service's own error shape, and never runs them.
 */

const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__'];

let cloud: TestLocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

async function call(path: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const res = await cloud.cloud.fetch(new Request(`${cloud.endpoint}${path}`, init));
  return { status: res.status, text: await res.text() };
}

function jsonTarget(target: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body: '{}' };
}

describe('names an object inherits are not operations', () => {
  for (const name of INHERITED) {
    it(`Cognito user pools answer ${name} as an unknown operation`, async () => {
      const r = await call('/', jsonTarget(`AWSCognitoIdentityProviderService.${name}`));
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).__type).toMatch(/UnknownOperationException$/);
      expect(r.text).not.toMatch(/userPool|roleArn|arn:aws/i);
    });

    it(`the identity pool answers ${name} as an unknown operation`, async () => {
      const r = await call('/', jsonTarget(`AWSCognitoIdentityService.${name}`));
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).__type).toMatch(/UnknownOperationException$/);
      expect(r.text).not.toMatch(/roleArn|arn:aws|identityPool/i);
    });

    it(`the admin API has no view or action named ${name}`, async () => {
      for (const service of ['data', 'functions', 'storage', 'messaging']) {
        const view = await call(`/_local/${service}/${name}`, { method: 'GET' });
        expect(view.status, `GET /_local/${service}/${name}`).toBe(404);
        const action = await call(`/_local/${service}/${name}/x/${name}`, { method: 'POST' });
        expect(action.status, `POST /_local/${service}/${name}/x/${name}`).toBe(404);
      }
    });
  }

  it('a GraphQL filter operator named after a built-in is a validation error, not an expression', async () => {
    const r = await call('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'none' },
      body: JSON.stringify({ query: 'query { listPosts(filter: { id: { constructor: "x" } }) { items { id } } }' }),
    });
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toMatch(/native code|function Object/);
  });
});
