import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/local/core/logger.js';
import { parseAuthority, startConnectProxy, type ConnectProxy } from '../../../src/local/hostnames/proxy.js';
import { Rng } from '../../../reliability/fuzz/rng.js';

const SERVED = 'cognito-idp.us-east-1.amazonaws.com';
const serves = (h: string) => h === SERVED;

/** Stands in for the front door: echoes what it receives, prefixed so the test knows who answered. */
async function echoServer(tag: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d) => s.write(`${tag}:${d.toString()}`)).on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends raw bytes, returns everything received until the proxy closes or `until` matches. */
function exchange(port: number, request: string | Buffer, until?: RegExp, then?: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock: Socket = connect(port, '127.0.0.1');
    let text = '';
    let sentThen = false;
    const done = (closed: boolean) => {
      sock.destroy();
      resolve({ text, closed });
    };
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (then && !sentThen && text.includes('\r\n\r\n')) {
        sentThen = true;
        sock.write(then);
        return;
      }
      if (until?.test(text)) done(false);
    });
    sock.on('close', () => done(true));
    sock.on('error', () => done(true));
    sock.write(request);
  });
}

/** Writes, half-closes, and returns what came back within a short while (a tunnel echo included). */
function fuzzExchange(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.end(request);
  });
}

function recordingLogger(errors: string[]): Logger {
  const l: Logger = { info: () => {}, warn: () => {}, error: (m) => errors.push(m), child: () => l };
  return l;
}

