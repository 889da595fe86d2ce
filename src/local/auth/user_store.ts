import type { UserPoolModel } from '../assembly/model.js';
import type { PasswordVerifier } from './srp.js';
import { StateFile } from './state_file.js';

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

export interface CodeRecord {
  code: string;
  /** Epoch ms. */
  expiresAt: number;
  /** The value the code was sent to (an email address or phone number). */
  sentTo?: string;
}

export type MfaType = 'SMS_MFA' | 'SOFTWARE_TOKEN_MFA';

export interface UserRecord {
  /** Cognito's username: the uuid (= sub) in pools whose UsernameAttributes hold email/phone. */
  username: string;
  sub: string;
  /** Every attribute as Cognito stores it (strings; `email_verified` is "true"/"false"); includes `sub`. */
  attributes: Record<string, string>;
  status: UserStatus;
  enabled: boolean;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** The SRP verifier; the password itself is never stored. */
  password?: PasswordVerifier;
  /** For FORCE_CHANGE_PASSWORD users: when the temporary password stops working (epoch ms). */
  temporaryPasswordExpiresAt?: number;
  groups: string[];
  mfa: {
    smsEnabled: boolean;
    totpEnabled: boolean;
    preferred?: MfaType;
    /** A verified software token's base32 secret. */
    totpSecret?: string;
    /** Associated but not yet verified. */
    pendingTotpSecret?: string;
    /** Last accepted TOTP time step: a code is good once. */
    lastTotpStep?: number;
  };
  codes: {
    signUp?: CodeRecord;
    forgotPassword?: CodeRecord;
    /** Attribute verification codes by attribute name (`email`, `phone_number`). */
    attribute?: Record<string, CodeRecord>;
  };
  /** New values of attributes in AttributesRequireVerificationBeforeUpdate, waiting for verification. */
  pendingAttributes?: Record<string, string>;
  failedSignIns?: { count: number; lastFailureAt: number; lockedUntil?: number };
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}


/** The pool's users, persisted as `users.json` under the service's data dir. */
export class UserStore {
  private readonly byName = new Map<string, UserRecord>();
  private readonly file: StateFile<UsersFile>;
  /**
   * UsernameConfiguration.CaseSensitive: Amplify Gen 2 pools set it to false; Cognito's API default
   * (property absent) is case-sensitive. It governs usernames and the email/preferred_username aliases.
   */
  private readonly key: (s: string) => string;

  constructor(
    dataDir: string,
    private readonly pool: UserPoolModel,
  ) {
    const caseSensitive = pool.usernameCaseSensitive ?? true;
    this.key = caseSensitive ? (s) => s : (s) => s.toLowerCase();
    this.file = new StateFile<UsersFile>(dataDir, 'users.json', () => ({ version: 1, users: [...this.byName.values()] }));
  }

  load(): void {
    this.byName.clear();
    for (const u of this.file.load()?.users ?? []) this.byName.set(this.key(u.username), u);
  }

  /** Schedules a write of every user (call after any change to a record). */
  changed(user?: UserRecord, now?: number): void {
    if (user && now !== undefined) user.updatedAt = now;
    this.file.markDirty();
  }

  flush(): void {
    this.file.flush();
  }

  clear(): void {
    this.byName.clear();
    this.file.delete();
  }

  /** Replaces every user at once (a snapshot import) and writes the file now. */
  replaceAll(users: readonly UserRecord[]): void {
    this.byName.clear();
    for (const u of users) this.byName.set(this.key(u.username), u);
    this.file.markDirty();
    this.file.flush();
  }

  /** The key a username is stored under (folded when the pool is case-insensitive). */
  keyOf(username: string): string {
    return this.key(username);
  }

  all(): UserRecord[] {
    return [...this.byName.values()];
  }

  get(username: string): UserRecord | undefined {
    return this.byName.get(this.key(username));
  }

  add(user: UserRecord): void {
    this.byName.set(this.key(user.username), user);
    this.file.markDirty();
  }

  delete(user: UserRecord): void {
    this.byName.delete(this.key(user.username));
    this.file.markDirty();
  }

  /** Attributes that can stand in for the username at sign-in (UsernameAttributes, AliasAttributes). */
  private signInAttributes(): string[] {
    return [...new Set([...this.pool.usernameAttributes, ...this.pool.aliasAttributes])];
  }

  /** The user holding `value` in attribute `name` (case-insensitive), if any. */
  findByAttribute(name: string, value: string, opts: { verifiedOnly?: boolean } = {}): UserRecord | undefined {
    const fold = name === 'email' || name === 'preferred_username' ? this.key : (s: string) => s;
    const wanted = fold(value);
    for (const u of this.byName.values()) {
      const v = u.attributes[name];
      if (v === undefined) continue;
      if (fold(v) !== wanted) continue;
      if (opts.verifiedOnly && name !== 'preferred_username' && u.attributes[`${name}_verified`] !== 'true') continue;
      return u;
    }
    return undefined;
  }

  /**
   * The user a sign-in name designates: the username itself, else (in pools that allow it) an email,
   * phone number or preferred_username. Aliases must be verified; UsernameAttributes need not be
   * (an unconfirmed user still signs in by email to learn that they are unconfirmed).
   */
  resolve(name: string): UserRecord | undefined {
    const direct = this.get(name);
    if (direct) return direct;
    for (const attr of this.signInAttributes()) {
      const viaUsernameAttr = this.pool.usernameAttributes.includes(attr);
      const hit = this.findByAttribute(attr, name, { verifiedOnly: !viaUsernameAttr });
      if (hit) return hit;
    }
    return undefined;
  }

  bySub(sub: string): UserRecord | undefined {
    for (const u of this.byName.values()) if (u.sub === sub) return u;
    return undefined;
  }
}
