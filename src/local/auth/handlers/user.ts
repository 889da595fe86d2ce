import { assertRequiredAttributes, readableBy, toAttributeList, validateAttributeWrites } from '../attributes.js';
import { checkCode, type CodeDeliveryDetails, VERIFICATION_CODE_TTL_MS } from '../codes.js';
import { errors, INCORRECT_CREDENTIALS } from '../errors.js';
import { assertNotLockedOut, recordFailure, recordSuccess } from '../lockout.js';
import { checkPasswordPolicy } from '../password_policy.js';
import type { AuthPool } from '../pool.js';
import { createVerifier, passwordMatches } from '../srp.js';
import type { UserRecord } from '../user_store.js';
import { mfaFields } from '../user_view.js';
import { accessTokenParam, codeParam, Params, PATTERNS, passwordParam } from '../validate.js';
import type { HandlerMap } from './types.js';

const VERIFIABLE = ['email', 'phone_number'] as const;
type Verifiable = (typeof VERIFIABLE)[number];
const isVerifiable = (name: string): name is Verifiable => (VERIFIABLE as readonly string[]).includes(name);

/** An email/phone that signs users in must stay unique across the pool. */
function assertAliasFree(pool: AuthPool, user: UserRecord, name: Verifiable, value: string): void {
  const signsIn = pool.pool.usernameAttributes.includes(name) || pool.pool.aliasAttributes.includes(name);
  if (!signsIn) return;
  const other = pool.users.findByAttribute(name, value);
  if (other && other !== user) throw errors.aliasExists(`An account with the given ${name} already exists.`);
}

/**
 * Applies attribute writes (UpdateUserAttributes, AdminUpdateUserAttributes). A changed email or
 * phone number must be re-verified: with the attribute in AttributesRequireVerificationBeforeUpdate
 * (and the current value verified) the new value waits as pending while the old one keeps working;
 * otherwise it replaces the old one at once, unverified. A code is sent when the attribute is
 * auto-verified.
 */
export async function writeAttributes(
  pool: AuthPool,
  user: UserRecord,
  attrs: Record<string, string>,
  opts: { sendCodes: boolean; clientId?: string; clientMetadata?: Record<string, string> },
): Promise<CodeDeliveryDetails[]> {
  const requireVerification = pool.pool.attributesRequireVerificationBeforeUpdate ?? [];
  const next = { ...user.attributes };
  const pending = { ...(user.pendingAttributes ?? {}) };
  const toVerify: Verifiable[] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === '') {
      delete next[name];
      if (isVerifiable(name)) delete next[`${name}_verified`];
      continue;
    }
    if (!isVerifiable(name)) {
      next[name] = value;
      continue;
    }
    if (value === user.attributes[name]) {
      delete pending[name];
      continue;
    }
    assertAliasFree(pool, user, name, value);
    const explicitVerified = attrs[`${name}_verified`];
    const keepOld = requireVerification.includes(name) && user.attributes[`${name}_verified`] === 'true' && explicitVerified !== 'true';
    if (keepOld) {
      pending[name] = value;
    } else {
      next[name] = value;
      next[`${name}_verified`] = explicitVerified ?? 'false';
      delete pending[name];
    }
    if (opts.sendCodes && explicitVerified !== 'true' && pool.pool.autoVerifiedAttributes.includes(name)) toVerify.push(name);
  }
  assertRequiredAttributes(pool.pool, next);
  user.attributes = next;
  if (Object.keys(pending).length) user.pendingAttributes = pending;
  else delete user.pendingAttributes;
  pool.users.changed(user, pool.now());

  const deliveries: CodeDeliveryDetails[] = [];
  for (const name of toVerify) {
    deliveries.push(
      await pool.sendCode({
        user,
        attribute: name,
        to: pending[name] ?? next[name],
        kind: 'UpdateUserAttribute',
        ttlMs: VERIFICATION_CODE_TTL_MS,
        store: (code) => (user.codes.attribute = { ...user.codes.attribute, [name]: code }),
        clientId: opts.clientId,
        clientMetadata: opts.clientMetadata,
      }),
    );
  }
  return deliveries;
}