describe('the CONNECT proxy', () => {
  let front: { server: Server; port: number };
  let other: { server: Server; port: number };
  let proxy: ConnectProxy;
  let passthrough: ConnectProxy;
  const errors: string[] = [];

  beforeAll(async () => {
    front = await echoServer('front');
    other = await echoServer('other');
    const base = { serves, target: { host: '127.0.0.1', port: front.port }, port: 0, log: recordingLogger(errors), maxHeaderBytes: 2048, tunnelIdleMs: 300 };
    proxy = await startConnectProxy(base);
    passthrough = await startConnectProxy({ ...base, passthrough: true });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), passthrough.close()]);
    front.server.close();
    other.server.close();
    expect(errors).toEqual([]);
  });

  it('tunnels CONNECT <served name>:443 to the front door, both ways, bytes sent with the request included', async () => {
    const r = await exchange(proxy.port, `CONNECT ${SERVED}:443 HTTP/1.1\r\nHost: ${SERVED}:443\r\n\r\nearly`, /front:early.*front:later/s, 'later');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\n/);
    expect(r.text).toContain('front:early');
    expect(r.text).toContain('front:later');
  });

  it('matches the served name case-insensitively and with a trailing dot', async () => {
    const r = await exchange(proxy.port, `CONNECT COGNITO-IDP.us-east-1.amazonaws.com.:443 HTTP/1.1\r\n\r\nhi`, /front:hi/);
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
  });

  it('answers 403 to other hosts, saying why, and closes', async () => {
    for (const target of ['example.com:443', `127.0.0.1:${other.port}`, 's3.us-east-1.amazonaws.com:443', `x.${SERVED}:443`]) {
      const r = await exchange(proxy.port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect(r.text, target).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
      expect(r.text).toContain("The local cloud proxies only the backend's AWS names ((local:");
      expect(r.text).toContain('--proxy-passthrough');
      expect(r.text).not.toContain('other:');
      expect(r.closed).toBe(true);
    }
  });

  it('answers 403 to a served name on another port than 443', async () => {
    const r = await exchange(proxy.port, `CONNECT ${SERVED}:80 HTTP/1.1\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.text).toContain('on port 443 only');
  });

  it('tunnels other hosts directly only with passthrough on', async () => {
    const r = await exchange(passthrough.port, `CONNECT 127.0.0.1:${other.port} HTTP/1.1\r\n\r\nping`, /other:ping/);
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
    expect(r.text).toContain('other:ping');
    const served = await exchange(passthrough.port, `CONNECT ${SERVED}:443 HTTP/1.1\r\n\r\nping`, /front:ping/);
    expect(served.text).toContain('front:ping');
  });

  it('answers 502 when the target does not accept the connection', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await exchange(passthrough.port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
  });

  it('answers 405 to plain-HTTP proxy requests and to requests for the proxy itself', async () => {
    const absolute = await exchange(proxy.port, `GET http://${SERVED}/ HTTP/1.1\r\nHost: ${SERVED}\r\n\r\n`);
    expect(absolute.text).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(absolute.text).toMatch(/allow: CONNECT/i);
    expect(absolute.text).toContain('AWS clients use HTTPS');
    const origin = await exchange(proxy.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(origin.text).toMatch(/^HTTP\/1\.1 405 /);
  });

  it('answers 400 to malformed requests and CONNECT targets, and closes', async () => {
    const bad = [
      'GARBAGE\r\n\r\n',
      '\x00\x01\x02\x03\r\n\r\n',
      `CONNECT ${SERVED} HTTP/1.1\r\n\r\n`,
      `CONNECT ${SERVED}:99999 HTTP/1.1\r\n\r\n`,
      `CONNECT ${SERVED}:0 HTTP/1.1\r\n\r\n`,
      'CONNECT [not-ipv6]:443 HTTP/1.1\r\n\r\n',
      'CONNECT a..b:443 HTTP/1.1\r\n\r\n',
      'CONNECT 999.1.1.1:443 HTTP/1.1\r\n\r\n',
      `CONNECT https://${SERVED}:443 HTTP/1.1\r\n\r\n`,
      `CONNECT ${SERVED}:443 HTTP/1.1\r\nBad Header\r\n\r\n`,
    ];
    for (const request of bad) {
      const r = await exchange(proxy.port, request);
      expect(r.text, JSON.stringify(request)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(r.closed).toBe(true);
    }
  });

  it('answers 431 to a request whose headers exceed the limit', async () => {
    const r = await exchange(proxy.port, `CONNECT ${SERVED}:443 HTTP/1.1\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('closes a tunnel that stays idle', async () => {
    const r = await exchange(proxy.port, `CONNECT ${SERVED}:443 HTTP/1.1\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
    expect(r.closed).toBe(true);
  });

  it('answers every one of a few hundred mutated requests (seeded) with a status line, and keeps serving', async () => {
    const rng = new Rng(0xc0ffee);
    const int = (n: number) => rng.int(n);
    const valid = Buffer.from(`CONNECT ${SERVED}:443 HTTP/1.1\r\nHost: ${SERVED}:443\r\nProxy-Connection: keep-alive\r\n\r\n`);
    const outcomes = { status: 0, closed: 0 };
    for (let batch = 0; batch < 10; batch++) {
      const requests = Array.from({ length: 30 }, (_, i) => {
        const p = Buffer.from(valid);
        if (i % 3 === 0) for (let k = 0; k < 1 + int(6); k++) p[int(p.length)] = int(256);
        if (i % 3 === 1) return Buffer.concat([p.subarray(0, int(p.length)), Buffer.from('\r\n\r\n')]);
        if (i % 3 === 2) return Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256)));
        return p;
      });
      const results = await Promise.all(requests.map((r) => fuzzExchange(proxy.port, r)));
      for (const r of results) {
        if (/^HTTP\/1\.1 \d{3} /.test(r)) outcomes.status++;
        else outcomes.closed++;
      }
    }
    // Every request gets a status line (400, 403, 405, 431 or a tunnel's 200): none is silently dropped.
    expect(outcomes).toEqual({ status: 300, closed: 0 });
  });

  it('still tunnels after all of that', async () => {
    const r = await exchange(proxy.port, `CONNECT ${SERVED}:443 HTTP/1.1\r\n\r\nagain`, /front:again/);
    expect(r.text).toContain('front:again');
  });
});

describe('parseAuthority', () => {
  it('reads host:port and bracketed IPv6, lower-cases, drops a trailing dot', () => {
    expect(parseAuthority('STS.us-east-1.amazonaws.com.:443')).toEqual({ host: 'sts.us-east-1.amazonaws.com', port: 443 });
    expect(parseAuthority('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseAuthority('10.0.2.2:443')).toEqual({ host: '10.0.2.2', port: 443 });
  });
  it('refuses a missing port, a path, userinfo and bad IPv6', () => {
    for (const t of ['host', 'host:', ':443', 'host:443/x', 'u@host:443', '[zz]:443', 'host:-1', '::1:443']) expect(parseAuthority(t), t).toBeUndefined();
  });
});
