/**
 * Runs the compiled resolvers (see resolver_compile.ts) with AppSync's pipeline semantics:
 * before template → functions (request → data source → response, `#return` short-circuits) →
 * after template, sharing `$ctx.stash` and `$ctx.args`; `$util.error` ends the field with an error.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { DataSourceModel } from '../../assembly/model.js';
import type { InvokeResult } from '../../core/registry.js';
import type { LocalDynamo } from '../dynamo/local_dynamo.js';
import { runDynamoRequest, type DataSourceOutcome } from './dynamodb_requests.js';
import { FieldError, type AppendedError } from './errors.js';
import { ResolveInfo, type SyntheticInfo } from './info.js';
import type { CompiledFunction, CompiledResolver, Stage } from './resolver_compile.js';
import type { ExecuteRequest } from './types.js';
import { runJs } from './js/runtime.js';
import { newScope, type Extensions, type RenderScope, type Util } from './util/util.js';
import { isMap, type JMap } from './vtl/java_values.js';

export type InvokeFunction = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;

/** Per-request state shared by every field resolution of one operation. */
export interface RequestState {
  req: ExecuteRequest;
  request: { headers: Record<string, string>; domainName: string | null };
  /** `$util.appendError` errors, with where they happened. */
  appended: { error: AppendedError; path: (string | number)[]; locations: { line: number; column: number }[] }[];
  /** Scopes of root fields by response key (mutation invalidations, subscription filters). */
  rootScopes: Map<string, RenderScope>;
  resolverCount: number;
}


interface ResolverContext extends JMap {
  arguments: JMap;
  args: JMap;
  source: unknown;
  identity: unknown;
  request: unknown;
  info: ResolveInfo;
  stash: JMap;
  prev: { result: unknown };
  result: unknown;
  error: { message: string; type: string } | null;
}

export class ResolverRuntime {
  constructor(
    private readonly util: Util,
    private readonly extensions: Extensions,
    private readonly dynamo: LocalDynamo,
    private readonly invoke: () => InvokeFunction | undefined,
  ) {}

  /** Resolves one field; throws FieldError for AppSync field errors. */
  async run(
    resolver: CompiledResolver,
    source: unknown,
    args: JMap,
    state: RequestState,
    info: GraphQLResolveInfo | SyntheticInfo,
    scope = newScope(state.req.authMode, resolver.typeName, resolver.fieldName),
  ): Promise<unknown> {
    state.resolverCount++;
    const ctx: ResolverContext = {
      arguments: args,
      args,
      source: source ?? null,
      identity: state.req.identity ?? null,
      request: state.request,
      info: new ResolveInfo(info),
      stash: {},
      prev: { result: null },
      result: null,
      error: null,
      env: {},
      outErrors: scope.errors,
    };
    try {
      const value = await this.pipeline(resolver, ctx, scope);
      return value;
    } finally {
      if (scope.errors.length) {
        const path = pathOf(info);
        const locations = locationsOf(info);
        for (const error of scope.errors) state.appended.push({ error, path, locations });
        scope.errors = [];
      }
    }
  }

  private async pipeline(r: CompiledResolver, ctx: ResolverContext, scope: RenderScope): Promise<unknown> {
    if (r.unit) {
      const { value } = await this.step(r.steps[0], ctx, scope, r);
      return value;
    }
    if (r.before) {
      const out = this.exec(r.before, ctx, scope);
      if (out.returned) return out.value;
      ctx.prev = { result: out.value };
    }
    for (const fn of r.steps) {
      ctx.result = null;
      ctx.error = null;
      const { value } = await this.step(fn, ctx, scope, r);
      ctx.prev = { result: value };
    }
    if (!r.after) return ctx.prev.result;
    ctx.result = ctx.prev.result;
    ctx.error = null;
    return this.exec(r.after, ctx, scope).value;
  }

  private async step(fn: CompiledFunction, ctx: ResolverContext, scope: RenderScope, r: CompiledResolver): Promise<{ value: unknown }> {
    let request: unknown;
    if (fn.request) {
      const out = this.exec(fn.request, ctx, scope);
      if (out.returned) return { value: out.value };
      request = out.value;
    } else {
      request = { operation: 'Invoke', payload: lambdaEvent(ctx) };
    }
    const outcome = await this.callDataSource(fn.dataSource, request, r);
    ctx.result = outcome.result;
    ctx.error = outcome.error;
    if (!fn.response) {
      // Direct Lambda resolvers: the result as-is, errors raised.
      if (outcome.error) throw new FieldError(outcome.error.message, outcome.error.type);
      return { value: outcome.result };
    }
    return { value: this.exec(fn.response, ctx, scope).value };
  }

