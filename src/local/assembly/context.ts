import { readFileSync, statSync } from 'node:fs';
import type { FunctionModel } from './model.js';
import type { ResourceNode, Resolver, Where } from './intrinsics.js';
import type { CloudAssembly } from './templates.js';

/** What the per-service loaders share while one assembly is loaded. */
export interface LoadContext {
  asm: CloudAssembly;
  r: Resolver;
  warnings: string[];
  /** Every Lambda function of the assembly (user and internal), by local function name. */
  functionsByName: Map<string, FunctionModel>;
  /** A root-stack output, resolved (undefined when the template has none). */
  rootOutput(name: string): string | undefined;
}

export const whereOf = (n: ResourceNode, path?: string): Where => ({ stack: n.stack, logicalId: n.logicalId, path });

/** The object key of an `s3://bucket/key` URI (asset locations name the asset by key). */
export function s3Key(uri: string): string {
  const m = /^s3:\/\/[^/]+\/(.+)$/.exec(uri);
  return m ? m[1] : uri;
}

/** The text of the asset a `…S3Location` property points at. */
export function readAssetText(ctx: LoadContext, n: ResourceNode, prop: string): string | undefined {
  const uri = ctx.r.propString(n, prop);
  if (uri === undefined) return undefined;
  const file = ctx.asm.assets.get(s3Key(uri));
  if (!file || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    ctx.r.fail(whereOf(n, prop), n.def.Properties?.[prop], `the assembly has no asset file for ${uri}`);
  }
  return readFileSync(file, 'utf8');
}

/** A resolved property that must be a list of strings (a single string counts as a list of one). */
export function stringList(ctx: LoadContext, n: ResourceNode, prop: string): string[] | undefined {
  const value = ctx.r.prop(n, prop);
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string') ctx.r.fail(whereOf(n, prop), n.def.Properties?.[prop], `expected strings, got ${JSON.stringify(v)}`);
    return v;
  });
}

export const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Numbers in templates are often strings (`"30"`). */
export function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function bool(v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return v === true || v === 'true';
}

/** The function name inside a Lambda ARN (`…:function:<name>[:qualifier]`), or the value itself. */
export function functionNameOf(arnOrName: string): string {
  const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arnOrName);
  return m ? m[1] : arnOrName;
}
