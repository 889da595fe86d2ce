import type { UserPoolClientModel } from '../../assembly/model.js';
import { errors } from '../errors.js';
import { decodeJwt } from '../jwt.js';
import type { AuthPool } from '../pool.js';
import type { IssuedTokens } from '../token_issuer.js';
import { accessTokenParam, clientIdParam, Params, PATTERNS } from '../validate.js';
import type { HandlerMap } from './types.js';

/**
 * New access and ID tokens from a refresh token (REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken).
 * They carry the session's `origin_jti` and `auth_time`; no new refresh token is issued (Cognito
 * rotates refresh tokens only when the client enables rotation).
 */
export async function refreshWithToken(
  pool: AuthPool,
  client: UserPoolClientModel,
  refreshToken: string,
  clientMetadata?: Record<string, string>,
): Promise<IssuedTokens> {
  if (!pool.allowsFlow(client, 'REFRESH_TOKEN_AUTH')) throw errors.notAuthorized('Refresh Token has been disabled for this client ((local: add ALLOW_REFRESH_TOKEN_AUTH))');
  const session = pool.tokenSessions.byRefreshToken(refreshToken);
  if (!session || session.clientId !== client.id) throw errors.notAuthorized('Invalid Refresh Token');
  if (session.revokedAt !== undefined) throw errors.notAuthorized('Refresh Token has been revoked');
  if (pool.now() >= session.refreshExpiresAt) throw errors.notAuthorized('Refresh Token has expired');
  const user = pool.users.get(session.username);
  if (!user || user.sub !== session.sub) throw errors.notAuthorized('Invalid Refresh Token');
  if (!user.enabled) throw errors.notAuthorized('User is disabled.');
  const { AccessToken, IdToken, ExpiresIn, TokenType } = await pool.issueTokens(user, client, {
    triggerSource: 'TokenGeneration_RefreshTokens',
    clientMetadata,
    session: { originJti: session.originJti, authTime: session.authTime },
  });
  return { AccessToken, IdToken, ExpiresIn, TokenType };
}

export const tokenHandlers: HandlerMap = {
  async GetTokensFromRefreshToken(pool, body) {
    const p = new Params(body);
    const refreshToken = p.str('RefreshToken', { required: true, pattern: PATTERNS.token, sensitive: true });
    const clientId = clientIdParam(p);
    p.str('ClientSecret', { max: 64, sensitive: true });
    p.str('DeviceKey', { max: 55 });
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const client = pool.client(clientId);
    return { AuthenticationResult: await refreshWithToken(pool, client, refreshToken, clientMetadata) };
  },

  /** Revokes a refresh token and every access/ID token issued from it (they share `origin_jti`). */
  async RevokeToken(pool, body) {
    const p = new Params(body);
    const token = p.str('Token', { required: true, pattern: PATTERNS.token, sensitive: true });
    const clientId = clientIdParam(p);
    p.str('ClientSecret', { max: 64, sensitive: true });
    p.done();
    const client = pool.client(clientId);
    if (!client.enableTokenRevocation) throw errors.unsupportedOperation('Token revocation is not enabled for this app client.');
    if (decodeJwt(token)) throw errors.unsupportedTokenType('The token type is not supported: only refresh tokens can be revoked.');
    const session = pool.tokenSessions.byRefreshToken(token);
    // An unknown token is already as revoked as it can be (RFC 7009): success, nothing to do.
    if (!session) return {};
    if (session.clientId !== client.id) throw errors.unauthorized('The refresh token was not issued to this client.');
    pool.tokenSessions.revoke(session, pool.now());
    pool.ctx.log.info(`refresh token of ${session.username} revoked`);
    return {};
  },

  /** Revokes every refresh token of the user, and with them every access/ID token issued so far. */
  async GlobalSignOut(pool, body) {
    const p = new Params(body);
    const token = accessTokenParam(p);
    p.done();
    const { user } = pool.accessTokenUser(token);
    const n = pool.tokenSessions.revokeAllOf(user.username, pool.now());
    pool.ctx.log.info(`global sign-out of ${user.username}: ${n} session(s) revoked`);
    return {};
  },
};