  /** Runs a stage synchronously with `util` bound to this field's scope. */
  private exec(stage: Stage, ctx: ResolverContext, scope: RenderScope): { returned: boolean; value: unknown } {
    const util = this.util;
    const previous = util.scope;
    util.scope = scope;
    try {
      if (stage.kind === 'js') return runJs(stage.handler, ctx, stage.name);
      let out;
      try {
        out = stage.template.render({ ctx, util, extensions: this.extensions });
      } catch (e) {
        if (e instanceof FieldError) throw e;
        throw new FieldError(`Template ${stage.template.name} failed: ${e instanceof Error ? e.message : String(e)}`, 'MappingTemplate');
      }
      // `#return($util.toJson(x))` is how generated templates return: a string is the template's JSON output.
      if (out.returned) return { returned: true, value: typeof out.value === 'string' ? parseReturned(out.value) : out.value };
      return { returned: false, value: stage.strict ? parseRequest(out.output, stage.owner) : parseOutput(out.output, stage.owner) };
    } finally {
      util.scope = previous;
    }
  }

  private async callDataSource(ds: DataSourceModel, request: unknown, r: CompiledResolver): Promise<DataSourceOutcome> {
    if (!isMap(request)) throw new FieldError(`The request mapping template of ${r.typeName}.${r.fieldName} must render a JSON object.`, 'MappingTemplate');
    switch (ds.type) {
      case 'NONE':
        return { result: request.payload === undefined ? null : request.payload, error: null };
      case 'AMAZON_DYNAMODB':
        return runDynamoRequest(this.dynamo, ds.tableName!, request);
      case 'AWS_LAMBDA':
        return this.callLambda(ds, request);
      default:
        throw new FieldError(`Data source type ${ds.type} is not supported ((local: not emulated))`, 'MappingTemplate');
    }
  }

  private async callLambda(ds: DataSourceModel, request: JMap): Promise<DataSourceOutcome> {
    const operation = request.operation ?? 'Invoke';
    if (operation !== 'Invoke' && operation !== 'BatchInvoke') {
      throw new FieldError(`Unsupported operation '${String(operation)}' for a Lambda data source.`, 'MappingTemplate');
    }
    const invoke = this.invoke();
    const id = ds.functionLogicalId!;
    if (!invoke) {
      return { result: null, error: { type: 'Lambda:Unhandled', message: `Function ${id} cannot be invoked ((local: the functions service is not running))` } };
    }
    const single = request.payload === undefined ? null : request.payload;
    // BatchInvoke: the function receives a list and answers a list. Locally each field is its own
    // batch of one (same results as AppSync's batching, more invocations).
    const batch = operation === 'BatchInvoke';
    const payload = batch ? [single] : single;
    const call = async (): Promise<DataSourceOutcome> => {
      let res: InvokeResult;
      try {
        res = await invoke(id, payload);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return { result: null, error: { type: 'Lambda:Unhandled', message: message.includes('((local:') ? message : `${message} ((local: the function could not be invoked))` } };
      }
      if (res.functionError) {
        const p = isMap(res.payload) ? res.payload : {};
        return { result: null, error: { type: 'Lambda:Unhandled', message: typeof p.errorMessage === 'string' ? p.errorMessage : 'Unhandled' } };
      }
      if (batch) {
        if (!Array.isArray(res.payload)) return { result: null, error: { type: 'Lambda:Unhandled', message: 'A BatchInvoke function must return a list ((local: one entry per batched field))' } };
        const entry: unknown = res.payload[0];
        // Per-item errors come as `{ data, errorMessage, errorType }` entries.
        const wrapped = isMap(entry) && Object.keys(entry).length > 0 && Object.keys(entry).every((k) => k === 'data' || k === 'errorMessage' || k === 'errorType');
        if (wrapped && entry.errorMessage != null) {
          return { result: entry.data ?? null, error: { type: String(entry.errorType ?? 'Lambda:Unhandled'), message: String(entry.errorMessage) } };
        }
        return { result: wrapped ? (entry.data ?? null) : (entry ?? null), error: null };
      }
      return { result: res.payload === undefined ? null : res.payload, error: null };
    };
    if (request.invocationType === 'Event') {
      void call();
      return { result: null, error: null };
    }
    return call();
  }
}

function lambdaEvent(ctx: ResolverContext): JMap {
  return {
    arguments: ctx.arguments,
    identity: ctx.identity,
    source: ctx.source,
    request: ctx.request,
    prev: ctx.prev,
    info: ctx.info.toJSON(),
    stash: ctx.stash,
  };
}

function parseReturned(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseRequest(output: string, owner: string): unknown {
  try {
    return JSON.parse(output);
  } catch (e) {
    throw new FieldError(`Unable to parse the JSON document: '${(e as Error).message}' (${owner})`, 'MappingTemplate');
  }
}

function parseOutput(output: string, owner: string): unknown {
  const text = output.trim();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldError(`Unable to convert ${text.length > 200 ? `${text.slice(0, 200)}…` : text} to Object. (${owner})`, 'MappingTemplate');
  }
}

function pathOf(info: GraphQLResolveInfo | SyntheticInfo): (string | number)[] {
  const p = (info as GraphQLResolveInfo).path;
  if (!p) return [info.fieldName];
  const out: (string | number)[] = [];
  for (let cur: GraphQLResolveInfo['path'] | undefined = p; cur; cur = cur.prev) out.unshift(cur.key);
  return out;
}

function locationsOf(info: GraphQLResolveInfo | SyntheticInfo): { line: number; column: number }[] {
  const node = info.fieldNodes[0];
  const loc = node?.loc;
  if (!loc) return [];
  const { line, column } = loc.startToken;
  return [{ line, column }];
}
