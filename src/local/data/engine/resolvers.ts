/**
 * Compiles the model's resolvers once (every template parsed up front; anything that cannot run
 * is reported with its resolver's name) and runs them with AppSync's pipeline semantics:
 * before template → functions (request → data source → response, `#return` short-circuits) →
 * after template, sharing `$ctx.stash` and `$ctx.args`; `$util.error` ends the field with an error.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { AppSyncFunctionModel, DataModel, DataSourceModel, ResolverModel } from '../../assembly/model.js';
import type { InvokeResult } from '../../core/registry.js';
import type { LocalDynamo } from '../dynamo/local_dynamo.js';
import { runDynamoRequest, type DataSourceOutcome } from './dynamodb_requests.js';
import { FieldError, type AppendedError } from './errors.js';
import { ResolveInfo, type SyntheticInfo } from './info.js';
import type { ExecuteRequest } from './types.js';
import { Extensions, Util, newScope, type RenderScope } from './util/util.js';
import { CompiledTemplate, VtlCompileError } from './vtl/compile.js';
import { isMap, type JMap } from './vtl/java.js';

const SUPPORTED_SOURCES = new Set(['NONE', 'AMAZON_DYNAMODB', 'AWS_LAMBDA']);

interface CompiledFunction {
  name: string;
  dataSource: DataSourceModel;
  request?: CompiledTemplate;
  response?: CompiledTemplate;
}

export interface CompiledResolver {
  typeName: string;
  fieldName: string;
  before?: CompiledTemplate;
  after?: CompiledTemplate;
  steps: CompiledFunction[];
  /** UNIT resolvers are one step with no before/after. */
  unit: boolean;
}

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

function compileTemplate(problems: string[], where: string, name: string, source: string | undefined): CompiledTemplate | undefined {
  if (source === undefined || source === null) return undefined;
  try {
    return CompiledTemplate.compile(name, source);
  } catch (e) {
    problems.push(`${where}: ${e instanceof VtlCompileError ? e.message : String(e)}`);
    return undefined;
  }
}

/** Compiles every resolver; returns what could not be compiled instead of throwing. */
export function compileResolvers(data: DataModel, knownFields: (type: string, field: string) => boolean): { resolvers: CompiledResolver[]; problems: string[] } {
  const problems: string[] = [];
  const sources = new Map(data.dataSources.map((d) => [d.name, d]));
  const tables = new Set(data.tables.map((t) => t.tableName));
  const functions = new Map<string, AppSyncFunctionModel>(data.functions.map((f) => [f.id, f]));
  const compiledFns = new Map<string, CompiledFunction | null>();

  const checkSource = (where: string, name: string | undefined): DataSourceModel | undefined => {
    const ds = name ? sources.get(name) : undefined;
    if (!ds) {
      problems.push(`${where}: data source '${name ?? '(none)'}' is not defined`);
      return undefined;
    }
    if (!SUPPORTED_SOURCES.has(ds.type)) {
      problems.push(`${where}: data source '${ds.name}' of type ${ds.type} is not supported locally (NONE, AMAZON_DYNAMODB and AWS_LAMBDA are)`);
      return undefined;
    }
    if (ds.type === 'AMAZON_DYNAMODB' && (!ds.tableName || !tables.has(ds.tableName))) {
      problems.push(`${where}: data source '${ds.name}' names table '${ds.tableName ?? '(none)'}', which the model does not define`);
      return undefined;
    }
    if (ds.type === 'AWS_LAMBDA' && !ds.functionLogicalId) {
      problems.push(`${where}: data source '${ds.name}' invokes a function outside this backend, which cannot run locally`);
      return undefined;
    }
    return ds;
  };

  const needsTemplates = (ds: DataSourceModel) => ds.type !== 'AWS_LAMBDA';

  const compileFunction = (id: string, where: string): CompiledFunction | null => {
    if (compiledFns.has(id)) return compiledFns.get(id)!;
    const fn = functions.get(id);
    let out: CompiledFunction | null = null;
    if (!fn) problems.push(`${where}: pipeline function '${id}' is not defined`);
    else {
      const fnWhere = `${where} (function ${fn.name})`;
      const before = problems.length;
      if (fn.runtime !== 'VTL') problems.push(`${fnWhere}: runtime ${fn.runtime} is not supported locally (VTL 2018-05-29 is)`);
      const ds = checkSource(fnWhere, fn.dataSource);
      const request = compileTemplate(problems, `${fnWhere}, request template`, `${fn.name}.req`, fn.requestTemplate);
      const response = compileTemplate(problems, `${fnWhere}, response template`, `${fn.name}.res`, fn.responseTemplate);
      if (ds && needsTemplates(ds) && fn.runtime === 'VTL' && (!fn.requestTemplate || !fn.responseTemplate)) {
        problems.push(`${fnWhere}: a ${ds.type} function needs request and response templates`);
      }
      if (ds && problems.length === before) out = { name: fn.name, dataSource: ds, request, response };
    }
    compiledFns.set(id, out);
    return out;
  };

  const resolvers: CompiledResolver[] = [];
  for (const r of data.resolvers as ResolverModel[]) {
    const where = `resolver ${r.typeName}.${r.fieldName}`;
    const before = problems.length;
    if (!knownFields(r.typeName, r.fieldName)) problems.push(`${where}: the schema has no field ${r.typeName}.${r.fieldName}`);
    if (r.runtime !== 'VTL') problems.push(`${where}: runtime ${r.runtime} is not supported locally (VTL 2018-05-29 is)`);
    if (r.kind === 'PIPELINE') {
      const beforeT = compileTemplate(problems, `${where}, before template`, `${r.typeName}.${r.fieldName}.before`, r.requestTemplate);
      const afterT = compileTemplate(problems, `${where}, after template`, `${r.typeName}.${r.fieldName}.after`, r.responseTemplate);
      const steps = r.pipeline.map((id) => compileFunction(id, where));
      if (problems.length === before && steps.every((s): s is CompiledFunction => s !== null)) {
        resolvers.push({ typeName: r.typeName, fieldName: r.fieldName, before: beforeT, after: afterT, steps, unit: false });
      }
    } else {
      const ds = checkSource(where, r.dataSource);
      const request = compileTemplate(problems, `${where}, request template`, `${r.typeName}.${r.fieldName}.req`, r.requestTemplate);
      const response = compileTemplate(problems, `${where}, response template`, `${r.typeName}.${r.fieldName}.res`, r.responseTemplate);
      if (ds && needsTemplates(ds) && (!r.requestTemplate || !r.responseTemplate)) problems.push(`${where}: a ${ds.type} resolver needs request and response templates`);
      if (ds && problems.length === before) {
        resolvers.push({ typeName: r.typeName, fieldName: r.fieldName, steps: [{ name: `${r.typeName}.${r.fieldName}`, dataSource: ds, request, response }], unit: true });
      }
    }
  }
  return { resolvers, problems };
}

