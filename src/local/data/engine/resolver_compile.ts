/**
 * Compiles the model's resolvers once: every template and APPSYNC_JS handler parsed up front, and
 * anything that cannot run reported with its resolver's name instead of failing at the first request.
 */
import type { AppSyncFunctionModel, DataModel, DataSourceModel, ResolverModel } from '../../assembly/model.js';
import { JsCompileError, loadJsModule, type JsHandler } from './js/runtime.js';
import { CompiledTemplate } from './vtl/compile.js';
import { VtlCompileError } from './vtl/errors.js';

const SUPPORTED_SOURCES = new Set(['NONE', 'AMAZON_DYNAMODB', 'AWS_LAMBDA']);

/**
 * One handler of a resolver or function: a VTL template or an APPSYNC_JS handler. `request`
 * stages of functions must produce a data-source request document; other stages a value.
 */
export type Stage =
  | { kind: 'vtl'; template: CompiledTemplate; strict: boolean; owner: string }
  | { kind: 'js'; handler: JsHandler; name: string };

export interface CompiledFunction {
  name: string;
  dataSource: DataSourceModel;
  request?: Stage;
  response?: Stage;
}

export interface CompiledResolver {
  typeName: string;
  fieldName: string;
  before?: Stage;
  after?: Stage;
  steps: CompiledFunction[];
  /** UNIT resolvers are one step with no before/after. */
  unit: boolean;
}

function compileTemplate(problems: string[], where: string, name: string, source: string | undefined, strict: boolean): Stage | undefined {
  if (source === undefined || source === null) return undefined;
  try {
    return { kind: 'vtl', template: CompiledTemplate.compile(name, source), strict, owner: name };
  } catch (e) {
    problems.push(`${where}: ${e instanceof VtlCompileError ? e.message : String(e)}`);
    return undefined;
  }
}

/** Compiles a resolver's or function's code (VTL templates or an APPSYNC_JS module). */
function compileCode(
  problems: string[],
  where: string,
  name: string,
  code: { runtime: string; requestTemplate?: string; responseTemplate?: string; code?: string },
  strictRequest: boolean,
  jsModules: Record<string, unknown>,
): { request?: Stage; response?: Stage } {
  if (code.runtime === 'APPSYNC_JS') {
    if (!code.code) {
      problems.push(`${where}: APPSYNC_JS code is missing`);
      return {};
    }
    try {
      const m = loadJsModule(name, code.code, jsModules);
      return { request: { kind: 'js', handler: m.request!, name: `${name} request` }, response: { kind: 'js', handler: m.response!, name: `${name} response` } };
    } catch (e) {
      problems.push(`${where}: ${e instanceof JsCompileError ? e.message : String(e)}`);
      return {};
    }
  }
  if (code.runtime !== 'VTL') {
    problems.push(`${where}: runtime ${code.runtime} is not supported locally (VTL and APPSYNC_JS are)`);
    return {};
  }
  return {
    request: compileTemplate(problems, `${where}, request template`, `${name}.req`, code.requestTemplate, strictRequest),
    response: compileTemplate(problems, `${where}, response template`, `${name}.res`, code.responseTemplate, false),
  };
}

/** Compiles every resolver; returns what could not be compiled instead of throwing. */
export function compileResolvers(
  data: DataModel,
  knownFields: (type: string, field: string) => boolean,
  jsModules: Record<string, unknown>,
): { resolvers: CompiledResolver[]; problems: string[] } {
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
      const ds = checkSource(fnWhere, fn.dataSource);
      const { request, response } = compileCode(problems, fnWhere, fn.name, fn, true, jsModules);
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
    const name = `${r.typeName}.${r.fieldName}`;
    if (r.kind === 'PIPELINE') {
      const { request: beforeT, response: afterT } = compileCode(problems, where, name, r, false, jsModules);
      const steps = r.pipeline.map((id) => compileFunction(id, where));
      if (problems.length === before && steps.every((s): s is CompiledFunction => s !== null)) {
        resolvers.push({ typeName: r.typeName, fieldName: r.fieldName, before: beforeT, after: afterT, steps, unit: false });
      }
    } else {
      const ds = checkSource(where, r.dataSource);
      const { request, response } = compileCode(problems, where, name, r, true, jsModules);
      if (ds && needsTemplates(ds) && r.runtime === 'VTL' && (!r.requestTemplate || !r.responseTemplate)) problems.push(`${where}: a ${ds.type} resolver needs request and response templates`);
      if (ds && problems.length === before) {
        resolvers.push({ typeName: r.typeName, fieldName: r.fieldName, steps: [{ name, dataSource: ds, request, response }], unit: true });
      }
    }
  }
  return { resolvers, problems };
}
