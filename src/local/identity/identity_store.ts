import type { Clock, IdSource } from '../core/clock.js';
import { JsonFile } from '../core/persist.js';
import type { IssuedCredentials } from '../core/registry.js';
import { expiryAt, newAccessKeyId, newSecretAccessKey, newSessionToken } from './credentials.js';

/** A user-pool login linked to an identity. Keyed by pool id: the `Logins` key names the port, which may change. */
export interface LinkedLogin {
  sub: string;
  username?: string;
}

export interface IdentityRecord {
  identityId: string;
  identityPoolId: string;
  /** Epoch ms. */
  createdAt: number;
  lastModifiedAt: number;
  /** User pool id → the user behind this identity. Empty for a guest (unauthenticated) identity. */
  logins: Record<string, LinkedLogin>;
}

interface IdentitiesFile {
  version: 1;
  identities: IdentityRecord[];
}

interface CredentialsFile {
  version: 1;
  credentials: IssuedCredentials[];
}

/**
 * Expired credentials stay findable this long so a late request gets ExpiredToken (which makes
 * clients refresh) rather than InvalidAccessKeyId; after that they are pruned.
 */
const EXPIRED_CREDENTIALS_GRACE_MS = 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 1000;

/**
 * Identities and the credentials issued to them (and to functions' roles), kept in two JSON files
 * under the service's data dir. Every change is written atomically; identity changes and the
 * credentials handed to identity-pool callers are written before the response goes out, function
 * credentials (minted per invocation) are coalesced into one write per event-loop turn.
 */
export class IdentityStore {
  private identities = new Map<string, IdentityRecord>();
  /** `<identityPoolId>|<userPoolId>|<sub>` → identity id. */
  private byLogin = new Map<string, string>();
  private credentials = new Map<string, IssuedCredentials>();
  private loaded = false;
  private lastPrune = -Infinity;
  private pendingWrite: NodeJS.Immediate | undefined;