export const userHandlers: HandlerMap = {
  async GetUser(pool, body) {
    const p = new Params(body);
    const token = accessTokenParam(p);
    p.done();
    const { user, client } = pool.accessTokenUser(token);
    return { Username: user.username, UserAttributes: toAttributeList(user.attributes, readableBy(client, user.attributes)), ...mfaFields(user) };
  },

  async UpdateUserAttributes(pool, body) {
    const p = new Params(body);
    const list = p.attributes('UserAttributes', true);
    const token = accessTokenParam(p);
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const { user, client } = pool.accessTokenUser(token);
    const attrs = validateAttributeWrites(pool.pool, list ?? [], { writer: 'client', client, isUpdate: true });
    const CodeDeliveryDetailsList = await writeAttributes(pool, user, attrs, { sendCodes: true, clientId: client.id, clientMetadata });
    return { CodeDeliveryDetailsList };
  },

  async DeleteUserAttributes(pool, body) {
    const p = new Params(body);
    const names = p.strings('UserAttributeNames');
    const token = accessTokenParam(p);
    if (!names) p.str('UserAttributeNames', { required: true });
    p.done();
    const { user, client } = pool.accessTokenUser(token);
    const attrs = validateAttributeWrites(
      pool.pool,
      (names ?? []).map((Name) => ({ Name, Value: '' })),
      { writer: 'client', client, isUpdate: true },
    );
    await writeAttributes(pool, user, attrs, { sendCodes: false });
    return {};
  },

  async GetUserAttributeVerificationCode(pool, body) {
    const p = new Params(body);
    const token = accessTokenParam(p);
    const name = p.str('AttributeName', { required: true, min: 1, max: 32, pattern: PATTERNS.attributeName });
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const { user, client } = pool.accessTokenUser(token);
    if (!isVerifiable(name)) throw errors.invalidParameter(`Invalid attribute name: ${name} cannot be verified`);
    const to = user.pendingAttributes?.[name] ?? user.attributes[name];
    if (!to) throw errors.invalidParameter(`User has no value for attribute ${name}`);
    const CodeDeliveryDetails = await pool.sendCode({
      user,
      attribute: name,
      to,
      kind: 'VerifyUserAttribute',
      ttlMs: VERIFICATION_CODE_TTL_MS,
      store: (code) => (user.codes.attribute = { ...user.codes.attribute, [name]: code }),
      clientId: client.id,
      clientMetadata,
    });
    return { CodeDeliveryDetails };
  },

  async VerifyUserAttribute(pool, body) {
    const p = new Params(body);
    const token = accessTokenParam(p);
    const name = p.str('AttributeName', { required: true, min: 1, max: 32, pattern: PATTERNS.attributeName });
    const code = codeParam(p, 'Code');
    p.done();
    const { user } = pool.accessTokenUser(token);
    if (!isVerifiable(name)) throw errors.invalidParameter(`Invalid attribute name: ${name} cannot be verified`);
    const record = user.codes.attribute?.[name];
    checkCode(record, code, pool.now());
    const pending = user.pendingAttributes?.[name];
    if (pending !== undefined && pending === record?.sentTo) {
      assertAliasFree(pool, user, name, pending);
      user.attributes[name] = pending;
      delete user.pendingAttributes![name];
      if (Object.keys(user.pendingAttributes!).length === 0) delete user.pendingAttributes;
    }
    if (record?.sentTo === user.attributes[name]) user.attributes[`${name}_verified`] = 'true';
    delete user.codes.attribute![name];
    pool.users.changed(user, pool.now());
    return {};
  },

  async ChangePassword(pool, body) {
    const p = new Params(body);
    const previous = passwordParam(p, 'PreviousPassword');
    const proposed = passwordParam(p, 'ProposedPassword');
    const token = accessTokenParam(p);
    p.done();
    const { user } = pool.accessTokenUser(token);
    assertNotLockedOut(user, pool.now());
    if (!user.password || !passwordMatches(pool.srpPoolName, user.username, previous, user.password)) {
      recordFailure(user, pool.now());
      pool.users.changed(user, pool.now());
      throw errors.notAuthorized(INCORRECT_CREDENTIALS);
    }
    checkPasswordPolicy(proposed, pool.pool.passwordPolicy);
    user.password = createVerifier(pool.srpPoolName, user.username, proposed, pool.ctx.ids.bytes(16));
    recordSuccess(user);
    pool.users.changed(user, pool.now());
    return {};
  },

  async DeleteUser(pool, body) {
    const p = new Params(body);
    const token = accessTokenParam(p);
    p.done();
    const { user } = pool.accessTokenUser(token);
    pool.tokenSessions.revokeAllOf(user.username, pool.now());
    pool.users.delete(user);
    pool.ctx.log.info(`user ${user.username} deleted itself`);
    return {};
  },
};
