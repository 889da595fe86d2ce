import type { Clock } from '../core/clock.js';
import type { CredentialStore, IssuedCredentials } from '../core/registry.js';

/** Lambda hands an environment credentials valid for hours; an hour is plenty locally. */
export const ROLE_CREDENTIALS_TTL_SECONDS = 3600;
/** Fresh credentials are issued once the current ones have less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * The temporary credentials of one function's execution role, issued by the identity service
 * and replaced before they expire (measured on the injected clock, so tests can move time).
 */
export class RoleCredentials {
  private current: IssuedCredentials | undefined;

  constructor(
    private readonly roleArn: string | undefined,
    private readonly functionName: string,
    private readonly store: () => CredentialStore | undefined,
    private readonly clock: Clock,
  ) {}

  /** Undefined when the function has no role or no identity service is running. */
  get(): IssuedCredentials | undefined {
    if (!this.roleArn) return undefined;
    if (this.current && this.current.expiration - this.clock.now() > REFRESH_MARGIN_MS) return this.current;
    const store = this.store();
    if (!store) return undefined;
    try {
      this.current = store.issueForRole(this.roleArn, this.functionName, ROLE_CREDENTIALS_TTL_SECONDS);
    } catch {
      // The frame's fallback store (identity service not running) knows the developer keys but issues nothing.
      return undefined;
    }
    return this.current;
  }

  /** Forget the cached credentials (after a reset of the identity service). */
  clear(): void {
    this.current = undefined;
  }
}
