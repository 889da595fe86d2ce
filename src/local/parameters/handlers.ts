import { createHash } from 'node:crypto';
import type { BackendModel } from '../assembly/model.js';
import type { Caller } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import { notFound, SsmError, validationError } from './errors.js';
import { byPathFilters, describeFilters } from './filters.js';
import { checkParameterName, isUnderPath, parameterArn, parseSelector } from './parameter_names.js';
import {
  current,
  PARAMETER_TIERS,
  PARAMETER_TYPES,
  type ParameterStore,
  type ParameterTier,
  type ParameterType,
  type ParameterVersion,
  type StoredParameter,
} from './parameter_store.js';
import type { WireInput } from './wire_input.js';

export interface HandlerDeps {
  model: Pick<BackendModel, 'region' | 'accountId' | 'iam'>;
  store: ParameterStore;
  clock: Clock;
}

type Operation = (deps: HandlerDeps, input: WireInput, caller: Caller) => unknown;

const arnOf = (deps: HandlerDeps, name: string) => parameterArn(deps.model.region, deps.model.accountId, name);

function authorize(deps: HandlerDeps, caller: Caller, action: string, resource: string): void {
  const result = caller.authorize(`ssm:${action}`, resource);
  if (!result.allowed) throw new SsmError('AccessDeniedException', result.message);
}

/**
 * A SecureString read without WithDecryption: SSM returns the KMS ciphertext (base64). Locally an
 * opaque digest of the same length class stands in; it never reveals the value.
 */
function ciphertext(name: string, v: ParameterVersion): string {
  const digest = createHash('sha256').update(`${name}\0${v.version}\0${v.value}`).digest();
  return Buffer.concat([Buffer.from([1, 2, 2, 0]), digest, digest]).toString('base64');
}

/** The `Parameter` structure of GetParameter(s)/ByPath. */
function parameterView(deps: HandlerDeps, p: StoredParameter, v: ParameterVersion, decrypt: boolean, selector?: string) {
  return {
    Name: p.name,
    Type: v.type,
    Value: v.type === 'SecureString' && !decrypt ? ciphertext(p.name, v) : v.value,
    Version: v.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: v.modifiedAt / 1000,
    ARN: arnOf(deps, p.name),
    DataType: v.dataType,
  };
}

/** Resolves `name[:version|:label]` to a version; undefined when the parameter does not exist. */
function resolve(deps: HandlerDeps, text: string): { p: StoredParameter; v: ParameterVersion; selector?: string } | undefined {
  const sel = parseSelector(text);
  const p = deps.store.get(sel.name);
  if (!p) return undefined;
  if (sel.version !== undefined) {
    const v = p.versions.find((x) => x.version === sel.version);
    if (!v) throw new SsmError('ParameterVersionNotFound', `Systems Manager could not find version ${sel.version} of ${sel.name}. Verify the version and try again.`);
    return { p, v, selector: `:${sel.version}` };
  }
  if (sel.label !== undefined) {
    const v = p.versions.find((x) => x.labels.includes(sel.label!));
    return v ? { p, v, selector: `:${sel.label}` } : undefined;
  }
  return { p, v: current(p) };
}

/** NextToken: the name the previous page ended with, opaque to callers. */
function page<T extends StoredParameter>(items: T[], input: WireInput, max: number): { items: T[]; next?: string } {
  const token = input.string('NextToken');
  let start = 0;
  if (token !== undefined) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after.startsWith('after:')) throw new SsmError('InvalidNextToken', 'The specified token is not valid.');
    const name = after.slice('after:'.length);
    start = items.findIndex((p) => p.name > name);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + max);
  const more = start + max < items.length;
  return { items: slice, ...(more ? { next: Buffer.from(`after:${slice[slice.length - 1].name}`).toString('base64url') } : {}) };
}

function checkPath(path: string): void {
  if (!path.startsWith('/')) throw new SsmError('ValidationException', 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".');
  if (path !== '/') checkParameterName(path.replace(/\/$/, ''));
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], member: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw validationError([`Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`]);
  }
  return value as T;
}

