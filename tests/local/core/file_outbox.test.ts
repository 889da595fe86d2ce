import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type IdSource } from '../../../src/local/core/clock.js';
import { FileOutbox } from '../../../src/local/core/file_outbox.js';
import type { Logger } from '../../../src/local/core/logger.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function seqIds(): IdSource {
  let n = 0;
  return { uuid: () => `id-${++n}`, bytes: (k) => Buffer.alloc(k), digits: (l) => '0'.repeat(l) };
}

function capture() {
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), child: () => log };
  return { log, lines };
}

describe('FileOutbox', () => {
  it('stamps messages with an id and the injected clock time', () => {
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
    const outbox = new FileOutbox(dir, clock, seqIds(), capture().log);
    const m = outbox.add({ channel: 'sms', to: '+15550100', body: 'Your code is 123456', code: '123456' });
    expect(m).toEqual({ id: 'id-1', channel: 'sms', to: '+15550100', body: 'Your code is 123456', code: '123456', createdAt: '2026-05-01T12:00:00.000Z' });
  });

  it('prints the recipient and code on the console', () => {
    const { log, lines } = capture();
    new FileOutbox(dir, new ManualClock(), seqIds(), log).add({ channel: 'email', to: 'a@x.com', subject: 'Verify', body: 'b', code: '654321' });
    expect(lines.join('\n')).toMatch(/email to a@x\.com "Verify" code 654321/);
  });

  it('keeps messages across restarts once flushed', () => {
    const first = new FileOutbox(dir, new ManualClock(), seqIds(), capture().log);
    first.add({ channel: 'push', to: 'device-1', body: 'hello', data: { title: 'Hi' } });
    first.flush();
    const second = new FileOutbox(dir, new ManualClock(), seqIds(), capture().log);
    expect(second.list()).toMatchObject([{ channel: 'push', to: 'device-1', data: { title: 'Hi' } }]);
  });

  it('writes added messages on its own shortly after, without an explicit flush', async () => {
    const outbox = new FileOutbox(dir, new ManualClock(), seqIds(), capture().log);
    outbox.add({ channel: 'email', to: 'a@x.com', body: 'b' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(new FileOutbox(dir, new ManualClock(), seqIds(), capture().log).list()).toHaveLength(1);
  });

  it('clears persistently', () => {
    const outbox = new FileOutbox(dir, new ManualClock(), seqIds(), capture().log);
    outbox.add({ channel: 'email', to: 'a@x.com', body: 'b' });
    outbox.clear();
    expect(new FileOutbox(dir, new ManualClock(), seqIds(), capture().log).list()).toEqual([]);
  });
});
