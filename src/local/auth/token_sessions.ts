import { createHash } from 'node:crypto';
import { StateFile } from './state_file.js';

/**
 * One authentication = one token session, named by the `origin_jti` every token it produces carries
 * (the first access/ID pair, and every pair refreshed from its refresh token). Revoking the session
 * (RevokeToken, GlobalSignOut, user deletion) therefore invalidates the refresh token AND every
 * access/ID token derived from it, as Cognito's token revocation does.
 */
export interface TokenSession {
  originJti: string;
  username: string;
  sub: string;
  clientId: string;
  /** SHA-256 of the opaque refresh token: a leaked state file does not leak usable tokens. */
  refreshTokenHash: string;
  /** Epoch seconds of the sign-in (`auth_time`). */
  authTime: number;
  /** Epoch ms. */
  refreshExpiresAt: number;
  revokedAt?: number;
}

interface SessionsFile {
  version: 1;
  sessions: TokenSession[];
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Access and ID tokens live at most a day (Cognito's maximum), so a day after its refresh token
 * expired — or after it was revoked — no token of a session can still be valid and it can be
 * forgotten (an unknown `origin_jti` is refused anyway).
 */
const KEEP_AFTER_REFRESH_EXPIRY_MS = 24 * 60 * 60 * 1000;
const KEEP_AFTER_REVOCATION_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_ADDS = 100;

export class TokenSessionStore {
  private readonly byJti = new Map<string, TokenSession>();
  private readonly byRefresh = new Map<string, TokenSession>();
  private readonly file: StateFile<SessionsFile>;
  private addsSincePrune = 0;

  constructor(dataDir: string) {
    // Coalesced over 250 ms: a crash right after a sign-in may cost that sign-in's refresh token.
    this.file = new StateFile<SessionsFile>(dataDir, 'token-sessions.json', () => ({ version: 1, sessions: [...this.byJti.values()] }), 250);
  }

  load(now: number): void {
    this.byJti.clear();
    this.byRefresh.clear();
    for (const s of this.file.load()?.sessions ?? []) this.index(s);
    this.prune(now);
  }

  private prune(now: number): void {
    let pruned = false;
    for (const s of this.byJti.values()) {
      const dead = now > s.refreshExpiresAt + KEEP_AFTER_REFRESH_EXPIRY_MS || (s.revokedAt !== undefined && now > s.revokedAt + KEEP_AFTER_REVOCATION_MS);
      if (!dead) continue;
      this.byJti.delete(s.originJti);
      this.byRefresh.delete(s.refreshTokenHash);
      pruned = true;
    }
    if (pruned) this.file.markDirty();
  }

  private index(s: TokenSession): void {
    this.byJti.set(s.originJti, s);
    this.byRefresh.set(s.refreshTokenHash, s);
  }

  add(s: TokenSession, now: number): void {
    this.index(s);
    this.file.markDirty();
    if (++this.addsSincePrune >= PRUNE_EVERY_ADDS) {
      this.addsSincePrune = 0;
      this.prune(now);
    }
  }

  byOriginJti(jti: string): TokenSession | undefined {
    return this.byJti.get(jti);
  }

  byRefreshToken(token: string): TokenSession | undefined {
    return this.byRefresh.get(hashRefreshToken(token));
  }

  revoke(s: TokenSession, now: number): void {
    if (s.revokedAt !== undefined) return;
    s.revokedAt = now;
    this.file.markDirty();
  }

  /** Revokes every session of a user (GlobalSignOut, password reset by an admin, deletion). */
  revokeAllOf(username: string, now: number): number {
    let n = 0;
    for (const s of this.byJti.values()) {
      if (s.username === username && s.revokedAt === undefined) {
        s.revokedAt = now;
        n += 1;
      }
    }
    if (n) this.file.markDirty();
    return n;
  }

  flush(): void {
    this.file.flush();
  }

  clear(): void {
    this.byJti.clear();
    this.byRefresh.clear();
    this.file.delete();
  }

  get size(): number {
    return this.byJti.size;
  }
}
