import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caFiles, createCa, ensureTls, resolveCaDir, trustInstructions, type TlsMaterial } from '../../../src/local/core/tls.js';
import { writeFileAtomic } from '../../../src/local/core/persist.js';

let dir: string;
let material: TlsMaterial;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  material = await ensureTls(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Opens a TLS server with the leaf and connects trusting only `ca`; resolves with the outcome. */
async function handshake(m: { certPem: string; keyPem: string }, ca: string, servername?: string, host = '127.0.0.1') {
  const server = tls.createServer({ cert: m.certPem, key: m.keyPem }, (s) => s.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<{ authorized: boolean; error?: string }>((resolve) => {
      const socket = tls.connect({ host, port, ca, servername }, () => {
        resolve({ authorized: socket.authorized });
        socket.destroy();
      });
      socket.once('error', (err) => resolve({ authorized: false, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
  } finally {
    server.close();
  }
}

describe('local CA', () => {
  it('is a 10-year RSA 2048 CA allowed to sign certificates', () => {
    const ca = new X509Certificate(material.caCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365.25 * 24 * 3600_000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    // node:crypto lists only extended key usages; the keyUsage extension is read with forge.
    const usage = forge.pki.certificateFromPem(readFileSync(material.caCertPath, 'utf8')).getExtension('keyUsage') as {
      keyCertSign?: boolean;
      critical?: boolean;
    };
    expect(usage).toMatchObject({ keyCertSign: true, critical: true });
    expect(material.createdCa).toBe(true);
  });

  it('keeps the CA key private to the owner', () => {
    const mode = statSync(caFiles(dir).caKey).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});

describe('leaf certificate', () => {
  it('verifies against the CA with node:tls for 127.0.0.1', async () => {
    expect(await handshake(material, material.caCertPem)).toEqual({ authorized: true });
  });

  it('verifies for localhost by name', async () => {
    expect(await handshake(material, material.caCertPem, 'localhost')).toEqual({ authorized: true });
  });

  it('is refused by a client that trusts a different CA', async () => {
    const other = createCa();
    const result = await handshake(material, other.certPem);
    expect(result.authorized).toBe(false);
    expect(result.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  });

  it('covers loopback, localhost and the Android emulator host alias, for server auth only', () => {
    const leaf = new X509Certificate(material.certPem);
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(leaf.subjectAltName).toContain('IP Address:10.0.2.2');
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(new X509Certificate(material.caCertPem))).toBe(true);
  });

  it('is valid for at most 825 days so iOS accepts it', () => {
    const leaf = new X509Certificate(material.certPem);
    const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / (24 * 3600_000);
    expect(days).toBeLessThanOrEqual(825);
    expect(days).toBeGreaterThan(700);
  });
});

describe('ensureTls', () => {
  it('reuses the CA and a still-valid leaf on the next start', async () => {
    const again = await ensureTls(dir);
    expect(again.createdCa).toBe(false);
    expect(again.renewedLeaf).toBe(false);
    expect(again.caCertPem).toBe(material.caCertPem);
    expect(again.certPem).toBe(material.certPem);
  });

  it('renews a leaf close to expiry but keeps the CA', async () => {
    const later = new Date(Date.now() + 810 * 24 * 3600_000);
    const renewed = await ensureTls(dir, later);
    expect(renewed.createdCa).toBe(false);
    expect(renewed.renewedLeaf).toBe(true);
    expect(renewed.caCertPem).toBe(material.caCertPem);
    expect(renewed.certPem).not.toBe(material.certPem);
  });

  it('re-issues the leaf when the CA was replaced', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'tls-other-'));
    try {
      const first = await ensureTls(other);
      const ca = createCa();
      writeFileAtomic(caFiles(other).caKey, ca.keyPem);
      writeFileAtomic(caFiles(other).caCert, ca.certPem);
      const second = await ensureTls(other);
      expect(second.renewedLeaf).toBe(true);
      expect(second.certPem).not.toBe(first.certPem);
      expect(await handshake(second, ca.certPem)).toEqual({ authorized: true });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('creates one CA when several starts race for the same folder', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'tls-race-'));
    try {
      const results = await Promise.all([ensureTls(shared), ensureTls(shared), ensureTls(shared)]);
      expect(results.filter((r) => r.createdCa)).toHaveLength(1);
      expect(new Set(results.map((r) => r.caCertPem)).size).toBe(1);
      expect(new Set(results.map((r) => r.certPem)).size).toBe(1);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

describe('resolveCaDir', () => {
  it('prefers an explicit folder, then AMPLIFY_LOCAL_CA_DIR, then <dataDir>/tls', () => {
    const saved = process.env.AMPLIFY_LOCAL_CA_DIR;
    try {
      process.env.AMPLIFY_LOCAL_CA_DIR = '/tmp/shared-ca';
      expect(resolveCaDir('/data', '/explicit')).toBe('/explicit');
      expect(resolveCaDir('/data')).toBe('/tmp/shared-ca');
      delete process.env.AMPLIFY_LOCAL_CA_DIR;
      expect(resolveCaDir('/data')).toBe(path.resolve('/data/tls'));
    } finally {
      if (saved === undefined) delete process.env.AMPLIFY_LOCAL_CA_DIR;
      else process.env.AMPLIFY_LOCAL_CA_DIR = saved;
    }
  });
});

describe('trustInstructions', () => {
  it('covers macOS, Linux and its browsers, the iOS simulator and the Android emulator with the port', () => {
    const text = trustInstructions('/p/ca.pem', 20002).join('\n');
    expect(text).toContain('security add-trusted-cert');
    expect(text).toContain('update-ca-certificates');
    // Chromium on Linux ignores the system store: tests/browser trusts the CA exactly this way.
    expect(text).toContain('certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n amplify-local -i "/p/ca.pem"');
    expect(text).toContain('xcrun simctl keychain booted add-root-cert "/p/ca.pem"');
    expect(text).toContain('network_security_config');
    expect(text).toContain('adb reverse tcp:20002 tcp:20002');
  });
});
