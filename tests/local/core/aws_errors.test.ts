import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, jsonError, readBody, restJsonError, xmlError } from '../../../src/local/core/aws_errors.js';

describe('jsonError', () => {
  it('uses the AWS JSON 1.1 body and error headers', async () => {
    const res = jsonError<'NotAuthorizedException'>(400, 'NotAuthorizedException', 'Incorrect username or password.');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-errortype')).toBe('NotAuthorizedException');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it("takes only names from the caller's vocabulary", () => {
    // @ts-expect-error not a name the frame answers with
    jsonError(400, 'NotAuthorisedException', 'misspelt');
    jsonError<'NotAuthorizedException' | 'UserNotFoundException'>(400, 'UserNotFoundException', 'a service passes its own');
  });

  it('adds extra fields to the body', async () => {
    const res = jsonError(400, 'ValidationException', 'bad', { field: 'x' });
    expect(await res.json()).toMatchObject({ field: 'x' });
  });
});

describe('restJsonError', () => {
  it('uses the Pinpoint body shape with the request id in body and header', async () => {
    const res = restJsonError<'NotFoundException'>(404, 'NotFoundException', 'Resource not found');
    const body = (await res.json()) as { Message: string; RequestID: string };
    expect(body.Message).toBe('Resource not found');
    expect(body.RequestID).toBe(res.headers.get('x-amzn-requestid'));
    expect(res.headers.get('x-amzn-errortype')).toBe('NotFoundException');
  });
});

describe('xmlError', () => {
  it('renders the S3 error document with escaped text', async () => {
    const res = xmlError(403, 'AccessDenied', 'Access <Denied> & "refused"', { resource: '/b.x/k', extra: { Key: 'a&b' } });
    const body = await res.text();
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('<Message>Access &lt;Denied&gt; &amp; &quot;refused&quot;</Message>');
    expect(body).toContain('<Key>a&amp;b</Key>');
    expect(body).toContain('<Resource>/b.x/k</Resource>');
    expect(body).toContain(`<RequestId>${res.headers.get('x-amz-request-id')}</RequestId>`);
  });

  it('sends no body for HEAD requests', async () => {
    const res = xmlError<'NoSuchKey'>(404, 'NoSuchKey', 'gone', { method: 'HEAD' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });
});

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    const req = new Request('https://x/', { method: 'POST', body: 'hello' });
    expect((await readBody(req, 5)).toString()).toBe('hello');
  });

  it('refuses up front when Content-Length exceeds the limit', async () => {
    const req = new Request('https://x/', { method: 'POST', body: 'hello', headers: { 'content-length': '5' } });
    await expect(readBody(req, 4)).rejects.toThrow(BodyTooLargeError);
  });

  it('refuses a streamed body without Content-Length once it passes the limit', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const req = new Request('https://x/', { method: 'POST', body, duplex: 'half' } as RequestInit);
    await expect(readBody(req, 10_000)).rejects.toThrow(/10000-byte limit/);
    // It stops reading right after the limit instead of draining an endless stream.
    expect(pulled).toBeLessThan(20);
  });

  it('returns an empty buffer for a request without a body', async () => {
    expect((await readBody(new Request('https://x/'), 10)).length).toBe(0);
  });
});
