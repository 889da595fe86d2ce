import { createPrivateKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../core/persist.js';
import { createLeaf, LEAF_RENEW_MS } from '../core/tls.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Leaf certificates for AWS hostnames, issued on the fly by the local CA when a client's TLS
 * handshake names one (SNI). Only names the matcher accepts get one — the CA never signs a name
 * this backend does not answer as — and any other name gets the server's default loopback leaf.
 * Each leaf lives in memory and in `<dir>/<name>.pem` (key and certificate in one file, written
 * atomically, so processes sharing a CA folder never pair one's key with another's certificate).
 */
export interface HostCertificatesOptions {
  /** Folder for the issued leaves, e.g. `<tls dir>/hosts`. */
  dir: string;
  caCertPem: string;
  caKeyPem: string;
  /** Names a leaf may be issued for (see names.ts `hostnameMatcher`). */
  accepts(host: string): boolean;
  now?: () => Date;
  log?: Logger;
}

export interface HostCertificate {
  name: string;
  certPem: string;
  keyPem: string;
  notAfter: Date;
  /** True when this call signed it (false: from memory or disk). */
  issued: boolean;
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

export class HostCertificates {
  private readonly memory = new Map<string, Promise<{ cert: HostCertificate; context: SecureContext }>>();
  private readonly now: () => Date;
  private key: Promise<string> | undefined;

  constructor(private readonly opts: HostCertificatesOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** For `tls`/`http2` servers' `SNICallback`: a served name's leaf, else the default context. */
  readonly sniCallback: SniCallback = (servername, cb) => {
    const name = canonical(servername);
    if (!name || !this.opts.accepts(name)) {
      cb(null);
      return;
    }
    this.entry(name).then(
      (e) => cb(null, e.context),
      (err: unknown) => {
        // A failed issuance must not take the handshake down with a fault: the default leaf answers
        // (the client then refuses the name mismatch, which is the truthful outcome).
        this.opts.log?.error(`issuing a certificate for ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        cb(null);
      },
    );
  };

  /** The leaf for `host` (issued, read from disk or from memory); undefined for a name not served. */
  async certificateFor(host: string): Promise<HostCertificate | undefined> {
    const name = canonical(host);
    if (!name || !this.opts.accepts(name)) return undefined;
    return (await this.entry(name)).cert;
  }

  private entry(name: string): Promise<{ cert: HostCertificate; context: SecureContext }> {
    const cached = this.memory.get(name);
    if (cached) {
      return cached.then((e) => (this.fresh(e.cert.notAfter) ? { ...e, cert: { ...e.cert, issued: false } } : this.renew(name)));
    }
    return this.renew(name);
  }

  private renew(name: string): Promise<{ cert: HostCertificate; context: SecureContext }> {
    const made = this.load(name).then((cert) => ({ cert, context: createSecureContext({ cert: cert.certPem, key: cert.keyPem }) }));
    this.memory.set(name, made);
    made.catch(() => this.memory.delete(name));
    return made;
  }

  private async load(name: string): Promise<HostCertificate> {
    const file = path.join(this.opts.dir, `${name}.pem`);
    const onDisk = this.readUsable(file, name);
    if (onDisk) return onDisk;
    const keyPem = await this.leafKey();
    const leaf = createLeaf(this.opts.caCertPem, this.opts.caKeyPem, this.now(), { dns: [name], ips: [], keyPem });
    mkdirSync(this.opts.dir, { recursive: true });
    const certPem = normalizePem(leaf.certPem);
    const keyPemOut = normalizePem(leaf.keyPem);
    writeFileAtomic(file, `${keyPemOut}${certPem}`, { mode: 0o600 });
    return { name, certPem, keyPem: keyPemOut, notAfter: new Date(new X509Certificate(certPem).validTo), issued: true };
  }

  /** A leaf from disk when this CA signed it for `name`, it is in its validity and its key matches. */
  private readUsable(file: string, name: string): HostCertificate | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
    if (!certPem || !keyPem) return undefined;
    try {
      const leaf = new X509Certificate(certPem);
      const ca = new X509Certificate(this.opts.caCertPem);
      if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return undefined;
      if (leaf.checkHost(name, { wildcards: false }) !== name) return undefined;
      const notAfter = new Date(leaf.validTo);
      if (new Date(leaf.validFrom).getTime() > this.now().getTime() || !this.fresh(notAfter)) return undefined;
      if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
      return { name, certPem: normalizePem(certPem), keyPem: normalizePem(keyPem), notAfter, issued: false };
    } catch {
      return undefined;
    }
  }

  /**
   * One key for every leaf this instance signs: generating an RSA key is the slow part of issuing
   * (~100 ms, against ~45 ms to sign), so only the first new name pays it — off the event loop.
   */
  private leafKey(): Promise<string> {
    this.key ??= generateKeyPairAsync('rsa', { modulusLength: 2048 }).then(({ privateKey }) =>
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }

  private fresh(notAfter: Date): boolean {
    return notAfter.getTime() - this.now().getTime() >= LEAF_RENEW_MS;
  }
}

/** One PEM block with `\n` line ends and a final newline (forge writes `\r\n`). */
function normalizePem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}

/** The SNI name as a file-safe, lowercase DNS name, or undefined when it is no DNS name at all. */
function canonical(servername: string | undefined): string | undefined {
  if (!servername) return undefined;
  const name = servername.toLowerCase().replace(/\.+$/, '');
  return name.length <= 253 && NAME.test(name) ? name : undefined;
}
