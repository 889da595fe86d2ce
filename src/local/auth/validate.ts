import { CognitoError, errors } from './errors.js';

/**
 * Request validation in Cognito's words: constraint violations are collected and reported together
 * as `InvalidParameterException: 2 validation errors detected: Value null at 'username' failed to
 * satisfy constraint: Member must not be null; ...`; a value of the wrong JSON type is a
 * `SerializationException`, as the AWS JSON protocol reports it.
 */

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Secrets (passwords, codes) are never echoed back. */
  sensitive?: boolean;
}

export interface AttributeType {
  Name: string;
  Value: string;
}

export const PATTERNS = {
  username: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u,
  clientId: /^[\w+]+$/,
  userPoolId: /^[\w-]+_[0-9a-zA-Z]+$/,
  token: /^[A-Za-z0-9\-_=.]+$/,
  noSpace: /^\S+$/,
  code: /^[\S]+$/,
  attributeName: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u,
};

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

export class Params {
  private readonly problems: string[] = [];

  constructor(private readonly body: Record<string, unknown>) {}

  private present(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  private violation(name: string, value: unknown, constraint: string, sensitive = false): void {
    const shown = value === undefined || value === null ? 'null' : sensitive ? '' : `'${String(value)}'`;
    const valuePart = shown ? `Value ${shown} at` : 'Value at';
    this.problems.push(`${valuePart} '${lowerFirst(name)}' failed to satisfy constraint: ${constraint}`);
  }

  str(name: string, rule: StringRule & { required: true }): string;
  str(name: string, rule?: StringRule): string | undefined;
  str(name: string, rule: StringRule = {}): string | undefined {
    if (!this.present(name)) {
      if (rule.required) this.violation(name, null, 'Member must not be null');
      return undefined;
    }
    const v = this.body[name];
    if (typeof v !== 'string') throw errors.serialization(`Value of '${name}' must be a string ((local: got ${typeof v}))`);
    if (rule.min !== undefined && v.length < rule.min) {
      this.violation(name, v, `Member must have length greater than or equal to ${rule.min}`, rule.sensitive);
    } else if (rule.max !== undefined && v.length > rule.max) {
      this.violation(name, v, `Member must have length less than or equal to ${rule.max}`, rule.sensitive);
    } else if (rule.pattern && v.length > 0 && !rule.pattern.test(v)) {
      this.violation(name, v, `Member must satisfy regular expression pattern: ${rule.pattern.source.replace(/^\^|\$$/g, '')}`, rule.sensitive);
    }
    return v;
  }

  bool(name: string): boolean | undefined {
    if (!this.present(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'boolean') throw errors.serialization(`Value of '${name}' must be a boolean ((local: got ${typeof v}))`);
    return v;
  }

  int(name: string, rule: { min?: number; max?: number } = {}): number | undefined {
    if (!this.present(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.serialization(`Value of '${name}' must be an integer`);
    if (rule.min !== undefined && v < rule.min) this.violation(name, v, `Member must have value greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) this.violation(name, v, `Member must have value less than or equal to ${rule.max}`);
    return v;
  }

  enumOf<T extends string>(name: string, values: readonly T[], required: true): T;
  enumOf<T extends string>(name: string, values: readonly T[], required?: boolean): T | undefined;
  enumOf<T extends string>(name: string, values: readonly T[], required = false): T | undefined {
    const v = this.str(name, { required });
    if (v !== undefined && !values.includes(v as T)) {
      this.violation(name, v, `Member must satisfy enum value set: [${values.join(', ')}]`);
      return undefined;
    }
    return v as T | undefined;
  }

  /** A string → string map (ClientMetadata, AuthParameters, ChallengeResponses). */
  map(name: string): Record<string, string> | undefined {
    if (!this.present(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'object' || Array.isArray(v)) throw errors.serialization(`Value of '${name}' must be a map of strings`);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (val === null || val === undefined) continue;
      if (typeof val !== 'string') throw errors.serialization(`Value of '${name}.${k}' must be a string`);
      out[k] = val;
    }
    return out;
  }

  /** A list of `{ Name, Value }` (UserAttributes, ValidationData). */
  attributes(name: string, required = false): AttributeType[] | undefined {
    if (!this.present(name)) {
      if (required) this.violation(name, null, 'Member must not be null');
      return undefined;
    }
    const v = this.body[name];
    if (!Array.isArray(v)) throw errors.serialization(`Value of '${name}' must be a list`);
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw errors.serialization(`Value of '${name}[${i}]' must be a structure`);
      const { Name, Value } = item as Record<string, unknown>;
      if (typeof Name !== 'string') {
        this.violation(`${name}.${i + 1}.member.name`, null, 'Member must not be null');
        return { Name: '', Value: '' };
      }
      if (Value !== undefined && Value !== null && typeof Value !== 'string') {
        throw errors.serialization(`Value of '${name}[${i}].Value' must be a string`);
      }
      if (Name.length < 1 || Name.length > 32) {
        this.violation(`${name}.${i + 1}.member.name`, Name, 'Member must have length less than or equal to 32');
      }
      return { Name, Value: (Value as string | undefined) ?? '' };
    });
  }

  /** A list of strings (AttributesToGet, UserAttributeNames, DesiredDeliveryMediums). */
  strings(name: string): string[] | undefined {
    if (!this.present(name)) return undefined;
    const v = this.body[name];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw errors.serialization(`Value of '${name}' must be a list of strings`);
    return v as string[];
  }

  /** A nested structure, validated by the caller. */
  struct(name: string): Record<string, unknown> | undefined {
    if (!this.present(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'object' || Array.isArray(v)) throw errors.serialization(`Value of '${name}' must be a structure`);
    return v as Record<string, unknown>;
  }

  /** Throws the collected violations as one InvalidParameterException. */
  done(): void {
    if (this.problems.length === 0) return;
    const n = this.problems.length;
    throw new CognitoError(
      'InvalidParameterException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`,
    );
  }
}

/** The common `ClientId` (+ optional `ClientMetadata`) pair of every public API call. */
export function clientIdParam(p: Params): string {
  return p.str('ClientId', { required: true, min: 1, max: 128, pattern: PATTERNS.clientId });
}

export function usernameParam(p: Params, name = 'Username'): string {
  return p.str(name, { required: true, min: 1, max: 128, pattern: PATTERNS.username });
}

export function accessTokenParam(p: Params): string {
  return p.str('AccessToken', { required: true, pattern: PATTERNS.token, sensitive: true });
}

export function codeParam(p: Params, name: string): string {
  return p.str(name, { required: true, min: 1, max: 2048, pattern: PATTERNS.code, sensitive: true });
}

export function passwordParam(p: Params, name: string, required = true): string {
  return p.str(name, { required, max: 256, pattern: /^[\S]+.*[\S]+$|^\S$/, sensitive: true }) as string;
}
