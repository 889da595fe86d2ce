/**
 * APPSYNC_JS code (resolvers and functions written in JavaScript, e.g. Gen 2's
 * `a.handler.custom({ entry })`): the module is compiled once at start (esbuild → CommonJS) and
 * its `request`/`response` handlers run with AppSync's `util`, `runtime` and `extensions`
 * from `@aws-appsync/utils` (and `@aws-appsync/utils/dynamodb`).
 */
import { transformSync } from 'esbuild';
import { FieldError } from '../errors.js';
import type { Extensions, Util } from '../util/util.js';
import { dynamodbModule } from './dynamodb_module.js';

export type JsHandler = (ctx: unknown) => unknown;

export interface JsModule {
  request?: JsHandler;
  response?: JsHandler;
}

/** `runtime.earlyReturn(value)`. */
class EarlyReturn {
  constructor(readonly value: unknown) {}
}

/** Thrown at start when the code cannot be loaded. */
export class JsCompileError extends Error {}

function bindAll(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let proto: object | null = obj;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in out) continue;
      const v = (obj as Record<string, unknown>)[name];
      if (typeof v === 'function') out[name] = (v as (...a: unknown[]) => unknown).bind(obj);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return out;
}

/** What `import { util, runtime, extensions } from '@aws-appsync/utils'` gives. */
function appsyncUtilsModule(util: Util, extensions: Extensions): Record<string, unknown> {
  const jsUtil = bindAll(util);
  for (const k of ['time', 'dynamodb', 'list', 'map', 'str', 'math', 'transform', 'xml', 'http'] as const) jsUtil[k] = bindAll(util[k]);
  delete jsUtil.qr;
  delete jsUtil.quiet;
  return {
    util: jsUtil,
    runtime: {
      earlyReturn(value?: unknown): never {
        throw new EarlyReturn(value ?? null);
      },
    },
    extensions: bindAll(extensions),
  };
}

export function loadJsModule(name: string, code: string, modules: Record<string, unknown>): JsModule {
  let cjs: string;
  try {
    cjs = transformSync(code, { format: 'cjs', loader: 'js', target: 'es2022', sourcefile: name }).code;
  } catch (e) {
    throw new JsCompileError(`cannot compile the APPSYNC_JS code: ${(e as Error).message.split('\n')[0]}`);
  }
  const require = (id: string): unknown => {
    if (Object.hasOwn(modules, id)) return modules[id];
    throw new Error(`Cannot import '${id}' ((local: APPSYNC_JS code can only import @aws-appsync/utils and @aws-appsync/utils/dynamodb))`);
  };
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  try {
    // The code is the project's own resolver, run like AppSync runs it: no I/O, no globals needed.
    new Function('module', 'exports', 'require', cjs)(mod, mod.exports, require);
  } catch (e) {
    throw new JsCompileError(`cannot load the APPSYNC_JS code: ${(e as Error).message}`);
  }
  const request = mod.exports.request;
  const response = mod.exports.response;
  if (typeof request !== 'function' || typeof response !== 'function') {
    throw new JsCompileError('APPSYNC_JS code must export request and response functions');
  }
  return { request: request as JsHandler, response: response as JsHandler };
}

export function jsModules(util: Util, extensions: Extensions): Record<string, unknown> {
  return { '@aws-appsync/utils': appsyncUtilsModule(util, extensions), '@aws-appsync/utils/dynamodb': dynamodbModule };
}

/** Runs a handler; AppSync reports runtime faults in resolver code as errors of the field. */
export function runJs(handler: JsHandler, ctx: unknown, name: string): { returned: boolean; value: unknown } {
  try {
    const value = handler(ctx);
    return { returned: false, value: detach(value) };
  } catch (e) {
    if (e instanceof EarlyReturn) return { returned: true, value: detach(e.value) };
    if (e instanceof FieldError) throw e;
    throw new FieldError(`Runtime Error in ${name}: ${e instanceof Error ? e.message : String(e)}`, 'Code');
  }
}

/** AppSync passes JSON between steps: drop undefined, functions and shared references. */
function detach(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v;
  return JSON.parse(JSON.stringify(v)) as unknown;
}
