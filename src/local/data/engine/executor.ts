/**
 * Runs operations with graphql-js over the transformed schema: every field is checked against
 * its auth directives (and the caller's per-field hook), fields with resolvers run their
 * pipelines, others read their parent's property. Mutations publish `MutationEvent`s for the
 * realtime layer; subscription documents become `SubscriptionPlan`s.
 */
import {
  GraphQLError,
  execute,
  getNamedType,
  getOperationAST,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
  type DocumentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Logger } from '../../core/logger.js';
import type { AuthDirectives } from './auth_directives.js';
import { DocumentCache, collectFields, type PreparedDocument } from './documents.js';
import { FieldError, unauthorized } from './errors.js';
import { fieldErrorShape, formatExecutionError, formatRequestError } from './graphql_errors.js';
import type { CompiledResolver } from './resolver_compile.js';
import type { RequestState, ResolverRuntime } from './resolvers.js';
import type { ExecuteRequest, GraphqlError, GraphqlResult, MutationEvent, PrepareSubscriptionResult, SubscriptionPlan } from './types.js';
import { matchesSubscriptionFilter, type SubscriptionFilter } from './util/transform.js';
import { newScope, type RenderScope } from './util/util.js';
import { isMap, type JMap } from './vtl/java_values.js';

export interface ExecutorOptions {
  queryDepthLimit?: number;
  resolverCountLimit?: number;
  log: Logger;
}

interface State extends RequestState {
  rootArgs: Map<string, JMap>;
  /** Set while preparing a subscription: root resolvers run but resolve to null. */
  subscribing: boolean;
}

const own = Object.prototype.hasOwnProperty;

function groupsOf(identity: unknown): string[] | null {
  if (!isMap(identity)) return null;
  if (Array.isArray(identity.groups)) return identity.groups as string[];
  const claims = identity.claims;
  if (isMap(claims) && Array.isArray(claims['cognito:groups'])) return claims['cognito:groups'] as string[];
  return null;
}

export class Executor {
  private readonly docs: DocumentCache;
  private readonly resolvers = new Map<string, Map<string, CompiledResolver>>();
  private readonly listeners = new Set<(e: MutationEvent) => void>();
  /** Mutation field → subscription fields listening to it. */
  private readonly subscribedMutations = new Set<string>();
  private readonly subscribeTargets = new Map<string, string[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly auth: AuthDirectives,
    resolvers: CompiledResolver[],
    private readonly runtime: ResolverRuntime,
    private readonly opts: ExecutorOptions,
  ) {
    this.docs = new DocumentCache(schema);
    for (const r of resolvers) {
      let m = this.resolvers.get(r.typeName);
      if (!m) this.resolvers.set(r.typeName, (m = new Map()));
      m.set(r.fieldName, r);
    }
    const sub = schema.getSubscriptionType();
    for (const f of sub ? Object.values(sub.getFields()) : []) {
      const d = f.astNode?.directives?.find((x) => x.name.value === 'aws_subscribe');
      const arg = d?.arguments?.find((a) => a.name.value === 'mutations');
      const mutations = arg?.value.kind === 'ListValue' ? arg.value.values.filter((v) => v.kind === 'StringValue').map((v) => (v as { value: string }).value) : [];
      this.subscribeTargets.set(f.name, mutations);
      for (const m of mutations) this.subscribedMutations.add(m);
    }
  }

