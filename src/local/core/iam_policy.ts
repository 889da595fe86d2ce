import type { PolicyStatementModel } from '../assembly/model.js';

/**
 * A small IAM policy evaluator for the statements the assembly attaches to roles: explicit Deny
 * wins, otherwise any matching Allow grants. Supports `*`/`?` wildcards in actions and resources,
 * policy variables (`${cognito-identity.amazonaws.com:sub}`, `${aws:username}`...) and the
 * condition operators generated backends use.
 */

export interface PolicyRequest {
  /** e.g. `s3:GetObject`. */
  action: string;
  /** Resource ARN. */
  resource: string;
  /** Policy variables and condition keys, e.g. `{ 'cognito-identity.amazonaws.com:sub': 'us-east-1:…', 's3:prefix': 'media/' }`. */
  context: Record<string, string | string[] | undefined>;
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

const regexCache = new Map<string, RegExp>();
function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  let re = regexCache.get(cacheKey);
  if (!re) {
    re = wildcardRegExp(pattern, caseInsensitive);
    if (regexCache.size < 10_000) regexCache.set(cacheKey, re);
  }
  return re.test(value);
}

/**
 * Replaces `${var}` with its value. An unknown variable makes the pattern unmatchable, as IAM does
 * (a resource naming `${cognito-identity.amazonaws.com:sub}` never matches a caller without one).
 */
export function substituteVariables(pattern: string, context: PolicyRequest['context']): string | null {
  let unknown = false;
  const out = pattern.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const v = context[name];
    if (typeof v !== 'string') {
      unknown = true;
      return '';
    }
    return v;
  });
  return unknown ? null : out;
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function conditionHolds(op: string, key: string, expected: string | string[], ctx: PolicyRequest['context']): boolean {
  const forAny = op.startsWith('ForAnyValue:');
  const forAll = op.startsWith('ForAllValues:');
  const base = op.replace(/^For(Any|All)Values?:/, '').replace(/IfExists$/, '');
  const ifExists = op.endsWith('IfExists');
  const actual = asList(ctx[key]);
  // A missing key satisfies only `...IfExists` and the vacuous `ForAllValues:` forms.
  if (actual.length === 0) return ifExists || forAll;
  const wanted = asList(expected)
    .map((p) => substituteVariables(p, ctx))
    .filter((p): p is string => p !== null);
  const test = (value: string): boolean => {
    switch (base) {
      case 'StringEquals':
        return wanted.includes(value);
      case 'StringNotEquals':
        return !wanted.includes(value);
      case 'StringEqualsIgnoreCase':
        return wanted.some((w) => w.toLowerCase() === value.toLowerCase());
      case 'StringLike':
        return wanted.some((w) => matches(w, value));
      case 'StringNotLike':
        return !wanted.some((w) => matches(w, value));
      case 'Bool':
        return wanted.includes(value);
      case 'ArnEquals':
      case 'ArnLike':
        return wanted.some((w) => matches(w, value));
      default:
        // Unknown operators never grant: fail closed.
        return false;
    }
  };
  if (forAll) return actual.every(test);
  if (forAny) return actual.some(test);
  return actual.some(test);
}

function statementApplies(s: PolicyStatementModel, req: PolicyRequest): boolean {
  if (!s.actions.some((a) => matches(a, req.action, true))) return false;
  const resourceHit = s.resources.some((r) => {
    const concrete = substituteVariables(r, req.context);
    return concrete !== null && matches(concrete, req.resource);
  });
  if (!resourceHit) return false;
  for (const [op, byKey] of Object.entries(s.conditions ?? {})) {
    for (const [key, expected] of Object.entries(byKey)) {
      if (!conditionHolds(op, key, expected, req.context)) return false;
    }
  }
  return true;
}

export function evaluatePolicy(statements: readonly PolicyStatementModel[], req: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const s of statements) {
    if (!statementApplies(s, req)) continue;
    if (s.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
