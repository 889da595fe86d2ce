import type { UserPoolClientModel, UserPoolEntry, UserPoolModel } from '../assembly/model.js';
import type { ServiceContext } from '../core/service.js';
import { TokenRejectedError, type JwtClaims } from '../core/registry.js';
import { deliveryDetails, newCode, type CodeDeliveryDetails } from './codes.js';
import { errors } from './errors.js';
import type { MessageKind, MessageSender } from './messages.js';
import type { ChallengeStore } from './srp_session.js';
import type { ClaimOverrides, IssuedTokens, TokenIssuer } from './token_issuer.js';
import { hashRefreshToken, type TokenSession, type TokenSessionStore } from './token_sessions.js';
import type { PoolTokenVerifier } from './token_verifier.js';
import type { TriggerRunner } from './triggers.js';
import type { CodeRecord, UserRecord, UserStore } from './user_store.js';

/** The Cognito default for AuthSessionValidity (minutes a challenge Session lives). */
const DEFAULT_SESSION_MINUTES = 3;

/** Everything a handler needs: one user pool's configuration, its state and its collaborators. */
export class AuthPool {
  readonly pool: UserPoolModel;
  /** The pool id without `<region>_`: the "pool name" SRP hashes. */
  readonly srpPoolName: string;
  readonly clients: Map<string, UserPoolClientModel>;

  constructor(
    readonly ctx: ServiceContext,
    entry: UserPoolEntry,
    readonly users: UserStore,
    readonly tokenSessions: TokenSessionStore,
    readonly challenges: ChallengeStore,
    readonly issuer: TokenIssuer,
    readonly verifier: PoolTokenVerifier,
    readonly triggers: TriggerRunner,
    readonly messages: MessageSender,
  ) {
    this.pool = entry.userPool;
    this.srpPoolName = this.pool.id.split('_')[1] ?? '';
    this.clients = new Map(entry.clients.map((c) => [c.id, c]));
  }

  now(): number {
    return this.ctx.clock.now();
  }

  client(clientId: string): UserPoolClientModel {
    const c = this.clients.get(clientId);
    if (!c) throw errors.resourceNotFound(`User pool client ${clientId} does not exist.`);
    return c;
  }

  requirePoolId(userPoolId: string): void {
    if (userPoolId !== this.pool.id) throw errors.resourceNotFound(`User pool ${userPoolId} does not exist.`);
  }

  sessionLifetimeMs(client: UserPoolClientModel): number {
    return (client.authSessionValidityMinutes ?? DEFAULT_SESSION_MINUTES) * 60 * 1000;
  }

  /** ExplicitAuthFlows; a client declaring none gets Cognito's defaults. */
  allowsFlow(client: UserPoolClientModel, flow: string): boolean {
    const flows = client.explicitAuthFlows.length > 0 ? client.explicitAuthFlows : ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
    return flows.includes(`ALLOW_${flow}`) || (flow === 'USER_PASSWORD_AUTH' && flows.includes('ADMIN_NO_SRP_AUTH'));
  }

  /** With PreventUserExistenceErrors, "no such user" is answered like a wrong secret. */
  hidesUsers(client?: UserPoolClientModel): boolean {
    return client?.preventUserExistenceErrors ?? false;
  }

  /**
   * The user behind an access token, for the token-authorized APIs (GetUser, ChangePassword...):
   * Cognito's messages for expired, revoked and otherwise invalid tokens.
   */
  accessTokenUser(token: string): { user: UserRecord; claims: JwtClaims; client: UserPoolClientModel } {
    let claims: JwtClaims;
    try {
      claims = this.verifier.verifySync(token, { tokenUse: 'access' });
    } catch (err) {
      if (!(err instanceof TokenRejectedError)) throw err;
      if (err.reason === 'expired') throw errors.notAuthorized('Access Token has expired');
      if (err.reason === 'revoked') throw errors.notAuthorized('Access Token has been revoked');
      throw errors.notAuthorized('Invalid Access Token');
    }
    const user = this.users.get(String(claims.username));
    if (!user || user.sub !== claims.sub) throw errors.userNotFound('User does not exist.');
    if (!user.enabled) throw errors.notAuthorized('User is disabled.');
    const client = this.clients.get(String(claims.client_id));
    if (!client) throw errors.notAuthorized('Invalid Access Token');
    return { user, claims, client };
  }

  /** Cognito's `userAttributes` in trigger events. */
  triggerAttributes(user: UserRecord): Record<string, string> {
    return { ...user.attributes, 'cognito:user_status': user.status };
  }

