import { assertRequiredAttributes, toAttributeList, validateAttributeWrites } from '../attributes.js';
import { FORGOT_PASSWORD_CODE_TTL_MS } from '../codes.js';
import { errors } from '../errors.js';
import { parseUserFilter } from '../list_users_filter.js';
import { checkPasswordPolicy, generateTemporaryPassword } from '../password_policy.js';
import type { AuthPool } from '../pool.js';
import { createVerifier } from '../srp.js';
import type { UserRecord } from '../user_store.js';
import { epochSeconds, mfaFields, userType } from '../user_view.js';
import { Params, PATTERNS, passwordParam, usernameParam } from '../validate.js';
import { recoveryTarget, setPassword } from './password.js';
import { assertUsernameFree, newUser, usernameAttributeFor } from './sign_up.js';
import { writeAttributes } from './user.js';
import type { HandlerMap } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function poolParam(pool: AuthPool, p: Params): void {
  const id = p.str('UserPoolId', { required: true, min: 1, max: 55, pattern: PATTERNS.userPoolId });
  p.done();
  pool.requirePoolId(id);
}

function adminUser(pool: AuthPool, username: string): UserRecord {
  const user = pool.users.resolve(username);
  if (!user) throw errors.userNotFound('User does not exist.');
  return user;
}

function groupType(pool: AuthPool, name: string): Record<string, unknown> {
  const g = pool.pool.groups.find((x) => x.name === name)!;
  // Groups come from the template: they exist as long as the local pool does.
  const created = epochSeconds(pool.now());
  return {
    GroupName: g.name,
    UserPoolId: pool.pool.id,
    ...(g.description ? { Description: g.description } : {}),
    ...(g.roleArn ? { RoleArn: g.roleArn } : {}),
    ...(g.precedence !== undefined ? { Precedence: g.precedence } : {}),
    CreationDate: created,
    LastModifiedDate: created,
  };
}

