import type { UserPoolClientModel, UserPoolModel } from '../assembly/model.js';
import type { Clock, IdSource } from '../core/clock.js';
import { signJwt } from './jwt.js';
import type { SigningKey } from './keys.js';
import type { UserRecord } from './user_store.js';

/** What a PreTokenGeneration trigger asked for (its V1 and V2 response shapes, merged). */
export interface ClaimOverrides {
  idTokenAdd?: Record<string, unknown>;
  idTokenSuppress?: string[];
  accessTokenAdd?: Record<string, unknown>;
  accessTokenSuppress?: string[];
  scopesToAdd?: string[];
  scopesToSuppress?: string[];
  groups?: string[];
}

export interface IssuedTokens {
  AccessToken: string;
  IdToken: string;
  /** Seconds the access token lives. */
  ExpiresIn: number;
  TokenType: 'Bearer';
}

/** Claims a trigger may never change (Cognito ignores overrides of these). */
const PROTECTED = new Set([
  'acr', 'amr', 'aud', 'auth_time', 'azp', 'client_id', 'exp', 'iat', 'identities', 'iss', 'jti', 'nbf', 'nonce',
  'origin_jti', 'sub', 'token_use', 'cognito:username', 'event_id', 'username', 'scope', 'at_hash', 'c_hash', 'version',
]);

const BOOLEAN_ATTRIBUTES = new Set(['email_verified', 'phone_number_verified']);

function attributeClaims(user: UserRecord, client: UserPoolClientModel): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === 'sub') continue;
    if (client.readAttributes && client.readAttributes.length > 0 && !client.readAttributes.includes(name)) continue;
    if (BOOLEAN_ATTRIBUTES.has(name)) out[name] = value === 'true';
    else if (name === 'updated_at' && /^\d+$/.test(value)) out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}

function applyOverrides(claims: Record<string, unknown>, add?: Record<string, unknown>, suppress?: string[]): void {
  for (const name of suppress ?? []) if (!PROTECTED.has(name)) delete claims[name];
  for (const [name, value] of Object.entries(add ?? {})) if (!PROTECTED.has(name)) claims[name] = value;
}

/**
 * The ID token's `cognito:roles` (the IAM roles of the user's groups, by precedence) and
 * `cognito:preferred_role` (the role of the group with the lowest precedence; left out when groups
 * tied for it have different roles), which the identity pool's Token role mapping reads.
 */
export function groupRoleClaims(groups: readonly string[], poolGroups: UserPoolModel['groups']): Record<string, unknown> {
  const rank = (p: number | undefined) => p ?? Number.MAX_SAFE_INTEGER;
  const withRoles = poolGroups.filter((g) => g.roleArn && groups.includes(g.name)).sort((a, b) => rank(a.precedence) - rank(b.precedence));
  if (withRoles.length === 0) return {};
  const roles = [...new Set(withRoles.map((g) => g.roleArn!))];
  const first = rank(withRoles[0].precedence);
  const tied = new Set(withRoles.filter((g) => rank(g.precedence) === first).map((g) => g.roleArn!));
  return { 'cognito:roles': roles, ...(tied.size === 1 ? { 'cognito:preferred_role': [...tied][0] } : {}) };
}

/**
 * Mints Cognito-shaped access and ID tokens (RS256, the pool's key, `kid` in the header), with the
 * claims and lifetimes of the app client the user signed in through.
 */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    /** The pool's groups (roles and precedence), read at each issue. */
    private readonly poolGroups: () => UserPoolModel['groups'] = () => [],
  ) {}

  issue(user: UserRecord, client: UserPoolClientModel, session: { originJti: string; authTime: number }, overrides: ClaimOverrides = {}): IssuedTokens {
    const { access, id } = this.claims(user, client, session, overrides);
    const header = { kid: this.key.kid, alg: 'RS256' };
    return {
      AccessToken: signJwt(header, access, this.key.privateKey),
      IdToken: signJwt(header, id, this.key.privateKey),
      ExpiresIn: client.accessTokenValidityMinutes * 60,
      TokenType: 'Bearer',
    };
  }

  /** The claims `issue` signs (the console shows them for a user without signing anything). */
  claims(
    user: UserRecord,
    client: UserPoolClientModel,
    session: { originJti: string; authTime: number },
    overrides: ClaimOverrides = {},
  ): { access: Record<string, unknown>; id: Record<string, unknown> } {
    const iat = Math.floor(this.clock.now() / 1000);
    const eventId = this.ids.uuid();
    const groups = overrides.groups ?? user.groups;
    const groupClaim = groups.length > 0 ? { 'cognito:groups': [...groups] } : {};

    const scopes = ['aws.cognito.signin.user.admin', ...(overrides.scopesToAdd ?? [])].filter(
      (s, i, all) => all.indexOf(s) === i && !(overrides.scopesToSuppress ?? []).includes(s),
    );
    const access: Record<string, unknown> = {
      sub: user.sub,
      ...groupClaim,
      iss: this.issuer,
      version: 2,
      client_id: client.id,
      origin_jti: session.originJti,
      event_id: eventId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: session.authTime,
      exp: iat + client.accessTokenValidityMinutes * 60,
      iat,
      jti: this.ids.uuid(),
      username: user.username,
    };
    applyOverrides(access, overrides.accessTokenAdd, overrides.accessTokenSuppress);

    const id: Record<string, unknown> = {
      sub: user.sub,
      ...groupClaim,
      ...groupRoleClaims(groups, this.poolGroups()),
      iss: this.issuer,
      'cognito:username': user.username,
      origin_jti: session.originJti,
      aud: client.id,
      event_id: eventId,
      token_use: 'id',
      auth_time: session.authTime,
      ...attributeClaims(user, client),
      exp: iat + client.idTokenValidityMinutes * 60,
      iat,
      jti: this.ids.uuid(),
    };
    applyOverrides(id, overrides.idTokenAdd, overrides.idTokenSuppress);
    return { access, id };
  }
}
