import type { UserPoolClientModel, UserPoolModel } from '../assembly/model.js';
import { CognitoError, errors } from './errors.js';
import type { AttributeType } from './validate.js';

/** Cognito's standard attributes: always part of a pool's schema, declared or not. */
const STANDARD_ATTRIBUTES = new Set([
  'address', 'birthdate', 'email', 'email_verified', 'family_name', 'gender', 'given_name', 'locale', 'middle_name', 'name',
  'nickname', 'phone_number', 'phone_number_verified', 'picture', 'preferred_username', 'profile', 'sub', 'updated_at',
  'website', 'zoneinfo',
]);

/** Attributes an app client can never write (Cognito's default write set excludes them). */
const CLIENT_READ_ONLY = new Set(['sub', 'email_verified', 'phone_number_verified']);

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const PHONE_RE = /^\+[0-9]{4,15}$/;

export const isEmail = (v: string) => EMAIL_RE.test(v);
export const isPhoneNumber = (v: string) => PHONE_RE.test(v);

function schemaError(lines: string[]): CognitoError {
  return errors.invalidParameter(`Attributes did not conform to the schema: ${lines.join('\n')}`);
}

export type AttributeWriter = 'client' | 'admin';

/**
 * Validates attributes being written and returns them as a map (later duplicates win, as in
 * Cognito). Checks, in Cognito's words: unknown attributes, client write permissions, immutability
 * (on update), formats of email and phone_number, and lengths.
 */
export function validateAttributeWrites(
  pool: UserPoolModel,
  attrs: AttributeType[],
  opts: { writer: AttributeWriter; client?: UserPoolClientModel; isUpdate: boolean },
): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const { Name, Value } of attrs) {
    const schema = pool.schema.find((a) => a.name === Name);
    if (!schema && !STANDARD_ATTRIBUTES.has(Name)) {
      problems.push(`${Name}: Attribute does not exist in the schema.`);
      continue;
    }
    if (Name === 'sub') throw errors.invalidParameter('Cannot modify the non-mutable attribute sub');
    if (opts.writer === 'client') {
      const allowed = opts.client?.writeAttributes;
      if (CLIENT_READ_ONLY.has(Name) || (allowed && allowed.length > 0 && !allowed.includes(Name))) {
        throw errors.notAuthorized('A client attempted to write unauthorized attribute');
      }
    }
    if (opts.isUpdate && schema && !schema.mutable) throw errors.invalidParameter(`Cannot modify the non-mutable attribute ${Name}`);
    const max = schema?.maxLength ?? 2048;
    if (Value.length > max) problems.push(`${Name}: String must be no longer than ${max} characters`);
    if (schema?.minLength !== undefined && Value.length < schema.minLength) {
      problems.push(`${Name}: String must be no shorter than ${schema.minLength} characters`);
    }
    if (Value !== '' && Name === 'email' && !isEmail(Value)) throw errors.invalidParameter('Invalid email address format.');
    if (Value !== '' && Name === 'phone_number' && !isPhoneNumber(Value)) throw errors.invalidParameter('Invalid phone number format.');
    if ((Name === 'email_verified' || Name === 'phone_number_verified') && !['true', 'false'].includes(Value)) {
      throw errors.invalidParameter(`Invalid value for ${Name}: must be true or false`);
    }
    out[Name] = Value;
  }
  if (problems.length) throw schemaError(problems);
  return out;
}

/** Every required attribute must have a non-empty value in the final attribute set (`sub` is Cognito's to set). */
export function assertRequiredAttributes(pool: UserPoolModel, attributes: Record<string, string>): void {
  const missing = pool.schema.filter((a) => a.required && a.name !== 'sub' && !attributes[a.name]).map((a) => `${a.name}: The attribute is required`);
  if (missing.length) throw schemaError(missing);
}

/** `{ Name, Value }[]` with `sub` first, the order GetUser and AdminGetUser answer in. */
export function toAttributeList(attributes: Record<string, string>, only?: string[]): AttributeType[] {
  const names = Object.keys(attributes).sort((a, b) => (a === 'sub' ? -1 : b === 'sub' ? 1 : 0));
  return names.filter((n) => !only || only.includes(n)).map((Name) => ({ Name, Value: attributes[Name] }));
}

/** What an app client may read (its ReadAttributes; all when unset). `sub` is always readable. */
export function readableBy(client: UserPoolClientModel, attributes: Record<string, string>): string[] | undefined {
  const allowed = client.readAttributes;
  if (!allowed || allowed.length === 0) return undefined;
  return ['sub', ...Object.keys(attributes).filter((n) => allowed.includes(n))];
}
