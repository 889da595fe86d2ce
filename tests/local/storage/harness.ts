import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { systemClock } from '../../../src/local/core/clock.js';
import type { CredentialStore, IssuedCredentials, Registry } from '../../../src/local/core/registry.js';
import type { LocalService } from '../../../src/local/core/service.js';
import { createStorageService } from '../../../src/local/storage/index.js';
import { getTestAssembly } from '../../fixtures/assembly.js';
import { serviceContext, startService } from '../../helpers/service_context.js';

export const ENDPOINT = 'https://127.0.0.1:20002';

/**
 * A credential store holding credentials the test mints directly: the `identity.credentials`
 * capability is the boundary between storage and the identity pool.
 */
export class TestCredentials implements CredentialStore {
  readonly issued = new Map<string, IssuedCredentials>();
  private n = 0;
  add(c: Omit<IssuedCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): IssuedCredentials {
    this.n += 1;
    const full: IssuedCredentials = {
      ...c,
      accessKeyId: `ASIATEST${String(this.n).padStart(12, '0')}`,
      secretAccessKey: `secret-${this.n}-${Math.random().toString(36).slice(2)}`,
      sessionToken: `token-${this.n}-${Math.random().toString(36).slice(2)}`,
    };
    this.issued.set(full.accessKeyId, full);
    return full;
  }
  lookup(id: string) {
    return this.issued.get(id);
  }
  issueForRole(roleArn: string, functionName: string, ttlSeconds: number): IssuedCredentials {
    return this.add({ roleArn, functionName, kind: 'function', expiration: Date.now() + ttlSeconds * 1000 });
  }
}

export interface StorageHarness {
  model: BackendModel;
  service: LocalService;
  /** What the storage service published (`storage.notifications`). */
  registry: Registry;
  creds: TestCredentials;
  bucket: string;
  dataDir: string;
  user(identityId: string): IssuedCredentials;
  guest(identityId: string): IssuedCredentials;
  send(c: IssuedCredentials | null, method: string, pathAndQuery: string, init?: { body?: Buffer | string; headers?: Record<string, string> }): Promise<Response>;
  presign(c: IssuedCredentials, method: string, pathAndQuery: string, expiresIn: number): Promise<string>;
}

/** `configure` may adjust the loaded model (e.g. add bucket notifications) before the service starts. */
export async function storageHarness(dataDir?: string, configure?: (model: BackendModel) => void): Promise<StorageHarness> {
  const model = loadBackendModel(await getTestAssembly());
  configure?.(model);
  const creds = new TestCredentials();
  const { ctx, registry } = serviceContext({
    name: 'storage',
    model,
    dataDir,
    endpoint: ENDPOINT,
    clock: systemClock,
    ids: { uuid: () => crypto.randomUUID(), bytes: (n) => Buffer.alloc(n), digits: (n) => '1'.repeat(n) },
    noMessages: 'storage sends no messages',
  });
  registry.provide('identity.credentials', creds);
  const service = await startService(createStorageService(ctx), registry);
  const auth = model.auth!.identityPool!;
  const bucket = model.storage!.buckets[0].bucketName;

  const signer = (c: IssuedCredentials) =>
    new SignatureV4({
      service: 's3',
      region: model.region,
      sha256: Sha256,
      uriEscapePath: false,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
    });

  function toHttpRequest(method: string, pathAndQuery: string, headers: Record<string, string>, body?: Buffer | string) {
    const url = new URL(ENDPOINT + pathAndQuery);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    return {
      method,
      protocol: 'https:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: { host: url.host, ...headers },
      body,
    };
  }

  return {
    model,
    service,
    registry,
    creds,
    bucket,
    dataDir: ctx.dataDir,
    user: (identityId) =>
      creds.add({ roleArn: auth.authenticatedRoleArn!, identityId, identityPoolId: auth.id, kind: 'authenticated', expiration: Date.now() + 3600_000 }),
    guest: (identityId) =>
      creds.add({ roleArn: auth.unauthenticatedRoleArn!, identityId, identityPoolId: auth.id, kind: 'unauthenticated', expiration: Date.now() + 3600_000 }),
    async send(c, method, pathAndQuery, init = {}) {
      const body = init.body;
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (c) {
        const { createHash } = await import('node:crypto');
        headers['x-amz-content-sha256'] ??= createHash('sha256').update(body ?? '').digest('hex');
        const signed = await signer(c).sign(toHttpRequest(method, pathAndQuery, headers, body));
        Object.assign(headers, signed.headers);
      }
      delete headers.host;
      return service.fetch(new Request(ENDPOINT + pathAndQuery, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body }));
    },
    async presign(c, method, pathAndQuery, expiresIn) {
      // Like the S3 presigner: the payload is UNSIGNED-PAYLOAD, and that header is not itself signed.
      const req = await signer(c).presign(toHttpRequest(method, pathAndQuery, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), {
        expiresIn,
        unsignableHeaders: new Set(['x-amz-content-sha256']),
      });
      const url = new URL(ENDPOINT + req.path);
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
      return url.toString();
    },
  };
}