export const OPERATIONS: Record<string, Operation> = {
  GetParameter(deps, input, caller) {
    const text = input.requiredString('Name');
    const decrypt = input.boolean('WithDecryption') ?? false;
    authorize(deps, caller, 'GetParameter', arnOf(deps, parseSelector(text).name));
    const found = resolve(deps, text);
    if (!found) throw notFound(text);
    return { Parameter: parameterView(deps, found.p, found.v, decrypt, found.selector) };
  },

  GetParameters(deps, input, caller) {
    const names = input.names('Names', 10);
    const decrypt = input.boolean('WithDecryption') ?? false;
    for (const n of names) authorize(deps, caller, 'GetParameters', arnOf(deps, parseSelector(n).name));
    const parameters: ReturnType<typeof parameterView>[] = [];
    const invalid: string[] = [];
    for (const n of new Set(names)) {
      let found: ReturnType<typeof resolve>;
      try {
        found = resolve(deps, n);
      } catch (err) {
        if (!(err instanceof SsmError) || err.type !== 'ParameterVersionNotFound') throw err;
      }
      if (found) parameters.push(parameterView(deps, found.p, found.v, decrypt, found.selector));
      else invalid.push(n);
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  },

  GetParametersByPath(deps, input, caller) {
    const path = input.requiredString('Path');
    checkPath(path);
    const recursive = input.boolean('Recursive') ?? false;
    const decrypt = input.boolean('WithDecryption') ?? false;
    const max = input.maxResults(10);
    const keep = byPathFilters(input.list('ParameterFilters'));
    authorize(deps, caller, 'GetParametersByPath', arnOf(deps, path === '/' ? '' : path.replace(/\/$/, '')));
    const matching = deps.store.list().filter((p) => isUnderPath(p.name, path, recursive) && keep(p));
    const { items, next } = page(matching, input, max);
    return { Parameters: items.map((p) => parameterView(deps, p, current(p), decrypt)), ...(next ? { NextToken: next } : {}) };
  },

  DescribeParameters(deps, input, caller) {
    const max = input.maxResults(50);
    const keep = describeFilters(input.list('ParameterFilters'), input.list('Filters'));
    authorize(deps, caller, 'DescribeParameters', '*');
    const { items, next } = page(deps.store.list().filter(keep), input, max);
    const metadata = items.map((p) => {
      const v = current(p);
      return {
        Name: p.name,
        ARN: arnOf(deps, p.name),
        Type: v.type,
        ...(v.keyId ? { KeyId: v.keyId } : {}),
        LastModifiedDate: v.modifiedAt / 1000,
        LastModifiedUser: v.modifiedBy,
        ...(v.description !== undefined ? { Description: v.description } : {}),
        ...(v.allowedPattern !== undefined ? { AllowedPattern: v.allowedPattern } : {}),
        Version: v.version,
        Tier: v.tier,
        Policies: [],
        DataType: v.dataType,
      };
    });
    return { Parameters: metadata, ...(next ? { NextToken: next } : {}) };
  },

  PutParameter(deps, input, caller) {
    const name = input.requiredString('Name');
    const value = input.requiredString('Value');
    const type = oneOf<ParameterType>(input.string('Type'), PARAMETER_TYPES, 'type');
    const tier = oneOf<ParameterTier>(input.string('Tier'), PARAMETER_TIERS, 'tier');
    const description = input.string('Description');
    if (description !== undefined && description.length > 1024) {
      throw validationError(["Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024"]);
    }
    if (input.string('Policies') !== undefined) {
      throw new SsmError('ValidationException', 'Parameter policies are not supported ((local: Expiration and notification policies are not emulated))');
    }
    const tags = input.list('Tags');
    authorize(deps, caller, 'PutParameter', arnOf(deps, name));
    const v = deps.store.put(
      {
        name,
        value,
        type,
        tier,
        description,
        overwrite: input.boolean('Overwrite') ?? false,
        keyId: input.string('KeyId'),
        allowedPattern: input.string('AllowedPattern'),
        dataType: input.string('DataType'),
        hasTags: (tags?.length ?? 0) > 0,
      },
      deps.clock.now(),
      caller.sessionArn,
    );
    return { Version: v.version, Tier: v.tier };
  },

  DeleteParameter(deps, input, caller) {
    const name = input.requiredString('Name');
    authorize(deps, caller, 'DeleteParameter', arnOf(deps, name));
    if (deps.store.delete([name]).length === 0) throw notFound(name);
    return {};
  },

  DeleteParameters(deps, input, caller) {
    const names = input.names('Names', 10);
    for (const n of names) authorize(deps, caller, 'DeleteParameters', arnOf(deps, n));
    const deleted = deps.store.delete(names);
    return { DeletedParameters: deleted, InvalidParameters: [...new Set(names)].filter((n) => !deleted.includes(n)) };
  },
};
