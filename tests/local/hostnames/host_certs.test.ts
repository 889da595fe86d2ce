import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createLeaf, LEAF_DAYS } from '../../../src/local/core/tls.js';
import { HostCertificates } from '../../../src/local/hostnames/host_certs.js';
import { hostnameMatcher } from '../../../src/local/hostnames/names.js';
import { handshake } from '../../helpers/tls_handshake.js';

const SERVED = ['cognito-idp.us-east-1.amazonaws.com', 'abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com'];
const ca = createCa();
const dirs: string[] = [];

function store(opts: { dir?: string; now?: () => Date; caPem?: { certPem: string; keyPem: string } } = {}) {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'host-certs-'));
  dirs.push(dir);
  const authority = opts.caPem ?? ca;
  return { dir, certs: new HostCertificates({ dir, caCertPem: authority.certPem, caKeyPem: authority.keyPem, accepts: hostnameMatcher(SERVED), now: opts.now }) };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('HostCertificates', () => {
  it('issues a leaf signed by the local CA for exactly the served name, valid no longer than 820 days', async () => {
    const { certs } = store();
    const leaf = await certs.certificateFor('COGNITO-IDP.us-east-1.amazonaws.com.');
    expect(leaf?.issued).toBe(true);
    const x509 = new X509Certificate(leaf!.certPem);
    const authority = new X509Certificate(ca.certPem);
    expect(x509.checkIssued(authority)).toBe(true);
    expect(x509.verify(authority.publicKey)).toBe(true);
    expect(x509.subjectAltName).toBe('DNS:cognito-idp.us-east-1.amazonaws.com');
    expect(x509.checkHost('cognito-identity.us-east-1.amazonaws.com')).toBeUndefined();
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(LEAF_DAYS + 1);
    expect(x509.ca).toBe(false);
  });

  it('issues nothing for a name the backend does not answer as', async () => {
    const { certs, dir } = store();
    expect(await certs.certificateFor('example.com')).toBeUndefined();
    expect(await certs.certificateFor('cognito-idp.eu-west-1.amazonaws.com')).toBeUndefined();
    expect(await certs.certificateFor('../../etc/passwd')).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps a leaf in memory and on disk: a new process reuses it instead of signing again', async () => {
    const { certs, dir } = store();
    const first = await certs.certificateFor(SERVED[1]);
    const again = await certs.certificateFor(SERVED[1]);
    expect(again).toMatchObject({ issued: false, certPem: first!.certPem });
    const reloaded = await store({ dir }).certs.certificateFor(SERVED[1]);
    expect(reloaded).toMatchObject({ issued: false, certPem: first!.certPem, keyPem: first!.keyPem });
    expect(readdirSync(dir)).toEqual([`${SERVED[1]}.pem`]);
  });

  it('signs again when the leaf on disk comes from another CA, is for another name, or is broken', async () => {
    const { dir } = store();
    const other = createCa();
    const foreign = createLeaf(other.certPem, other.keyPem, new Date(), { dns: [SERVED[0]], ips: [] });
    writeFileSync(path.join(dir, `${SERVED[0]}.pem`), `${foreign.keyPem}${foreign.certPem}`);
    const replaced = await store({ dir }).certs.certificateFor(SERVED[0]);
    expect(replaced?.issued).toBe(true);
    expect(new X509Certificate(replaced!.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);

    const wrongName = createLeaf(ca.certPem, ca.keyPem, new Date(), { dns: ['cognito-identity.us-east-1.amazonaws.com'], ips: [] });
    writeFileSync(path.join(dir, `${SERVED[0]}.pem`), `${wrongName.keyPem}${wrongName.certPem}`);
    expect((await store({ dir }).certs.certificateFor(SERVED[0]))?.issued).toBe(true);

    writeFileSync(path.join(dir, `${SERVED[0]}.pem`), 'not a certificate');
    expect((await store({ dir }).certs.certificateFor(SERVED[0]))?.issued).toBe(true);
  });

  it('renews a leaf within 30 days of its expiry', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { certs } = store({ now: () => now });
    const first = await certs.certificateFor(SERVED[0]);
    now = new Date(first!.notAfter.getTime() - 10 * 86_400_000);
    const renewed = await certs.certificateFor(SERVED[0]);
    expect(renewed?.issued).toBe(true);
    expect(renewed!.notAfter.getTime()).toBeGreaterThan(first!.notAfter.getTime());
  });
});

describe('SNI on a TLS server', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const loopback = createLeaf(ca.certPem, ca.keyPem);
    const { certs } = store();
    server = createServer({ cert: loopback.certPem, key: loopback.keyPem, SNICallback: certs.sniCallback }, (s) => s.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('presents a CA-signed leaf for a served name, which the client verifies', async () => {
    expect(await handshake(port, SERVED[1], ca.certPem)).toEqual({ errorCode: null, altNames: `DNS:${SERVED[1]}` });
  });

  it('presents only the loopback leaf for any other name, which the client refuses for that name', async () => {
    // The chain is trusted; the name is not: verification (on) rejects the host.
    const r = await handshake(port, 'example.com', ca.certPem);
    expect(r.errorCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(r.altNames).toContain('IP Address:127.0.0.1');
    expect(r.altNames).not.toContain('example.com');
  });
});
