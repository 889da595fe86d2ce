/** graphql-js errors → AppSync's error objects. */
import { GraphQLError, isNonNullType, type GraphQLSchema, getNamedType, type SelectionSetNode } from 'graphql';
import { FieldError } from './errors.js';
import type { GraphqlError } from './types.js';

type Location = { line: number; column: number; sourceName: null };

function locations(e: GraphQLError): Location[] | null {
  return e.locations ? e.locations.map((l) => ({ line: l.line, column: l.column, sourceName: null })) : null;
}

/** An error raised by a resolver or the engine while resolving a field. */
export function fieldErrorShape(message: string, errorType: string | null, data: unknown, errorInfo: unknown, path: readonly (string | number)[] | undefined, locs: Location[] | null): GraphqlError {
  return { path: path ? [...path] : undefined, data: data ?? null, errorType: errorType ?? undefined, errorInfo: errorInfo ?? null, locations: locs ?? undefined, message };
}

/** AppSync filters `$util.error` data by the field's selection set. */
function selectedData(data: unknown, e: GraphQLError): unknown {
  const set = e.nodes?.[0] && 'selectionSet' in e.nodes[0] ? (e.nodes[0] as { selectionSet?: SelectionSetNode }).selectionSet : undefined;
  if (!set || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const out: Record<string, unknown> = {};
  for (const sel of set.selections) {
    if (sel.kind !== 'Field') continue;
    const name = sel.name.value;
    if (Object.prototype.hasOwnProperty.call(data, name)) out[sel.alias?.value ?? name] = (data as Record<string, unknown>)[name];
  }
  return out;
}

export function formatExecutionError(e: GraphQLError, schema: GraphQLSchema): GraphqlError {
  const orig = e.originalError;
  if (orig instanceof FieldError) return fieldErrorShape(orig.message, orig.errorType, selectedData(orig.data, e), orig.errorInfo, e.path, locations(e));
  const nonNull = /^Cannot return null for non-nullable field (\w+)\.(\w+)\.$/.exec(e.message);
  if (nonNull && e.path) {
    const type = schema.getType(nonNull[1]);
    const field = type && 'getFields' in type ? (type.getFields() as Record<string, { type: unknown }>)[nonNull[2]] : undefined;
    const fieldType = field?.type;
    const typeName = fieldType && isNonNullType(fieldType) ? getNamedType(fieldType).name : nonNull[2];
    return {
      path: [...e.path],
      locations: undefined,
      message: `Cannot return null for non-nullable type: '${typeName}' within parent '${nonNull[1]}' (/${e.path.join('/')})`,
    };
  }
  if (orig instanceof GraphQLError && e.path) {
    // A value that does not serialize (e.g. a stored string in an AWSDateTime field).
    return { path: e.path ? [...e.path] : undefined, locations: locations(e) ?? undefined, message: `Can't serialize value (/${(e.path ?? []).join('/')}) : ${orig.message}` };
  }
  return { path: e.path ? [...e.path] : undefined, locations: locations(e) ?? undefined, message: e.message };
}

/** Request-level errors (syntax, validation, variables): AppSync's wording where it differs. */
export function formatRequestError(e: GraphQLError): GraphqlError {
  const locs = locations(e) ?? undefined;
  let message = e.message;
  let m: RegExpExecArray | null;
  if (e.message.startsWith('Syntax Error:')) {
    const loc = e.locations?.[0];
    message = `Invalid Syntax : ${e.message.replace(/^Syntax Error:\s*/, '')}${loc ? ` at line ${loc.line} column ${loc.column}` : ''}`;
  } else if ((m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(e.message))) {
    message = `Validation error of type FieldUndefined: Field '${m[1]}' in type '${m[2]}' is undefined @ '${m[1]}'`;
  } else if ((m = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"\./.exec(e.message))) {
    message = `Validation error of type UnknownArgument: Unknown field argument ${m[1]} @ '${m[3]}'`;
  } else if ((m = /^Field "(\w+)" argument "(\w+)" of type "([^"]+)" is required, but it was not provided\./.exec(e.message))) {
    message = `Validation error of type MissingFieldArgument: Missing field argument ${m[2]} @ '${m[1]}'`;
  } else if ((m = /^Variable "\$(\w+)" of (?:required|non-null) type "([^"]+)" (?:was not provided|must not be null)\./.exec(e.message))) {
    message = `Variable '${m[1]}' has coerced Null value for NonNull type '${m[2]}'`;
  } else if ((m = /^Field "(\w+)" of type "([^"]+)" must have a selection of subfields/.exec(e.message))) {
    message = `Validation error of type SubSelectionRequired: Sub selection required for type ${m[2]} of field ${m[1]} @ '${m[1]}'`;
  } else if (!e.message.startsWith('Variable')) {
    message = `Validation error: ${e.message}`;
  }
  return { path: undefined, locations: locs, message };
}