  /**
   * Issues an access/ID pair for `user` through `client`, after the PreTokenGeneration trigger.
   * A new authentication (no `session`) opens a token session and returns its refresh token.
   */
  async issueTokens(
    user: UserRecord,
    client: UserPoolClientModel,
    opts: { triggerSource: string; clientMetadata?: Record<string, string>; session?: { originJti: string; authTime: number } },
  ): Promise<IssuedTokens & { RefreshToken?: string }> {
    const overrides = await this.preTokenGeneration(user, client, opts.triggerSource, opts.clientMetadata);
    // Cognito's CloudWatch metrics, counted per pool and client as AWS does (the console's dashboard).
    const metric = opts.session ? 'TokenRefreshSuccesses' : 'SignInSuccesses';
    this.ctx.metrics?.record({ namespace: 'AWS/Cognito', metricName: metric, dimensions: { UserPool: this.pool.id, UserPoolClient: client.id } }, 1);
    if (opts.session) return this.issuer.issue(user, client, opts.session, overrides);
    const now = this.now();
    const refreshToken = this.ctx.ids.bytes(96).toString('base64url');
    const session: TokenSession = {
      originJti: this.ctx.ids.uuid(),
      username: user.username,
      sub: user.sub,
      clientId: client.id,
      refreshTokenHash: hashRefreshToken(refreshToken),
      authTime: Math.floor(now / 1000),
      refreshExpiresAt: now + client.refreshTokenValidityMinutes * 60 * 1000,
    };
    this.tokenSessions.add(session, now);
    return { ...this.issuer.issue(user, client, session, overrides), RefreshToken: refreshToken };
  }

  private async preTokenGeneration(
    user: UserRecord,
    client: UserPoolClientModel,
    triggerSource: string,
    clientMetadata?: Record<string, string>,
  ): Promise<ClaimOverrides> {
    const response = await this.triggers.run({
      trigger: 'PreTokenGeneration',
      triggerSource,
      userName: user.username,
      clientId: client.id,
      request: {
        userAttributes: this.triggerAttributes(user),
        groupConfiguration: { groupsToOverride: [...user.groups], iamRolesToOverride: [], preferredRole: null },
        clientMetadata: clientMetadata ?? {},
      },
    });
    if (!response) return {};
    type Gen = { claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[]; scopesToAdd?: string[]; scopesToSuppress?: string[] };
    const v1 = response.claimsOverrideDetails as (Gen & { groupOverrideDetails?: { groupsToOverride?: string[] } }) | undefined;
    const v2 = response.claimsAndScopeOverrideDetails as
      | { idTokenGeneration?: Gen; accessTokenGeneration?: Gen; groupOverrideDetails?: { groupsToOverride?: string[] } }
      | undefined;
    return {
      idTokenAdd: { ...v1?.claimsToAddOrOverride, ...v2?.idTokenGeneration?.claimsToAddOrOverride },
      idTokenSuppress: [...(v1?.claimsToSuppress ?? []), ...(v2?.idTokenGeneration?.claimsToSuppress ?? [])],
      accessTokenAdd: v2?.accessTokenGeneration?.claimsToAddOrOverride,
      accessTokenSuppress: v2?.accessTokenGeneration?.claimsToSuppress,
      scopesToAdd: v2?.accessTokenGeneration?.scopesToAdd,
      scopesToSuppress: v2?.accessTokenGeneration?.scopesToSuppress,
      groups: v2?.groupOverrideDetails?.groupsToOverride ?? v1?.groupOverrideDetails?.groupsToOverride,
    };
  }

  /**
   * Makes a code for `attribute` (email / phone_number), stores it where `slot` says and sends it to
   * `to` (defaults to the attribute's current value).
   */
  async sendCode(opts: {
    user: UserRecord;
    attribute: 'email' | 'phone_number';
    to?: string;
    kind: MessageKind;
    ttlMs: number;
    store: (code: CodeRecord) => void;
    clientId?: string;
    clientMetadata?: Record<string, string>;
  }): Promise<CodeDeliveryDetails> {
    const to = opts.to ?? opts.user.attributes[opts.attribute];
    const code = newCode(this.ctx.ids, this.now(), opts.ttlMs, to);
    opts.store(code);
    this.users.changed(opts.user, this.now());
    await this.messages.send({
      channel: opts.attribute === 'email' ? 'email' : 'sms',
      to,
      code: code.code,
      kind: opts.kind,
      user: opts.user,
      clientId: opts.clientId,
      clientMetadata: opts.clientMetadata,
    });
    return deliveryDetails(opts.attribute, to);
  }

  /** Where Cognito sends a sign-up or resend code: phone first when both are auto-verified. */
  verificationTarget(user: UserRecord): 'email' | 'phone_number' | undefined {
    const auto = this.pool.autoVerifiedAttributes;
    if (auto.includes('phone_number') && user.attributes.phone_number) return 'phone_number';
    if (auto.includes('email') && user.attributes.email) return 'email';
    return undefined;
  }
}
