import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeXMLHttpRequest } from './app_story_xhr.js';

/** The XMLHttpRequest the app story gives the Storage client, against a plain loopback HTTP server. */

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-seen-method': req.method ?? '', 'x-seen-header': String(req.headers['x-test'] ?? '') });
        res.end(body);
      } else if (req.url === '/slow') {
        res.writeHead(200);
        res.write('partial');
        // Never ends: the test aborts it.
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('missing');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function done(xhr: NodeXMLHttpRequest, event = 'loadend'): Promise<void> {
  return new Promise((resolve) => xhr.addEventListener(event, () => resolve()));
}

describe('NodeXMLHttpRequest', () => {
  it('sends the body in chunks with upload progress up to its size, and answers a Blob with status and headers', async () => {
    const body = Buffer.alloc(300 * 1024, 3);
    const xhr = new NodeXMLHttpRequest();
    const progress: { loaded: number; total: number; lengthComputable: boolean }[] = [];
    xhr.upload.addEventListener('progress', (ev) => void progress.push({ loaded: ev.loaded, total: ev.total, lengthComputable: ev.lengthComputable }));
    const states: number[] = [];
    xhr.addEventListener('readystatechange', () => void states.push(xhr.readyState));
    xhr.open('put', `${base}/echo`);
    xhr.setRequestHeader('X-Test', 'yes');
    xhr.responseType = 'blob';
    const finished = done(xhr);
    xhr.send(new Blob([body]));
    await finished;

    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ loaded: body.length, total: body.length, lengthComputable: true });
    expect(progress.every((p, i) => i === 0 || p.loaded > progress[i - 1].loaded)).toBe(true);
    expect(states).toEqual([1, 2, 3, 4]);
    expect(xhr.status).toBe(201);
    expect(xhr.getResponseHeader('X-Seen-Method')).toBe('PUT');
    expect(xhr.getResponseHeader('x-seen-header')).toBe('yes');
    expect(xhr.getAllResponseHeaders()).toMatch(/^content-type: application\/octet-stream\r\n/m);
    const blob = xhr.response as Blob;
    expect(blob.type).toBe('application/octet-stream');
    expect(Buffer.from(await blob.arrayBuffer()).equals(body)).toBe(true);
  });

  it('answers text by default, and refuses responseText for a blob response', async () => {
    const xhr = new NodeXMLHttpRequest();
    xhr.open('GET', `${base}/nothing`);
    const finished = done(xhr);
    xhr.send();
    await finished;
    expect(xhr.status).toBe(404);
    expect(xhr.responseText).toBe('missing');
    expect(xhr.response).toBe('missing');

    const blob = new NodeXMLHttpRequest();
    blob.open('GET', `${base}/nothing`);
    blob.responseType = 'blob';
    blob.send();
    await done(blob);
    expect(() => blob.responseText).toThrow(/responseText/);
  });

  it('fires error (status 0) when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const xhr = new NodeXMLHttpRequest();
    const events: string[] = [];
    for (const type of ['error', 'load', 'loadend']) xhr.addEventListener(type, () => void events.push(type));
    xhr.open('GET', `http://127.0.0.1:${port}/`);
    const finished = done(xhr);
    xhr.send();
    await finished;
    expect(events).toEqual(['error', 'loadend']);
    expect(xhr.status).toBe(0);
  });

  it('fires abort and no load when aborted mid-response', async () => {
    const xhr = new NodeXMLHttpRequest();
    const events: string[] = [];
    for (const type of ['abort', 'load', 'error', 'loadend']) xhr.addEventListener(type, () => void events.push(type));
    xhr.open('GET', `${base}/slow`);
    const loading = new Promise<void>((resolve) => xhr.addEventListener('progress', () => resolve()));
    xhr.send();
    await loading;
    xhr.abort();
    expect(events).toEqual(['abort', 'loadend']);
    expect(xhr.readyState).toBe(NodeXMLHttpRequest.UNSENT);
  });
});
