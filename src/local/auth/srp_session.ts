import type { IdSource } from '../core/clock.js';
import { StateFile } from './state_file.js';

export type ChallengeName = 'PASSWORD_VERIFIER' | 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA' | 'NEW_PASSWORD_REQUIRED' | 'MFA_SETUP' | 'SELECT_MFA_TYPE';

/**
 * A sign-in in progress between InitiateAuth and the last RespondToAuthChallenge. PASSWORD_VERIFIER
 * challenges are found by their SECRET_BLOCK (Cognito returns no Session for them); the others by
 * the `Session` string. All expire after the client's AuthSessionValidity (3 minutes by default).
 */
export interface ChallengeSession {
  id: string;
  challenge: ChallengeName;
  /** Cognito username of the user signing in (empty for a decoy challenge). */
  username: string;
  clientId: string;
  /** Epoch ms. */
  expiresAt: number;
  clientMetadata?: Record<string, string>;
  srp?: {
    /** Server private ephemeral (hex) and public B (hex); A as the client sent it. */
    b: string;
    B: string;
    A: string;
    /** A decoy challenge for an unknown user (no user enumeration): it can never succeed. */
    decoy?: boolean;
  };
  /** SMS_MFA: the code sent. */
  smsCode?: string;
  /** MFA_SETUP: the secret AssociateSoftwareToken made, and whether VerifySoftwareToken accepted it. */
  totpSecret?: string;
  totpVerified?: boolean;
  /** Wrong answers so far (MFA codes). */
  failures: number;
  /** Where this sign-in started: decides the PreTokenGeneration trigger source. */
  flow?: 'Authentication' | 'NewPasswordChallenge';
}

interface ChallengesFile {
  version: 1;
  sessions: ChallengeSession[];
}

export class ChallengeStore {
  private readonly sessions = new Map<string, ChallengeSession>();
  private readonly file: StateFile<ChallengesFile>;

  constructor(
    dataDir: string,
    private readonly ids: IdSource,
  ) {
    // Sign-ins in progress live 3 minutes: losing the last second of them in a crash only means signing in again.
    this.file = new StateFile<ChallengesFile>(dataDir, 'challenges.json', () => ({ version: 1, sessions: [...this.sessions.values()] }), 1000);
  }

  load(now: number): void {
    this.sessions.clear();
    for (const s of this.file.load()?.sessions ?? []) if (s.expiresAt > now) this.sessions.set(s.id, s);
  }

  /** A new opaque Session string (Cognito's are long opaque blobs too). */
  newId(): string {
    return this.ids.bytes(96).toString('base64');
  }

  put(session: ChallengeSession, now: number): ChallengeSession {
    this.prune(now);
    this.sessions.set(session.id, session);
    this.file.markDirty();
    return session;
  }

  /** The live session with this id, or undefined (unknown or expired; expired ones are dropped). */
  get(id: string, now: number): ChallengeSession | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.delete(s);
      return undefined;
    }
    return s;
  }

  delete(session: ChallengeSession): void {
    if (this.sessions.delete(session.id)) this.file.markDirty();
  }

  touch(): void {
    this.file.markDirty();
  }

  private prune(now: number): void {
    for (const s of this.sessions.values()) if (s.expiresAt <= now) this.sessions.delete(s.id);
  }

  flush(): void {
    this.file.flush();
  }

  clear(): void {
    this.sessions.clear();
    this.file.delete();
  }
}
