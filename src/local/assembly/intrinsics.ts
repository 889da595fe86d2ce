import { AssemblyError } from './errors.js';
import { uuidFrom } from './ids.js';
import type { CloudAssembly, ResourceDef, StackNode } from './templates.js';

/** Where a value sits, for error messages: the stack, the resource (or `Outputs.X`) and the property path. */
export interface Where {
  stack: StackNode;
  logicalId?: string;
  path?: string;
}

/** A resource of some stack. */
export interface ResourceNode {
  stack: StackNode;
  logicalId: string;
  def: ResourceDef;
}

/** `Ref: AWS::NoValue` — removes the property (or list element) that holds it. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/**
 * What `Ref` and `Fn::GetAtt` return for each resource type: the local physical ids.
 * `attr` returns undefined for an attribute the type does not have (or the loader does not know).
 */
export interface ResourcePhysics {
  ref(r: Resolver, node: ResourceNode): string;
  attr(r: Resolver, node: ResourceNode, name: string): unknown;
}

interface ResolverEnv {
  region: string;
  accountId: string;
  partition?: string;
  urlSuffix?: string;
}

const MAX_SNIPPET = 240;

/**
 * Resolves CloudFormation intrinsics across the root and nested stacks: Ref (parameters, pseudo
 * parameters, resources), Fn::GetAtt (including `Outputs.X` of nested stacks), Fn::Join, Fn::Select,
 * Fn::Split, Fn::Sub, Fn::If with conditions (Fn::Equals/Not/And/Or), Fn::FindInMap, Fn::ImportValue,
 * Fn::Base64, Fn::GetAZs, Fn::ToJsonString and Fn::Length. Results are memoized per resource and
 * attribute; a reference cycle is reported instead of recursing forever. Anything unresolvable raises
 * an AssemblyError naming the stack, logical id, property and intrinsic.
 */
export class Resolver {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  private readonly memo = new Map<string, { busy: true } | { busy: false; value: unknown }>();
  private readonly conditionMemo = new Map<string, boolean>();
  private exports?: Map<string, { stack: StackNode; output: string }>;

  constructor(
    readonly assembly: CloudAssembly,
    env: ResolverEnv,
    private readonly physics: ResourcePhysics,
  ) {
    this.region = env.region;
    this.accountId = env.accountId;
    this.partition = env.partition ?? 'aws';
    this.urlSuffix = env.urlSuffix ?? 'amazonaws.com';
  }

  /** Every resource (whose Condition holds) of the given type(s), in stack order. */
  resources(type: string | ((type: string) => boolean)): ResourceNode[] {
    const match = typeof type === 'string' ? (t: string) => t === type : type;
    const out: ResourceNode[] = [];
    for (const stack of this.assembly.stacks) {
      for (const [logicalId, def] of Object.entries(stack.template.Resources ?? {})) {
        if (match(def.Type) && this.exists(stack, logicalId)) out.push({ stack, logicalId, def });
      }
    }
    return out;
  }

  node(stack: StackNode, logicalId: string): ResourceNode | undefined {
    const def = stack.template.Resources?.[logicalId];
    return def ? { stack, logicalId, def } : undefined;
  }

  /** False when the resource has a Condition that does not hold (CloudFormation does not create it). */
  exists(stack: StackNode, logicalId: string): boolean {
    const def = stack.template.Resources?.[logicalId];
    if (!def) return false;
    return def.Condition === undefined || this.condition(stack, def.Condition, { stack, logicalId, path: 'Condition' });
  }

  /** Resolves one property of a resource (undefined when absent or AWS::NoValue). */
  prop(node: ResourceNode, name: string): unknown {
    const raw = node.def.Properties?.[name];
    if (raw === undefined) return undefined;
    const value = this.resolve(raw, { stack: node.stack, logicalId: node.logicalId, path: name });
    return value === NO_VALUE ? undefined : value;
  }

