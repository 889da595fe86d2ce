import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from './persist.js';

/**
 * The local certificate authority. Every client of the local cloud speaks HTTPS/WSS (the Amplify
 * client forces `wss://` for realtime and `https://` for S3 custom endpoints), so we mint a CA once,
 * ask the user (or NODE_EXTRA_CA_CERTS) to trust it, and sign a leaf for the loopback names with it.
 */

/** Names the leaf certificate covers: loopback, and 10.0.2.2 (the Android emulator's alias for the host). */
const LEAF_IPS = ['127.0.0.1', '::1', '10.0.2.2'];
const LEAF_DNS = ['localhost'];

const CA_YEARS = 10;
/** Apple rejects TLS server certificates valid for more than 825 days. */
export const LEAF_DAYS = 820;
/** Renew the leaf this long before it expires. */
export const LEAF_RENEW_MS = 30 * 24 * 3600 * 1000;

export interface TlsMaterial {
  /** Folder holding ca.pem, ca-key.pem, server.pem, server-key.pem. */
  dir: string;
  caCertPath: string;
  caCertPem: string;
  /** The CA's private key: issues leaves for further names (AWS-hostname mode). */
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  /** True when this call created the CA (first start): the banner then explains how to trust it. */
  createdCa: boolean;
  renewedLeaf: boolean;
}

export function caFiles(dir: string) {
  return {
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server-key.pem'),
  };
}

/** The TLS folder: AMPLIFY_LOCAL_CA_DIR when set (tests share one CA), else `<dataDir>/tls`. */
export function resolveCaDir(dataDir: string, explicit?: string): string {
  return path.resolve(explicit ?? process.env.AMPLIFY_LOCAL_CA_DIR ?? path.join(dataDir, 'tls'));
}

/** Loads the CA and a valid leaf from `dir`, creating whichever is missing, expired or mismatched. */
export async function ensureTls(dir: string, now: Date = new Date()): Promise<TlsMaterial> {
  mkdirSync(dir, { recursive: true });
  return withDirLock(dir, () => ensureTlsLocked(dir, now));
}

function ensureTlsLocked(dir: string, now: Date): TlsMaterial {
  const files = caFiles(dir);
  let createdCa = false;
  if (!existsSync(files.caCert) || !existsSync(files.caKey)) {
    const ca = createCa(now);
    writeFileAtomic(files.caKey, ca.keyPem, { mode: 0o600 });
    writeFileAtomic(files.caCert, ca.certPem);
    createdCa = true;
  }
  const caCertPem = readFileSync(files.caCert, 'utf8');
  const caKeyPem = readFileSync(files.caKey, 'utf8');

  let renewedLeaf = false;
  if (createdCa || !leafIsUsable(files.cert, files.key, caCertPem, now)) {
    const leaf = createLeaf(caCertPem, caKeyPem, now);
    writeFileAtomic(files.key, leaf.keyPem, { mode: 0o600 });
    writeFileAtomic(files.cert, leaf.certPem);
    renewedLeaf = true;
  }
  return {
    dir,
    caCertPath: files.caCert,
    caCertPem,
    caKeyPem,
    certPem: readFileSync(files.cert, 'utf8'),
    keyPem: readFileSync(files.key, 'utf8'),
    createdCa,
    renewedLeaf,
  };
}

function newRsaKeyPair(keyPem?: string): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  // node:crypto generates RSA keys ~50x faster than forge's pure-JS prime search.
  keyPem ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

/** What a leaf certificate covers; the default is the loopback leaf's names. */
export interface LeafNames {
  dns: string[];
  ips: string[];
  /** An RSA private key (PKCS#8 PEM) to certify instead of a new one (generated elsewhere, off the event loop). */
  keyPem?: string;
}

function serialNumber(): string {
  // Positive (high bit clear), 16 random bytes, as RFC 5280 recommends.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

export function createCa(now: Date = new Date()): { certPem: string; keyPem: string } {
  const { privateKey, publicKey, keyPem } = newRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  cert.validity.notAfter = new Date(now.getTime());
  cert.validity.notAfter.setFullYear(now.getFullYear() + CA_YEARS);
  const subject = [
    { name: 'commonName', value: `Amplify Local Cloud CA (${new Date(now).toISOString().slice(0, 10)})` },
    { name: 'organizationName', value: 'Amplify Local Cloud' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export function createLeaf(
  caCertPem: string,
  caKeyPem: string,
  now: Date = new Date(),
  names: LeafNames = { dns: LEAF_DNS, ips: LEAF_IPS },
): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const { publicKey, keyPem } = newRsaKeyPair(names.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  cert.validity.notAfter = new Date(now.getTime() + LEAF_DAYS * 24 * 3600_000);
  cert.setSubject([
    { name: 'commonName', value: names.dns[0] ?? names.ips[0] ?? 'localhost' },
    { name: 'organizationName', value: 'Amplify Local Cloud' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** The leaf can be reused when it is signed by this CA, covers our names and is not about to expire. */
function leafIsUsable(certFile: string, keyFile: string, caCertPem: string, now: Date): boolean {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const leaf = new X509Certificate(readFileSync(certFile));
    const ca = new X509Certificate(caCertPem);
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return false;
    if (new Date(leaf.validTo).getTime() - now.getTime() < LEAF_RENEW_MS) return false;
    if (new Date(leaf.validFrom).getTime() > now.getTime()) return false;
    if (!LEAF_IPS.every((ip) => leaf.checkIP(ip)) || !LEAF_DNS.every((d) => leaf.checkHost(d))) return false;
    // The key must belong to the certificate.
    return leaf.checkPrivateKey(createPrivateKey(readFileSync(keyFile, 'utf8')));
  } catch {
    return false;
  }
}

/**
 * Serialises CA/leaf creation between processes (parallel test workers sharing one CA dir) with a
 * lock directory; a lock older than 30 s is considered abandoned by a crashed process.
 */
async function withDirLock<T>(dir: string, fn: () => T): Promise<T> {
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // removed by its owner meanwhile
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the TLS lock ${lock}; delete it if no local cloud is starting.`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** How to trust the CA on each platform (printed at first start and by `--help`). */
export function trustInstructions(caCertPath: string, port: number): string[] {
  return [
    `Trust the local CA (${caCertPath}) once per device:`,
    `  macOS:            sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${caCertPath}"`,
    `  Linux:            sudo cp "${caCertPath}" /usr/local/share/ca-certificates/amplify-local.crt && sudo update-ca-certificates`,
    // Chromium, Chrome and Firefox on Linux read trust from the user's NSS database, not the system store.
    `  Linux browsers:   certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n amplify-local -i "${caCertPath}"   (package libnss3-tools)`,
    `  Node:             NODE_EXTRA_CA_CERTS="${caCertPath}"`,
    `  iOS simulator:    xcrun simctl keychain booted add-root-cert "${caCertPath}"`,
    `  Android emulator: adb push "${caCertPath}" /sdcard/Download/amplify-local-ca.pem, install it in Settings > Security > Encryption & credentials,`,
    `                    trust user CAs in res/xml/network_security_config.xml (<certificates src="user" />), then`,
    `                    adb reverse tcp:${port} tcp:${port}   (or use https://10.0.2.2:${port})`,
  ];
}