/** Groups in token order: by precedence (lowest first), then name. */
function sortGroups(pool: AuthPool, names: string[]): string[] {
  const rank = (n: string) => pool.pool.groups.find((g) => g.name === n)?.precedence ?? Number.MAX_SAFE_INTEGER;
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** AdminAddUserToGroup / AdminRemoveUserFromGroup: same parameters and checks, a different edit. */
function editGroups(pool: AuthPool, body: Record<string, unknown>, edit: (groups: string[], group: string) => string[]): Record<string, never> {
  const p = new Params(body);
  const username = usernameParam(p);
  const group = p.str('GroupName', { required: true, min: 1, max: 128 });
  poolParam(pool, p);
  if (!pool.pool.groups.some((g) => g.name === group)) throw errors.resourceNotFound('Group not found.');
  const user = adminUser(pool, username);
  user.groups = edit(user.groups, group);
  pool.users.changed(user, pool.now());
  return {};
}

async function sendInvite(pool: AuthPool, user: UserRecord, temporaryPassword: string, mediums: string[], clientMetadata?: Record<string, string>): Promise<void> {
  for (const medium of mediums) {
    const attr = medium === 'EMAIL' ? 'email' : 'phone_number';
    const to = user.attributes[attr];
    if (!to) {
      pool.ctx.log.warn(`AdminCreateUser: no ${attr} for ${user.username}, ${medium} invitation not sent`);
      continue;
    }
    await pool.messages.send({ channel: medium === 'EMAIL' ? 'email' : 'sms', to, code: temporaryPassword, kind: 'AdminCreateUser', user, clientMetadata });
  }
}

export const adminHandlers: HandlerMap = {
  async AdminCreateUser(pool, body) {
    const p = new Params(body);
    const usernameIn = usernameParam(p);
    const attrsIn = p.attributes('UserAttributes') ?? [];
    const validationData = p.attributes('ValidationData') ?? [];
    const tempIn = p.str('TemporaryPassword', { max: 256, sensitive: true });
    p.bool('ForceAliasCreation');
    const action = p.enumOf('MessageAction', ['RESEND', 'SUPPRESS'] as const);
    const mediums = p.strings('DesiredDeliveryMediums') ?? ['SMS'];
    const clientMetadata = p.map('ClientMetadata');
    poolParam(pool, p);
    if (mediums.some((m) => m !== 'SMS' && m !== 'EMAIL')) throw errors.invalidParameter('DesiredDeliveryMediums must be SMS and/or EMAIL');
    const policy = pool.pool.passwordPolicy;
    const temporaryPassword = tempIn ?? generateTemporaryPassword(policy, (n) => pool.ctx.ids.bytes(n));
    if (tempIn !== undefined) checkPasswordPolicy(tempIn, policy);

    if (action === 'RESEND') {
      const user = adminUser(pool, usernameIn);
      if (user.status !== 'FORCE_CHANGE_PASSWORD') {
        throw errors.unsupportedUserState(`Resend not possible. ${user.username} status is not FORCE_CHANGE_PASSWORD`);
      }
      user.password = createVerifier(pool.srpPoolName, user.username, temporaryPassword, pool.ctx.ids.bytes(16));
      user.temporaryPasswordExpiresAt = pool.now() + policy.temporaryPasswordValidityDays * DAY_MS;
      pool.users.changed(user, pool.now());
      await sendInvite(pool, user, temporaryPassword, mediums, clientMetadata);
      return { User: userType(user) };
    }

    const usernameAttr = usernameAttributeFor(pool, usernameIn);
    const attributes = validateAttributeWrites(pool.pool, attrsIn, { writer: 'admin', isUpdate: false });
    if (usernameAttr) attributes[usernameAttr] = usernameIn;
    assertRequiredAttributes(pool.pool, attributes);
    try {
      assertUsernameFree(pool, usernameIn, usernameAttr, usernameIn);
    } catch {
      throw errors.usernameExists('User account already exists');
    }
    const sub = pool.ctx.ids.uuid();
    const username = usernameAttr ? sub : usernameIn;
    const user = newUser(pool, username, sub, attributes);
    if (attributes.email && !attributes.email_verified) user.attributes.email_verified = 'false';
    if (attributes.phone_number && !attributes.phone_number_verified) user.attributes.phone_number_verified = 'false';
    await pool.triggers.run({
      trigger: 'PreSignUp',
      triggerSource: 'PreSignUp_AdminCreateUser',
      userName: username,
      request: {
        userAttributes: { ...attributes },
        validationData: Object.fromEntries(validationData.map((a) => [a.Name, a.Value])),
        clientMetadata: clientMetadata ?? {},
      },
    });
    user.status = 'FORCE_CHANGE_PASSWORD';
    user.password = createVerifier(pool.srpPoolName, username, temporaryPassword, pool.ctx.ids.bytes(16));
    user.temporaryPasswordExpiresAt = pool.now() + policy.temporaryPasswordValidityDays * DAY_MS;
    pool.users.add(user);
    pool.ctx.log.info(`admin created user ${usernameIn}`);
    if (action !== 'SUPPRESS') await sendInvite(pool, user, temporaryPassword, mediums, clientMetadata);
    return { User: userType(user) };
  },

  async AdminConfirmSignUp(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    const clientMetadata = p.map('ClientMetadata');
    poolParam(pool, p);
    const user = adminUser(pool, username);
    if (user.status !== 'UNCONFIRMED') throw errors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    user.status = 'CONFIRMED';
    delete user.codes.signUp;
    pool.users.changed(user, pool.now());
    await pool.triggers.run({
      trigger: 'PostConfirmation',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userName: user.username,
      request: { userAttributes: pool.triggerAttributes(user), clientMetadata: clientMetadata ?? {} },
    });
    return {};
  },

  async AdminGetUser(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    poolParam(pool, p);
    const user = adminUser(pool, username);
    return {
      Username: user.username,
      UserAttributes: toAttributeList(user.attributes),
      UserCreateDate: epochSeconds(user.createdAt),
      UserLastModifiedDate: epochSeconds(user.updatedAt),
      Enabled: user.enabled,
      UserStatus: user.status,
      ...mfaFields(user),
    };
  },

  async ListUsers(pool, body) {
    const p = new Params(body);
    const attributesToGet = p.strings('AttributesToGet');
    const limit = p.int('Limit', { min: 0, max: 60 }) ?? 60;
    const token = p.str('PaginationToken', { min: 1 });
    const filter = p.str('Filter', { max: 256 });
    poolParam(pool, p);
    const matches = parseUserFilter(filter, { caseSensitiveUsernames: pool.pool.usernameCaseSensitive ?? true });
    const users = pool.users
      .all()
      .filter(matches)
      .sort((a, b) => a.createdAt - b.createdAt || a.username.localeCompare(b.username));
    let start = 0;
    if (token !== undefined) {
      let after: string | undefined;
      try {
        after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: string }).after;
      } catch {
        after = undefined;
      }
      const i = after === undefined ? -1 : users.findIndex((u) => u.username === after);
      if (i < 0) throw errors.invalidParameter('Invalid pagination token ((local: it names no listed user; list again from the start))');
      start = i + 1;
    }
    const page = users.slice(start, start + (limit === 0 ? 60 : limit));
    const more = start + page.length < users.length && page.length > 0;
    return {
      Users: page.map((u) => userType(u, attributesToGet)),
      ...(more ? { PaginationToken: Buffer.from(JSON.stringify({ after: page[page.length - 1].username })).toString('base64url') } : {}),
    };
  },

  async AdminDeleteUser(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    poolParam(pool, p);
    const user = adminUser(pool, username);
    pool.tokenSessions.revokeAllOf(user.username, pool.now());
    pool.users.delete(user);
    pool.ctx.log.info(`admin deleted user ${user.username}`);
    return {};
  },

  async AdminAddUserToGroup(pool, body) {
    return editGroups(pool, body, (groups, group) => (groups.includes(group) ? groups : sortGroups(pool, [...groups, group])));
  },

  async AdminRemoveUserFromGroup(pool, body) {
    return editGroups(pool, body, (groups, group) => groups.filter((g) => g !== group));
  },

  async AdminListGroupsForUser(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    p.int('Limit', { min: 0, max: 60 });
    p.str('NextToken');
    poolParam(pool, p);
    const user = adminUser(pool, username);
    return { Groups: user.groups.filter((g) => pool.pool.groups.some((x) => x.name === g)).map((g) => groupType(pool, g)) };
  },

  async ListGroups(pool, body) {
    const p = new Params(body);
    p.int('Limit', { min: 0, max: 60 });
    p.str('NextToken');
    poolParam(pool, p);
    return { Groups: pool.pool.groups.map((g) => groupType(pool, g.name)) };
  },

  async AdminSetUserPassword(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    const password = passwordParam(p, 'Password');
    const permanent = p.bool('Permanent') ?? false;
    poolParam(pool, p);
    const user = adminUser(pool, username);
    checkPasswordPolicy(password, pool.pool.passwordPolicy);
    setPassword(pool, user, password);
    if (permanent) {
      if (user.status === 'FORCE_CHANGE_PASSWORD' || user.status === 'RESET_REQUIRED') user.status = 'CONFIRMED';
      delete user.temporaryPasswordExpiresAt;
    } else {
      user.status = 'FORCE_CHANGE_PASSWORD';
      user.temporaryPasswordExpiresAt = pool.now() + pool.pool.passwordPolicy.temporaryPasswordValidityDays * DAY_MS;
    }
    pool.users.changed(user, pool.now());
    return {};
  },

  async AdminResetUserPassword(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    const clientMetadata = p.map('ClientMetadata');
    poolParam(pool, p);
    const user = adminUser(pool, username);
    const target = recoveryTarget(pool, user);
    user.status = 'RESET_REQUIRED';
    pool.tokenSessions.revokeAllOf(user.username, pool.now());
    await pool.sendCode({
      user,
      attribute: target,
      kind: 'ForgotPassword',
      ttlMs: FORGOT_PASSWORD_CODE_TTL_MS,
      store: (code) => (user.codes.forgotPassword = code),
      clientMetadata,
    });
    return {};
  },

  async AdminDisableUser(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    poolParam(pool, p);
    const user = adminUser(pool, username);
    user.enabled = false;
    // Disabling revokes the user's tokens, as in Cognito.
    pool.tokenSessions.revokeAllOf(user.username, pool.now());
    pool.users.changed(user, pool.now());
    return {};
  },

  async AdminEnableUser(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    poolParam(pool, p);
    const user = adminUser(pool, username);
    user.enabled = true;
    pool.users.changed(user, pool.now());
    return {};
  },

  async AdminUserGlobalSignOut(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    poolParam(pool, p);
    const user = adminUser(pool, username);
    pool.tokenSessions.revokeAllOf(user.username, pool.now());
    return {};
  },

  async AdminUpdateUserAttributes(pool, body) {
    const p = new Params(body);
    const username = usernameParam(p);
    const list = p.attributes('UserAttributes', true);
    const clientMetadata = p.map('ClientMetadata');
    poolParam(pool, p);
    const user = adminUser(pool, username);
    const attrs = validateAttributeWrites(pool.pool, list ?? [], { writer: 'admin', isUpdate: true });
    await writeAttributes(pool, user, attrs, { sendCodes: true, clientMetadata });
    return {};
  },
};