interface VtlContext extends JMap {
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
  readonly util: Util;
  private readonly extensions: Extensions;

  constructor(
    util: Util,
    private readonly dynamo: LocalDynamo,
    private readonly invoke: () => InvokeFunction | undefined,
  ) {
    this.util = util;
    this.extensions = new Extensions(util);
  }

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
    const ctx: VtlContext = {
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

  private async pipeline(r: CompiledResolver, ctx: VtlContext, scope: RenderScope): Promise<unknown> {
    if (r.unit) {
      const { value } = await this.step(r.steps[0], ctx, scope, r);
      return value;
    }
    if (r.before) {
      const out = this.render(r.before, ctx, scope);
      if (out.returned) return out.value;
      ctx.prev = { result: parseOutput(out.output, r, 'before') };
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
    const out = this.render(r.after, ctx, scope);
    return out.returned ? out.value : parseOutput(out.output, r, 'after');
  }

  private async step(fn: CompiledFunction, ctx: VtlContext, scope: RenderScope, r: CompiledResolver): Promise<{ value: unknown }> {
    let request: unknown;
    if (fn.request) {
      const out = this.render(fn.request, ctx, scope);
      if (out.returned) return { value: out.value };
      request = parseRequest(out.output, fn);
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
    const out = this.render(fn.response, ctx, scope);
    return { value: out.returned ? out.value : parseOutput(out.output, r, `function ${fn.name}`) };
  }

  /** Renders synchronously with `$util` bound to this field's scope. */
  private render(t: CompiledTemplate, ctx: VtlContext, scope: RenderScope) {
    const util = this.util;
    const previous = util.scope;
    util.scope = scope;
    try {
      return t.render({ ctx, util, extensions: this.extensions });
    } catch (e) {
      if (e instanceof FieldError) throw e;
      throw new FieldError(`Template ${t.name} failed: ${e instanceof Error ? e.message : String(e)}`, 'MappingTemplate');
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
    const payload = request.payload === undefined ? null : request.payload;
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
      return { result: res.payload === undefined ? null : res.payload, error: null };
    };
    if (request.invocationType === 'Event') {
      void call();
      return { result: null, error: null };
    }
    return call();
  }
}

function lambdaEvent(ctx: VtlContext): JMap {
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

function parseRequest(output: string, fn: CompiledFunction): unknown {
  try {
    return JSON.parse(output);
  } catch (e) {
    throw new FieldError(`Unable to parse the JSON document: '${(e as Error).message}' in the request mapping template of ${fn.name}`, 'MappingTemplate');
  }
}

function parseOutput(output: string, r: CompiledResolver, what: string): unknown {
  const text = output.trim();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldError(`Unable to convert ${text.length > 200 ? `${text.slice(0, 200)}…` : text} to Object. (${r.typeName}.${r.fieldName}, ${what})`, 'MappingTemplate');
  }
}

export function pathOf(info: GraphQLResolveInfo | SyntheticInfo): (string | number)[] {
  const p = (info as GraphQLResolveInfo).path;
  if (!p) return [info.fieldName];
  const out: (string | number)[] = [];
  for (let cur: GraphQLResolveInfo['path'] | undefined = p; cur; cur = cur.prev) out.unshift(cur.key);
  return out;
}

export function locationsOf(info: GraphQLResolveInfo | SyntheticInfo): { line: number; column: number }[] {
  const node = info.fieldNodes[0];
  const loc = node?.loc;
  if (!loc) return [];
  const { line, column } = loc.startToken;
  return [{ line, column }];
}