  constructor(
    private readonly dir: () => string,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  private identitiesFile(): JsonFile<IdentitiesFile> {
    return new JsonFile<IdentitiesFile>(this.dir(), 'identities.json');
  }

  private credentialsFile(): JsonFile<CredentialsFile> {
    return new JsonFile<CredentialsFile>(this.dir(), 'credentials.json');
  }

  /** Reads state once; every accessor calls it so a peer's early lookup sees persisted credentials. */
  load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const rec of this.identitiesFile().load()?.identities ?? []) this.index(rec);
    for (const c of this.credentialsFile().load()?.credentials ?? []) this.credentials.set(c.accessKeyId, c);
    this.prune();
  }

  private index(rec: IdentityRecord): void {
    this.identities.set(rec.identityId, rec);
    for (const [poolId, login] of Object.entries(rec.logins)) this.byLogin.set(loginKey(rec.identityPoolId, poolId, login.sub), rec.identityId);
  }

  get(identityId: string): IdentityRecord | undefined {
    this.load();
    return this.identities.get(identityId);
  }

  /** The identity of a user in one identity pool (each identity pool gives a user its own identity). */
  findByLogin(identityPoolId: string, userPoolId: string, sub: string): IdentityRecord | undefined {
    this.load();
    const id = this.byLogin.get(loginKey(identityPoolId, userPoolId, sub));
    return id === undefined ? undefined : this.identities.get(id);
  }

  /** A new identity id in the pool's region, as Cognito formats them. */
  create(identityPoolId: string, logins: Record<string, LinkedLogin>): IdentityRecord {
    this.load();
    const region = identityPoolId.split(':')[0];
    const now = this.clock.now();
    const rec: IdentityRecord = { identityId: `${region}:${this.ids.uuid()}`, identityPoolId, createdAt: now, lastModifiedAt: now, logins: { ...logins } };
    this.index(rec);
    this.saveIdentities();
    return rec;
  }

  /** Links logins to an identity (a guest signing in keeps its identity id, as on Cognito). */
  link(rec: IdentityRecord, logins: Record<string, LinkedLogin>): void {
    const changed = Object.entries(logins).filter(([poolId, l]) => rec.logins[poolId]?.sub !== l.sub || rec.logins[poolId]?.username !== l.username);
    if (changed.length === 0) return;
    for (const [poolId, login] of changed) {
      rec.logins[poolId] = login;
      this.byLogin.set(loginKey(rec.identityPoolId, poolId, login.sub), rec.identityId);
    }
    rec.lastModifiedAt = this.clock.now();
    this.saveIdentities();
  }

  /** Drops a guest identity merged into an existing authenticated one. */
  remove(identityId: string): void {
    const rec = this.identities.get(identityId);
    if (!rec) return;
    this.identities.delete(identityId);
    for (const [poolId, login] of Object.entries(rec.logins)) this.byLogin.delete(loginKey(rec.identityPoolId, poolId, login.sub));
    this.saveIdentities();
  }

  /** Mints and records credentials. `durable` writes them before returning (they leave the process). */
  issue(fields: Omit<IssuedCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiration'>, ttlSeconds: number, durable: boolean): IssuedCredentials {
    this.load();
    this.prune();
    let accessKeyId = newAccessKeyId(this.ids);
    while (this.credentials.has(accessKeyId)) accessKeyId = newAccessKeyId(this.ids);
    const creds: IssuedCredentials = {
      ...fields,
      accessKeyId,
      secretAccessKey: newSecretAccessKey(this.ids),
      sessionToken: newSessionToken(this.ids),
      expiration: expiryAt(this.clock.now(), ttlSeconds),
    };
    this.credentials.set(accessKeyId, creds);
    if (durable) this.saveCredentials();
    else this.scheduleCredentialsWrite();
    return creds;
  }

  lookup(accessKeyId: string): IssuedCredentials | undefined {
    this.load();
    return this.credentials.get(accessKeyId);
  }

  /** Forgets credentials past their grace period; at most once a minute of (injected) time. */
  private prune(): void {
    const now = this.clock.now();
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    let removed = false;
    for (const [id, c] of this.credentials) {
      if (c.expiration + EXPIRED_CREDENTIALS_GRACE_MS < now) {
        this.credentials.delete(id);
        removed = true;
      }
    }
    if (removed) this.scheduleCredentialsWrite();
  }

  private saveIdentities(): void {
    this.identitiesFile().save({ version: 1, identities: [...this.identities.values()] });
  }

  private saveCredentials(): void {
    if (this.pendingWrite) {
      clearImmediate(this.pendingWrite);
      this.pendingWrite = undefined;
    }
    this.credentialsFile().save({ version: 1, credentials: [...this.credentials.values()] });
  }

  private scheduleCredentialsWrite(): void {
    if (this.pendingWrite) return;
    this.pendingWrite = setImmediate(() => {
      this.pendingWrite = undefined;
      this.saveCredentials();
    });
    // A pending write must not keep a finished process alive; stop() flushes.
    this.pendingWrite.unref();
  }

  /** Writes any coalesced change now (stop). */
  flush(): void {
    if (this.pendingWrite) this.saveCredentials();
  }

  /** Drops every identity and credential, in memory and on disk. */
  reset(): void {
    if (this.pendingWrite) clearImmediate(this.pendingWrite);
    this.pendingWrite = undefined;
    this.identities.clear();
    this.byLogin.clear();
    this.credentials.clear();
    this.loaded = true;
    this.identitiesFile().delete();
    this.credentialsFile().delete();
  }

  /** Every identity (snapshot export), oldest first. */
  allIdentities(): IdentityRecord[] {
    this.load();
    return [...this.identities.values()].sort((a, b) => a.createdAt - b.createdAt || (a.identityId < b.identityId ? -1 : 1));
  }

  /** Replaces every identity (snapshot import); issued credentials are dropped with the old state. */
  replaceIdentities(records: readonly IdentityRecord[]): void {
    this.reset();
    for (const rec of records) this.index(rec);
    this.saveIdentities();
  }

  /** Counts for the banner and tests. */
  stats(): { identities: number; credentials: number } {
    this.load();
    return { identities: this.identities.size, credentials: this.credentials.size };
  }
}

function loginKey(identityPoolId: string, userPoolId: string, sub: string): string {
  return `${identityPoolId}|${userPoolId}|${sub}`;
}
