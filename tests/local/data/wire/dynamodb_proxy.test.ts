import { afterEach, describe, expect, it } from 'vitest';
import { signForTest, type TestCredentials } from '../../../helpers/sigv4.js';
import { aliceCreds, functionCreds, NOW, startWire, type WireHarness } from './fixtures.js';

let h: WireHarness;
afterEach(async () => h?.stop());

async function dynamo(op: string, body: unknown, creds: TestCredentials = functionCreds): Promise<Request> {
  return signForTest({
    url: 'https://127.0.0.1:20002/',
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${op}` },
    body: JSON.stringify(body),
    credentials: creds,
    service: 'dynamodb',
    signingDate: new Date(NOW),
  });
}

describe('DynamoDB JSON endpoint for functions', () => {
  it('routes X-Amz-Target DynamoDB_20120810.* to the data service', async () => {
    h = await startWire();
    const req = await dynamo('GetItem', { TableName: 'Thing-local', Key: { id: { S: 'thing-1' } } });
    expect(h.service.matches(req, new URL(req.url))).toBe(true);
  });

  it("passes a signed call the role allows to the engine's handleJson", async () => {
    h = await startWire();
    const res = await h.service.fetch(await dynamo('GetItem', { TableName: 'Thing-local', Key: { id: { S: 'thing-1' } } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ Item: { id: { S: 'thing-1' } } });
    expect(h.engine.dynamodbCalls[0].target).toBe('DynamoDB_20120810.GetItem');
    expect(h.service.requests()[0]).toMatchObject({ operationType: 'dynamodb', operationName: 'GetItem', status: 200 });
  });

  it('denies an action the role has no policy for with AccessDeniedException', async () => {
    h = await startWire();
    const res = await h.service.fetch(await dynamo('PutItem', { TableName: 'Thing-local', Item: { id: { S: 'x' } } }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { __type: string; message: string };
    expect(body.__type).toBe('com.amazon.coral.service#AccessDeniedException');
    expect(body.message).toContain('is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Thing-local');
    expect(h.engine.dynamodbCalls).toHaveLength(0);
  });

  it('denies identity-pool credentials without DynamoDB permissions', async () => {
    h = await startWire();
    const res = await h.service.fetch(await dynamo('GetItem', { TableName: 'Thing-local', Key: { id: { S: '1' } } }, aliceCreds));
    expect(res.status).toBe(400);
    expect(h.engine.dynamodbCalls).toHaveLength(0);
  });

  it('rejects a bad signature with InvalidSignatureException', async () => {
    h = await startWire();
    const signed = await dynamo('GetItem', { TableName: 'Thing-local', Key: { id: { S: 'thing-1' } } });
    const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ TableName: 'Other' }) });
    const res = await h.service.fetch(tampered);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('com.amazon.coral.service#InvalidSignatureException');
  });

  it('rejects an unsigned call', async () => {
    h = await startWire();
    const res = await h.service.fetch(
      new Request('https://127.0.0.1:20002/', {
        method: 'POST',
        headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' },
        body: '{}',
      }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toMatch(/MissingAuthenticationToken|IncompleteSignature/);
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    h = await startWire();
    const req = await signForTest({
      url: 'https://127.0.0.1:20002/',
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: 'nope',
      credentials: functionCreds,
      service: 'dynamodb',
      signingDate: new Date(NOW),
    });
    const res = await h.service.fetch(req);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toContain('SerializationException');
  });
});