  onMutation(listener: (e: MutationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly fieldResolver: GraphQLFieldResolver<unknown, State> = (source, args, state, info) => {
    const typeName = info.parentType.name;
    const fieldName = info.fieldName;
    const req = state.req;
    if (!this.auth.allows(typeName, fieldName, req.authMode, groupsOf(req.identity))) throw unauthorized(fieldName, typeName);
    if (req.authorizeField && !req.authorizeField(typeName, fieldName)) throw unauthorized(fieldName, typeName);
    const resolver = this.resolvers.get(typeName)?.get(fieldName);
    if (resolver) {
      const limit = this.opts.resolverCountLimit;
      if (limit && state.resolverCount >= limit) {
        throw new FieldError(`The resolver count limit of ${limit} has been exceeded.`, 'ResolverCountLimitExceeded');
      }
      let scope: RenderScope | undefined;
      if (info.path.prev === undefined) {
        scope = newScope(req.authMode, typeName, fieldName);
        state.rootScopes.set(String(info.path.key), scope);
        state.rootArgs.set(String(info.path.key), args as JMap);
      }
      const pending = this.runtime.run(resolver, source, args as JMap, state, info, scope);
      return state.subscribing ? pending.then(() => null) : pending;
    }
    if (source === null || typeof source !== 'object') return null;
    return own.call(source, fieldName) ? (source as JMap)[fieldName] : null;
  };

  private newState(req: ExecuteRequest, subscribing: boolean): State {
    return {
      req,
      request: { headers: req.headers, domainName: req.domainName ?? null },
      appended: [],
      rootScopes: new Map(),
      rootArgs: new Map(),
      resolverCount: 0,
      subscribing,
    };
  }

  private run(document: DocumentNode, op: OperationDefinitionNode, req: ExecuteRequest, state: State) {
    return execute({
      schema: this.schema,
      document,
      rootValue: {},
      contextValue: state,
      variableValues: req.variables ?? {},
      operationName: op.name?.value,
      fieldResolver: this.fieldResolver,
    });
  }

  private operation(req: ExecuteRequest): { prepared: PreparedDocument; op: OperationDefinitionNode } | { errors: GraphqlError[] } {
    if (typeof req.query !== 'string' || req.query.trim() === '') return { errors: [{ message: 'Invalid Syntax : the request has no query', locations: undefined, path: undefined }] };
    const prepared = this.docs.get(req.query);
    if (prepared.errors) return { errors: prepared.errors };
    const op = getOperationAST(prepared.document!, req.operationName ?? undefined);
    if (!op) {
      return { errors: [{ message: req.operationName ? `Unknown operation named '${req.operationName}'.` : 'Must provide operation name if query contains multiple operations.' }] };
    }
    const limit = this.opts.queryDepthLimit;
    if (limit && prepared.depth > limit) {
      return { errors: [{ message: `Query depth limit of ${limit} exceeded (the query has a depth of ${prepared.depth}).`, errorType: 'QueryDepthLimitExceeded' }] };
    }
    return { prepared, op };
  }

  async execute(req: ExecuteRequest): Promise<GraphqlResult> {
    const found = this.operation(req);
    if ('errors' in found) return { data: null, errors: found.errors };
    const { prepared, op } = found;
    if (op.operation === 'subscription') {
      return {
        data: null,
        errors: [{ errorType: 'UnsupportedOperation', message: 'Subscriptions are delivered over the realtime WebSocket endpoint, not POST /graphql ((local: connect to /graphql/realtime))' }],
      };
    }
    const state = this.newState(req, false);
    const result = await this.run(prepared.document!, op, req, state);
    if (!result.data && result.errors) return { data: null, errors: result.errors.map(formatRequestError) };
    const errors = (result.errors ?? []).map((e) => this.formatError(e));
    for (const a of state.appended) errors.push(fieldErrorShape(a.error.message, a.error.errorType, a.error.data, a.error.errorInfo, a.path, a.locations.map((l) => ({ ...l, sourceName: null }))));
    const out: GraphqlResult = { data: result.data ?? null };
    if (errors.length) out.errors = errors;
    if (op.operation === 'mutation' && this.listeners.size > 0 && result.data) this.publish(op, prepared.fragments, result.data as JMap, errors, state);
    return out;
  }

  /** Field errors in AppSync's shape; an exception that is not an AppSync error is our fault: logged. */
  private formatError(e: GraphQLError): GraphqlError {
    const orig = e.originalError;
    if (orig && !(orig instanceof FieldError) && !(orig instanceof GraphQLError)) {
      this.opts.log.error(`internal error resolving ${(e.path ?? []).join('.')}: ${orig.stack ?? orig.message}`);
    }
    return formatExecutionError(e, this.schema);
  }

  private publish(op: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, data: JMap, errors: GraphqlError[], state: State): void {
    for (const field of collectFields(op.selectionSet, fragments)) {
      const name = field.name.value;
      if (!this.subscribedMutations.has(name)) continue;
      const key = field.alias?.value ?? name;
      const value = data[key];
      if (value === null || value === undefined) continue;
      if (errors.some((e) => e.path?.length === 1 && e.path[0] === key)) continue;
      const result = unalias(field.selectionSet, value, fragments) as JMap;
      const event: MutationEvent = {
        mutationField: name,
        result,
        selectionFields: [...new Set(collectFields(field.selectionSet, fragments).map((f) => f.name.value))],
        source: result,
        arguments: state.rootArgs.get(key) ?? {},
        invalidations: state.rootScopes.get(key)?.invalidations ?? [],
      };
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (err) {
          this.opts.log.error(`mutation listener failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }

  async prepareSubscription(req: ExecuteRequest): Promise<PrepareSubscriptionResult> {
    const found = this.operation(req);
    if ('errors' in found) return { errors: found.errors };
    const { prepared, op } = found;
    if (op.operation !== 'subscription') {
      return { errors: [{ errorType: 'UnsupportedOperation', message: `The realtime endpoint only accepts subscriptions, got a ${op.operation}.` }] };
    }
    const rootFields = collectFields(op.selectionSet, prepared.fragments).filter((f) => f.name.value !== '__typename');
    if (rootFields.length !== 1) {
      return { errors: [{ message: 'Validation error: a subscription must select exactly one top level field.' }] };
    }
    const root = rootFields[0];
    const subType = this.schema.getSubscriptionType()!;
    const fieldDef = subType.getFields()[root.name.value];
    // AppSync authorizes the whole selection when the subscription starts.
    const denied = this.deniedFields(getNamedType(fieldDef.type), root.selectionSet, prepared.fragments, req);
    const state = this.newState(req, true);
    const result = await this.run(prepared.document!, op, req, state);
    if (!result.data && result.errors) return { errors: result.errors.map(formatRequestError) };
    const errors = (result.errors ?? []).map((e) => this.formatError(e));
    for (const d of denied) errors.push(fieldErrorShape(`Not Authorized to access ${d.field} on type ${d.type}`, 'Unauthorized', null, null, [root.alias?.value ?? root.name.value], null));
    if (errors.length) return { errors };
    const key = root.alias?.value ?? root.name.value;
    const scope = state.rootScopes.get(key);
    const args = state.rootArgs.get(key) ?? {};
    return { plan: this.plan(root, key, args, scope, prepared.fragments) };
  }

  private deniedFields(type: GraphQLNamedType, set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, req: ExecuteRequest, depth = 0): { type: string; field: string }[] {
    if (!set || !isObjectType(type) || depth > 20) return [];
    const out: { type: string; field: string }[] = [];
    for (const f of collectFields(set, fragments)) {
      const name = f.name.value;
      if (name.startsWith('__')) continue;
      const def = type.getFields()[name];
      if (!def) continue;
      if (!this.auth.allows(type.name, name, req.authMode, groupsOf(req.identity)) || (req.authorizeField && !req.authorizeField(type.name, name))) {
        out.push({ type: type.name, field: name });
        continue;
      }
      out.push(...this.deniedFields(getNamedType(def.type), f.selectionSet, fragments, req, depth + 1));
    }
    return out;
  }

  private plan(root: FieldNode, key: string, args: JMap, scope: RenderScope | undefined, fragments: Record<string, FragmentDefinitionNode>): SubscriptionPlan {
    const fieldName = root.name.value;
    const mutationFields = this.subscribeTargets.get(fieldName) ?? [];
    const returnType = getNamedType(this.schema.getSubscriptionType()!.getFields()[fieldName].type);
    const returnFields = isObjectType(returnType) ? returnType.getFields() : {};
    // Basic filtering: arguments naming a field of the returned type must equal the event's value.
    const argFilter = Object.entries(args).filter(([k, v]) => v !== null && v !== undefined && own.call(returnFields, k) && !isMap(v));
    const filter: SubscriptionFilter | undefined = scope?.subscriptionFilter;
    const invalidation = scope?.invalidationFilter;
    return {
      fieldName,
      mutationFields,
      deliver: async (event) => {
        if (!mutationFields.includes(event.mutationField)) return null;
        const data = event.result;
        if (!isMap(data)) return null;
        for (const [k, v] of argFilter) if (!sameValue(data[k], v)) return null;
        if (filter && !matchesSubscriptionFilter(filter, data)) return null;
        const selected = new Set(event.selectionFields);
        return { data: { [key]: project(root.selectionSet, data, fragments, returnType, selected) } };
      },
      invalidatedBy: (event) =>
        !!invalidation && event.invalidations.some((i) => i.subscriptionField === fieldName && matchesSubscriptionFilter(invalidation, i.payload)),
    };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The response data of a field, keyed by field names instead of aliases. */
function unalias(set: SelectionSetNode | undefined, value: unknown, fragments: Record<string, FragmentDefinitionNode>): unknown {
  if (!set || value === null || value === undefined) return value ?? null;
  if (Array.isArray(value)) return value.map((v) => unalias(set, v, fragments));
  if (!isMap(value)) return value;
  const out: JMap = {};
  for (const f of collectFields(set, fragments)) {
    const k = f.alias?.value ?? f.name.value;
    if (!own.call(value, k)) continue;
    out[f.name.value] = unalias(f.selectionSet, value[k], fragments);
  }
  return out;
}

/** The subscription's selection over the event data; top-level fields the mutation did not select are null. */
function project(set: SelectionSetNode | undefined, value: unknown, fragments: Record<string, FragmentDefinitionNode>, type: GraphQLNamedType, selected?: Set<string>): unknown {
  if (!set || value === null || value === undefined) return value ?? null;
  if (Array.isArray(value)) return value.map((v) => project(set, v, fragments, type));
  if (!isMap(value)) return value;
  const fields = isObjectType(type) ? type.getFields() : {};
  const out: JMap = {};
  for (const f of collectFields(set, fragments)) {
    const name = f.name.value;
    const k = f.alias?.value ?? name;
    if (name === '__typename') {
      out[k] = typeof value.__typename === 'string' ? value.__typename : type.name;
      continue;
    }
    if (selected && !selected.has(name)) {
      out[k] = null;
      continue;
    }
    const v = own.call(value, name) ? value[name] : null;
    const sub = own.call(fields, name) ? getNamedType(fields[name].type) : type;
    out[k] = f.selectionSet ? project(f.selectionSet, v, fragments, sub) : (v ?? null);
  }
  return out;
}
