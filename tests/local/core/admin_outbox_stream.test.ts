import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/local/core/admin.js';
import { ManualClock, cryptoIds } from '../../../src/local/core/clock.js';
import { FileOutbox } from '../../../src/local/core/file_outbox.js';
import { silentLogger } from '../../../src/local/core/logger.js';
import { setRequestInfo } from '../../../src/local/core/request_info.js';

let dir: string;
let outbox: FileOutbox;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'admin-stream-'));
  outbox = new FileOutbox(dir, clock, cryptoIds, silentLogger);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function admin() {
  return createAdminService({
    outbox,
    serviceNames: () => [],
    resetAll: async () => [],
    startedAt: clock.now(),
    now: () => clock.now(),
    endpoint: () => 'https://127.0.0.1:20002',
  });
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before "${text}"; got ${seen}`);
    seen += decoder.decode(value);
  }
  return seen;
}

describe('GET /_local/outbox/stream', () => {
  it('sends each message added after it opened as a server-sent event', async () => {
    outbox.add({ channel: 'email', to: 'before@example.com', body: 'old' });
    const res = await admin().fetch(new Request('https://127.0.0.1:20002/_local/outbox/stream'));
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    expect(await readUntil(reader, 'following the outbox')).not.toContain('before@example.com');
    const added = outbox.add({ channel: 'sms', to: '+15555550100', body: 'Your code is 123456', code: '123456' });
    const event = await readUntil(reader, '\n\n');
    expect(event).toMatch(/^event: message\ndata: /);
    expect(JSON.parse(event.split('data: ')[1])).toEqual(added);
    await reader.cancel();
    // Cancelled streams no longer follow the outbox.
    outbox.add({ channel: 'email', to: 'after@example.com', body: 'x' });
  });

  it('ends open streams when the cloud stops, so the front door need not wait for them', async () => {
    const a = admin();
    const reader = (await a.fetch(new Request('https://127.0.0.1:20002/_local/outbox/stream'))).body!.getReader();
    await readUntil(reader, 'following the outbox');
    a.closeStreams();
    expect((await reader.read()).done).toBe(true);
  });

  it('answers loopback clients only', async () => {
    const req = new Request('https://127.0.0.1:20002/_local/outbox/stream');
    setRequestInfo(req, { remoteAddress: '192.168.0.9' });
    expect((await admin().fetch(req)).status).toBe(403);
  });
});