  /** A property that must resolve to a string (numbers and booleans are stringified as CloudFormation does). */
  propString(node: ResourceNode, name: string): string | undefined {
    const value = this.prop(node, name);
    if (value === undefined) return undefined;
    return this.asString(value, { stack: node.stack, logicalId: node.logicalId, path: name }, node.def.Properties?.[name]);
  }

  /** Resolves a value deeply. */
  resolve(value: unknown, at: Where): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const v = this.resolve(item, { ...at, path: `${at.path ?? ''}[${i}]` });
        if (v !== NO_VALUE) out.push(v);
      });
      return out;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === 'Ref' || key.startsWith('Fn::')) return this.intrinsic(key, arg, value, at);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const resolved = this.resolve(v, { ...at, path: at.path ? `${at.path}.${k}` : k });
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** Resolves a value that must be a string. */
  string(value: unknown, at: Where): string {
    return this.asString(this.resolve(value, at), at, value);
  }

  /** What `Ref` of a logical id (resource, parameter or pseudo parameter) gives in `stack`. */
  ref(stack: StackNode, name: string, at: Where = { stack }): unknown {
    const pseudo = this.pseudo(stack, name);
    if (pseudo !== undefined) return pseudo;
    const param = stack.template.Parameters?.[name];
    if (param) return this.parameter(stack, name, at);
    const node = this.node(stack, name);
    if (!node) this.fail(at, { Ref: name }, `${name} is neither a parameter nor a resource of this stack`);
    if (!this.exists(stack, name)) this.fail(at, { Ref: name }, `resource ${name} is not created (its Condition is false)`);
    return this.memoized(`${stack.path}|${name}|Ref`, at, { Ref: name }, () => this.physics.ref(this, node));
  }

  /** What `Fn::GetAtt [logicalId, attr]` gives in `stack`. */
  getAtt(stack: StackNode, logicalId: string, attr: string, at: Where = { stack }): unknown {
    const intrinsic = { 'Fn::GetAtt': [logicalId, attr] };
    const node = this.node(stack, logicalId);
    if (!node) this.fail(at, intrinsic, `${logicalId} is not a resource of this stack`);
    if (!this.exists(stack, logicalId)) this.fail(at, intrinsic, `resource ${logicalId} is not created (its Condition is false)`);
    return this.memoized(`${stack.path}|${logicalId}|${attr}`, at, intrinsic, () => {
      if (node.def.Type === 'AWS::CloudFormation::Stack' && attr.startsWith('Outputs.')) {
        const child = stack.children.get(logicalId);
        if (!child) this.fail(at, intrinsic, `nested stack ${logicalId} was not loaded`);
        return this.output(child, attr.slice('Outputs.'.length), at);
      }
      const value = this.physics.attr(this, node, attr);
      if (value === undefined) {
        this.fail(at, intrinsic, `attribute ${attr} of ${node.def.Type} is not known to the local cloud`);
      }
      return value;
    });
  }

  /** A stack output's value. */
  output(stack: StackNode, name: string, from?: Where): unknown {
    const out = stack.template.Outputs?.[name];
    if (!out) {
      this.fail(from ?? { stack }, { 'Fn::GetAtt': [stack.logicalIdInParent ?? stack.name, `Outputs.${name}`] }, `stack ${stack.name} has no output ${name}`);
    }
    return this.resolve(out.Value, { stack, logicalId: `Outputs.${name}`, path: 'Value' });
  }

  /** Evaluates a named condition of a stack. */
  condition(stack: StackNode, name: string, at: Where): boolean {
    const key = `${stack.path}|${name}`;
    const known = this.conditionMemo.get(key);
    if (known !== undefined) return known;
    const expr = stack.template.Conditions?.[name];
    if (expr === undefined) this.fail(at, { Condition: name }, `condition ${name} is not defined in this stack`);
    const value = this.evalCondition(expr, { stack, logicalId: `Conditions.${name}` });
    this.conditionMemo.set(key, value);
    return value;
  }

  /** Throws an AssemblyError naming where the unresolvable intrinsic is. */
  fail(at: Where, intrinsic: unknown, reason: string): never {
    let snippet = JSON.stringify(intrinsic);
    if (snippet.length > MAX_SNIPPET) snippet = `${snippet.slice(0, MAX_SNIPPET)}…`;
    const place = [`stack ${at.stack.name} (${at.stack.file})`];
    if (at.logicalId) place.push(`logical id ${at.logicalId}`);
    if (at.path) place.push(`property ${at.path}`);
    throw new AssemblyError(`Cannot resolve ${snippet} in ${place.join(', ')}: ${reason}.`, {
      stack: at.stack.name,
      logicalId: at.logicalId,
      intrinsic: snippet,
    });
  }

  private memoized(key: string, at: Where, intrinsic: unknown, compute: () => unknown): unknown {
    const entry = this.memo.get(key);
    if (entry?.busy) this.fail(at, intrinsic, 'circular reference between resources');
    if (entry) return entry.value;
    this.memo.set(key, { busy: true });
    try {
      const value = compute();
      this.memo.set(key, { busy: false, value });
      return value;
    } catch (err) {
      this.memo.delete(key);
      throw err;
    }
  }

  private pseudo(stack: StackNode, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.urlSuffix;
      case 'AWS::StackName':
        return stack.name;
      case 'AWS::StackId':
        return this.stackId(stack);
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
  stackId(stack: StackNode): string {
    return `arn:${this.partition}:cloudformation:${this.region}:${this.accountId}:stack/${stack.name}/${uuidFrom(`stackid:${stack.path}`)}`;
  }

  private parameter(stack: StackNode, name: string, at: Where): unknown {
    const def = stack.template.Parameters![name];
    const parent = stack.parent;
    let value: unknown;
    if (parent && stack.logicalIdInParent) {
      const passed = (parent.template.Resources?.[stack.logicalIdInParent]?.Properties?.Parameters as Record<string, unknown> | undefined)?.[name];
      if (passed !== undefined) {
        value = this.resolve(passed, { stack: parent, logicalId: stack.logicalIdInParent, path: `Parameters.${name}` });
      }
    }
    if (value === undefined) value = def.Default;
    if (value === undefined) this.fail(at, { Ref: name }, `parameter ${name} has no value (none passed, no Default)`);
    if (typeof def.Type === 'string' && (def.Type === 'CommaDelimitedList' || def.Type.startsWith('List<')) && typeof value === 'string') {
      return value.split(',');
    }
    return typeof value === 'number' ? String(value) : value;
  }

  private asString(value: unknown, at: Where, raw: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.fail(at, raw, `expected a string, got ${value === NO_VALUE ? 'AWS::NoValue' : JSON.stringify(value)}`);
  }

  private list(value: unknown, at: Where, raw: unknown): unknown[] {
    const v = this.resolve(value, at);
    if (!Array.isArray(v)) this.fail(at, raw, `expected a list, got ${JSON.stringify(v)}`);
    return v;
  }

  private intrinsic(fn: string, arg: unknown, raw: unknown, at: Where): unknown {
    switch (fn) {
      case 'Ref':
        if (typeof arg !== 'string') this.fail(at, raw, 'Ref takes a logical id');
        return this.ref(at.stack, arg, at);
      case 'Fn::GetAtt': {
        const [logicalId, attr] = typeof arg === 'string' ? splitOnce(arg, '.') : (arg as unknown[]);
        if (typeof logicalId !== 'string') this.fail(at, raw, 'Fn::GetAtt takes [logicalId, attribute]');
        return this.getAtt(at.stack, logicalId, this.string(attr, at), at);
      }
      case 'Fn::Join': {
        const [delimiter, items] = arg as [unknown, unknown];
        const parts = this.list(items, at, raw).map((p) => this.asString(p, at, raw));
        return parts.join(this.string(delimiter, at));
      }
      case 'Fn::Select': {
        const [index, items] = arg as [unknown, unknown];
        const list = this.list(items, at, raw);
        const i = Number(this.resolve(index, at));
        if (!Number.isInteger(i) || i < 0 || i >= list.length) {
          this.fail(at, raw, `index ${i} is outside the list ${JSON.stringify(list)}`);
        }
        return list[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = arg as [unknown, unknown];
        return this.string(source, at).split(this.string(delimiter, at));
      }
      case 'Fn::Sub':
        return this.sub(arg, raw, at);
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return this.resolve(this.condition(at.stack, name, at) ? whenTrue : whenFalse, at);
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
        return this.evalCondition(raw, at);
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((a) => this.string(a, at));
        const value = at.stack.template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined) this.fail(at, raw, `mapping ${map}.${top}.${second} does not exist`);
        return value;
      }
      case 'Fn::ImportValue':
        return this.importValue(this.string(arg, at), raw, at);
      case 'Fn::Base64':
        return Buffer.from(this.string(arg, at)).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(arg, at));
      case 'Fn::Length':
        return this.list(arg, at, raw).length;
      default:
        return this.fail(at, raw, `${fn} is not supported by the local cloud`);
    }
  }

  private sub(arg: unknown, raw: unknown, at: Where): string {
    const [template, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    if (typeof template !== 'string') this.fail(at, raw, 'Fn::Sub takes a string or [string, variables]');
    return template.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      // `${!Literal}` is CloudFormation's escape for a literal `${Literal}` (IAM policy variables).
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (vars && Object.prototype.hasOwnProperty.call(vars, name)) return this.string(vars[name], at);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) {
        return this.asString(this.getAtt(at.stack, name.slice(0, dot), name.slice(dot + 1), at), at, raw);
      }
      const stack = at.stack;
      const known = this.pseudo(stack, name) !== undefined || stack.template.Parameters?.[name] || stack.template.Resources?.[name];
      if (!known) this.fail(at, raw, `\${${name}} names no variable, parameter, pseudo parameter or resource`);
      return this.asString(this.ref(stack, name, at), at, raw);
    });
  }

  private evalCondition(expr: unknown, at: Where): boolean {
    if (typeof expr === 'boolean') return expr;
    if (expr && typeof expr === 'object' && !Array.isArray(expr)) {
      const [[fn, arg]] = Object.entries(expr as Record<string, unknown>);
      const args = arg as unknown[];
      switch (fn) {
        case 'Condition':
          return this.condition(at.stack, String(arg), at);
        case 'Fn::Equals': {
          const [a, b] = args.map((x) => this.resolve(x, at));
          return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
        }
        case 'Fn::Not':
          return !this.evalCondition(args[0], at);
        case 'Fn::And':
          return args.every((c) => this.evalCondition(c, at));
        case 'Fn::Or':
          return args.some((c) => this.evalCondition(c, at));
        default:
          break;
      }
    }
    return this.fail(at, expr, 'not a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition)');
  }

  private importValue(name: string, raw: unknown, at: Where): unknown {
    if (!this.exports) {
      this.exports = new Map();
      for (const stack of this.assembly.stacks) {
        for (const [output, def] of Object.entries(stack.template.Outputs ?? {})) {
          if (def.Export === undefined) continue;
          try {
            this.exports.set(this.string(def.Export.Name, { stack, logicalId: `Outputs.${output}`, path: 'Export.Name' }), { stack, output });
          } catch {
            // An export whose name itself cannot be resolved cannot be the one asked for by name.
          }
        }
      }
    }
    const found = this.exports.get(name);
    if (!found) this.fail(at, raw, `no stack of the assembly exports ${name}`);
    return this.output(found.stack, found.output, at);
  }
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** CloudFormation compares condition operands as strings. */
function normalize(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}
