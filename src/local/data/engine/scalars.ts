/**
 * AppSync's scalars. Inputs are validated as AppSync validates them; AWSJSON arguments reach
 * resolvers parsed (a map/list), and resolved values are serialized back to a JSON string.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$/;
const DATETIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s\-().]{3,}$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)(\/(3[0-2]|[12]?\d))?$/;
const IPV6 = /^[0-9a-fA-F:]+(%\w+)?(\/(12[0-8]|1[01]\d|\d?\d))?$/;

function stringScalar(name: string, valid: (s: string) => boolean, description: string): GraphQLScalarType {
  const check = (v: unknown): string => {
    if (typeof v !== 'string' || !valid(v)) throw new GraphQLError(`Invalid ${name} value: ${JSON.stringify(v)} (${description})`);
    return v;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: check,
    parseValue: check,
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`Invalid ${name} value: expected a string`, ast);
      return check(ast.value);
    },
  });
}

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function validUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol);
  } catch {
    return false;
  }
}

function parseJsonInput(v: unknown, ast?: ValueNode): unknown {
  if (typeof v !== 'string') throw new GraphQLError('Invalid AWSJSON value: expected a JSON string', ast);
  try {
    return JSON.parse(v);
  } catch {
    throw new GraphQLError(`Invalid AWSJSON value: ${JSON.stringify(v)} is not valid JSON`, ast);
  }
}

function serializeJson(v: unknown): string {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
      return v;
    } catch {
      return JSON.stringify(v);
    }
  }
  return JSON.stringify(v ?? null);
}

function timestamp(v: unknown, ast?: ValueNode): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new GraphQLError(`Invalid AWSTimestamp value: ${JSON.stringify(v)}`, ast);
  return n;
}

export const appSyncScalars: GraphQLScalarType[] = [
  stringScalar('AWSDate', validDate, 'an extended ISO 8601 date, YYYY-MM-DD'),
  stringScalar('AWSTime', (s) => TIME.test(s), 'an extended ISO 8601 time, hh:mm:ss.sss'),
  stringScalar('AWSDateTime', (s) => DATETIME.test(s) && validDate(s.slice(0, 10)), 'an extended ISO 8601 date-time with offset, YYYY-MM-DDThh:mm:ss.sssZ'),
  stringScalar('AWSEmail', (s) => EMAIL.test(s), 'an email address'),
  stringScalar('AWSPhone', (s) => PHONE.test(s) && /\d/.test(s), 'a phone number'),
  stringScalar('AWSURL', validUrl, 'a URL with a scheme'),
  stringScalar('AWSIPAddress', (s) => IPV4.test(s) || (s.includes(':') && IPV6.test(s)), 'an IPv4 or IPv6 address'),
  new GraphQLScalarType({
    name: 'AWSTimestamp',
    description: 'seconds since the Unix epoch',
    serialize: (v) => timestamp(v),
    parseValue: (v) => timestamp(v),
    parseLiteral(ast) {
      if (ast.kind !== Kind.INT) throw new GraphQLError('Invalid AWSTimestamp value: expected an integer', ast);
      return Number(ast.value);
    },
  }),
  new GraphQLScalarType({
    name: 'AWSJSON',
    description: 'a JSON string',
    serialize: serializeJson,
    parseValue: (v) => parseJsonInput(v),
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError('Invalid AWSJSON value: expected a JSON string', ast);
      return parseJsonInput(ast.value, ast);
    },
  }),
];

