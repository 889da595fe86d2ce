/**
 * A compiler from amplify-velocity-template's AST to JS closures, with AppSync's Velocity 1.7
 * semantics: Java method dispatch (java.ts), `#set` of null leaves the target unchanged, null
 * references render as their own text (`$!x` as nothing), only null and `false` are false,
 * `#return`, `#break`, `#stop`, `$foreach.hasNext()` and `$velocityCount`.
 *
 * Templates are parsed and compiled once; a render allocates only its variable slots.
 */
import { createRequire } from 'node:module';
import { callMethod, getIndex, getProperty, setProperty } from './java.js';
import { Host, isMap, javaEquals, javaString, truthy, type JMap } from './java_values.js';

const require = createRequire(import.meta.url);
const { parse } = require('amplify-velocity-template') as { parse: (src: string) => Ast[] };

/* eslint-disable @typescript-eslint/no-explicit-any */
type Ast = any;

/** A template that could not be parsed or uses a construct this engine cannot run. */
export class VtlCompileError extends Error {
  override readonly name = 'VtlCompileError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** A fault while rendering (not a `$util.error`): AppSync reports these as `MappingTemplate` errors. */
export class VtlRuntimeError extends Error {
  override readonly name = 'VtlRuntimeError';
}

export interface RenderResult {
  /** Rendered text (meaningless when `returned`). */
  output: string;
  /** `#return` was hit. */
  returned: boolean;
  /** The `#return(value)` value (null for a bare `#return`). */
  value: unknown;
}

/** Well-known variables every render gets. */
export interface RenderGlobals {
  ctx: unknown;
  util: unknown;
  extensions?: unknown;
}

class State {
  out = '';
  stop = false;
  brk = false;
  returned = false;
  value: unknown = null;
  constructor(readonly v: unknown[]) {}
}

type Exec = (st: State) => void;
type Eval = (st: State) => unknown;

/** `#define` blocks are values that render their body when referenced. */
class DefineBlock extends Host {
  constructor(
    private readonly body: Exec,
    private readonly st: State,
  ) {
    super();
  }
  override toString(): string {
    const saved = this.st.out;
    this.st.out = '';
    this.body(this.st);
    const s = this.st.out;
    this.st.out = saved;
    return s;
  }
}

class ForeachInfo extends Host {
  constructor(
    readonly index: number,
    readonly count: number,
    private readonly total: number,
  ) {
    super();
  }
  hasNext(): boolean {
    return this.count < this.total;
  }
  get first(): boolean {
    return this.index === 0;
  }
  get last(): boolean {
    return this.count === this.total;
  }
  isFirst(): boolean {
    return this.first;
  }
  isLast(): boolean {
    return this.last;
  }
  override toString(): string {
    return `foreach[${this.index}]`;
  }
}

const ALIASES: Record<string, string> = { context: 'ctx', utils: 'util' };

interface Macro {
  params: number[];
  body: Exec;
}

class Compiler {
  readonly slots = new Map<string, number>();
  private readonly macros = new Map<string, Macro>();

  private readonly lines: string[];

  constructor(source: string) {
    this.lines = source.split('\n');
    for (const name of ['ctx', 'util', 'extensions', 'foreach', 'velocityCount']) this.slot(name);
  }

  slot(id: string): number {
    const name = ALIASES[id] ?? id;
    let i = this.slots.get(name);
    if (i === undefined) {
      i = this.slots.size;
      this.slots.set(name, i);
    }
    return i;
  }

  block(nodes: Ast[]): Exec {
    // Macros are known before rendering, wherever they are defined (Velocity defines them at parse time).
    for (const n of nodes) if (Array.isArray(n) && n[0]?.type === 'macro') this.defineMacro(n);
    const execs = nodes.map((n) => this.node(n)).filter((e): e is Exec => e !== null);
    if (execs.length === 1) {
      const only = execs[0];
      return (st) => {
        if (!st.stop && !st.brk) only(st);
      };
    }
    return (st) => {
      for (let i = 0; i < execs.length; i++) {
        if (st.stop || st.brk) return;
        execs[i](st);
      }
    };
  }

  private node(n: Ast): Exec | null {
    if (typeof n === 'string') {
      if (n === '') return null;
      return (st) => {
        st.out += n;
      };
    }
    if (Array.isArray(n)) return this.blockDirective(n);
    switch (n.type) {
      case 'references':
        return this.output(n);
      case 'set':
        return this.set(n);
      case 'comment':
        return null;
      case 'raw': {
        const text = String(n.value);
        return (st) => {
          st.out += text;
        };
      }
      case 'break':
        return (st) => {
          st.brk = true;
        };
      case 'return': {
        const ev = n.value ? this.expr(n.value) : null;
        return (st) => {
          st.value = ev ? (ev(st) ?? null) : null;
          st.returned = true;
          st.stop = true;
        };
      }
      case 'macro_call':
        return this.macroCall(n);
      default:
        throw new VtlCompileError(`unsupported template construct '${String(n.type)}'`, n.pos?.first_line);
    }
  }

  private blockDirective(block: Ast[]): Exec | null {
    const head = block[0];
    switch (head?.type) {
      case 'if':
        return this.ifBlock(block);
      case 'foreach':
        return this.foreach(block);
      case 'macro':
        return null; // registered in block()
      case 'define': {
        const slot = this.slot(head.id);
        const body = this.block(block.slice(1));
        return (st) => {
          st.v[slot] = new DefineBlock(body, st);
        };
      }
      default:
        if (head && typeof head === 'object' && !Array.isArray(head) && head.type) {
          throw new VtlCompileError(`unsupported directive '#${String(head.type)}'`, head.pos?.first_line);
        }
        return this.block(block);
    }
  }

  private ifBlock(block: Ast[]): Exec {
    const branches: { cond: Eval | null; body: Exec }[] = [];
    let cond: Eval | null = this.expr(block[0].condition);
    let body: Ast[] = [];
    for (const n of block.slice(1)) {
      if (n && typeof n === 'object' && !Array.isArray(n) && (n.type === 'elseif' || n.type === 'else')) {
        branches.push({ cond, body: this.block(body) });
        cond = n.type === 'elseif' ? this.expr(n.condition) : null;
        body = [];
      } else body.push(n);
    }
    branches.push({ cond, body: this.block(body) });
    return (st) => {
      for (const b of branches) {
        if (b.cond === null || truthy(b.cond(st))) {
          b.body(st);
          return;
        }
      }
    };
  }

  private foreach(block: Ast[]): Exec {
    const head = block[0];
    const varSlot = this.slot(head.to);
    const feSlot = this.slot('foreach');
    const countSlot = this.slot('velocityCount');
    const from = this.expr(head.from);
    const body = this.block(block.slice(1));
    return (st) => {
      const src = from(st);
      let items: unknown[];
      if (Array.isArray(src)) items = src.slice();
      else if (isMap(src)) items = Object.values(src);
      else return;
      const v = st.v;
      const savedVar = v[varSlot];
      const savedFe = v[feSlot];
      const savedCount = v[countSlot];
      const total = items.length;
      for (let i = 0; i < total; i++) {
        v[varSlot] = items[i];
        v[feSlot] = new ForeachInfo(i, i + 1, total);
        v[countSlot] = i + 1;
        body(st);
        if (st.brk) {
          st.brk = false;
          break;
        }
        if (st.stop) break;
      }
      v[varSlot] = savedVar;
      v[feSlot] = savedFe;
      v[countSlot] = savedCount;
    };
  }

  private defineMacro(block: Ast[]): void {
    const head = block[0];
    const params = ((head.args as Ast[]) ?? []).map((a) => this.slot(a.id));
    const macro: Macro = { params, body: () => {} };
    this.macros.set(head.id, macro);
    macro.body = this.block(block.slice(1));
  }

  private macroCall(n: Ast): Exec {
    if (n.id === 'stop') {
      return (st) => {
        st.stop = true;
      };
    }
    const args = ((n.args as Ast[]) ?? []).map((a) => this.expr(a));
    const id = String(n.id);
    const text = this.nodeText(n) ?? `#${id}()`;
    return (st) => {
      const macro = this.macros.get(id);
      if (!macro) {
        st.out += text;
        return;
      }
      const saved = macro.params.map((p) => st.v[p]);
      macro.params.forEach((p, i) => {
        st.v[p] = args[i] ? args[i](st) : undefined;
      });
      macro.body(st);
      macro.params.forEach((p, i) => {
        st.v[p] = saved[i];
      });
    };
  }

  private output(n: Ast): Exec {
    const ev = this.ref(n);
    const silent = n.leader === '$!';
    const text = this.nodeText(n) ?? refText(n);
    return (st) => {
      const v = ev(st);
      if (v === null || v === undefined) {
        if (!silent) st.out += text;
      } else if (typeof v === 'string') st.out += v;
      else st.out += javaString(v);
    };
  }

  private set(n: Ast): Exec {
    const [target, valueAst] = n.equal;
    const value = this.expr(valueAst);
    const slot = this.slot(target.id);
    const path: Ast[] = target.path ?? [];
    if (path.length === 0) {
      return (st) => {
        const v = value(st);
        if (v !== null && v !== undefined) st.v[slot] = v;
      };
    }
    const steps = path.slice(0, -1).map((p) => this.step(p));
    const last = path[path.length - 1];
    let key: Eval;
    if (last.type === 'property') {
      const id = String(last.id);
      key = () => id;
    } else if (last.type === 'index') key = this.expr(last.id);
    else throw new VtlCompileError('a #set target cannot end with a method call', n.pos?.first_line);
    return (st) => {
      const v = value(st);
      if (v === null || v === undefined) return;
      let base = st.v[slot];
      for (const s of steps) {
        if (base === null || base === undefined) return;
        base = s(st, base);
      }
      setProperty(base, key(st), v);
    };
  }

  private step(p: Ast): (st: State, base: unknown) => unknown {
    if (p.type === 'property') {
      const id = String(p.id);
      return (_st, base) => getProperty(base, id);
    }
    if (p.type === 'index') {
      const key = this.expr(p.id);
      return (st, base) => getIndex(base, key(st));
    }
    if (p.type === 'method') {
      const id = String(p.id);
      const args = ((p.args || []) as Ast[]).map((a) => this.expr(a));
      if (args.length === 0) return (_st, base) => callMethod(base, id, []);
      if (args.length === 1) {
        const a0 = args[0];
        return (st, base) => callMethod(base, id, [a0(st) ?? null]);
      }
      return (st, base) =>
        callMethod(
          base,
          id,
          args.map((a) => a(st) ?? null),
        );
    }
    throw new VtlCompileError(`unsupported reference step '${String(p.type)}'`);
  }

  ref(n: Ast): Eval {
    const slot = this.slot(n.id);
    const steps = ((n.path ?? []) as Ast[]).map((p) => this.step(p));
    if (steps.length === 0) return (st) => st.v[slot];
    return (st) => {
      let base = st.v[slot];
      for (let i = 0; i < steps.length; i++) {
        if (base === null || base === undefined) return undefined;
        base = steps[i](st, base);
      }
      return base;
    };
  }

  expr(n: Ast): Eval {
    if (n === null || n === undefined) return () => null;
    switch (n.type) {
      case 'references':
        return this.ref(n);
      case 'integer': {
        const v = parseInt(String(n.value), 10);
        return () => v;
      }
      case 'decimal': {
        const v = Number(n.value);
        return () => v;
      }
      case 'bool': {
        const v = n.value === 'true' ? true : n.value === 'false' ? false : null;
        return () => v;
      }
      case 'string':
        return this.string(n);
      case 'array':
        return this.array(n);
      case 'map': {
        const entries = Object.entries((n.value ?? {}) as Record<string, Ast>).map(([k, v]) => [k, this.expr(v)] as const);
        return (st) => {
          const m: JMap = {};
          for (const [k, ev] of entries) {
            const v = ev(st);
            m[k] = v === undefined ? null : v;
          }
          return m;
        };
      }
      case 'math':
        return this.math(n);
      default:
        throw new VtlCompileError(`unsupported expression '${String(n.type)}'`, n.pos?.first_line);
    }
  }

  private string(n: Ast): Eval {
    const raw = String(n.value);
    if (!n.isEval || (!raw.includes('$') && !raw.includes('#'))) return () => raw;
    // Inside double quotes AppSync interpolates references only; `#` stays literal.
    const escaped = raw.replace(/#/g, '\\#');
    let inner: Ast[];
    try {
      inner = parse(escaped);
    } catch (e) {
      throw new VtlCompileError(`cannot parse string "${raw}": ${(e as Error).message.split('\n')[0]}`, n.pos?.first_line);
    }
    const sub = new Compiler(escaped);
    // Interpolations share the template's variables.
    (sub as unknown as { slots: Map<string, number> }).slots.clear();
    for (const [k, v] of this.slots) sub.slots.set(k, v);
    const body = sub.block(inner);
    for (const [k, v] of sub.slots) if (!this.slots.has(k)) this.slots.set(k, v);
    return (st) => {
      const saved = st.out;
      st.out = '';
      body(st);
      const s = st.out;
      st.out = saved;
      return s;
    };
  }

  private array(n: Ast): Eval {
    if (n.isRange) {
      const [a, b] = (n.value as Ast[]).map((x) => (typeof x === 'object' && x !== null ? this.expr(x) : () => x));
      return (st) => {
        const from = parseInt(String(a(st)), 10);
        const to = parseInt(String(b(st)), 10);
        const out: number[] = [];
        if (Number.isNaN(from) || Number.isNaN(to)) return out;
        if (from <= to) for (let i = from; i <= to; i++) out.push(i);
        else for (let i = from; i >= to; i--) out.push(i);
        return out;
      };
    }
    const items = ((n.value ?? []) as Ast[]).map((x) => this.expr(x));
    return (st) => items.map((ev) => {
      const v = ev(st);
      return v === undefined ? null : v;
    });
  }

  private math(n: Ast): Eval {
    const op = String(n.operator);
    const [a, b] = ((n.expression ?? []) as Ast[]).map((x) => this.expr(x));
    switch (op) {
      case 'parenthesis':
        return a;
      case 'not':
        return (st) => !truthy(a(st));
      case 'minus':
        return (st) => {
          const v = a(st);
          return typeof v === 'number' ? -v : null;
        };
      case '&&':
        return (st) => truthy(a(st)) && truthy(b(st));
      case '||':
        return (st) => truthy(a(st)) || truthy(b(st));
      case '==':
        return (st) => javaEquals(a(st), b(st));
      case '!=':
        return (st) => !javaEquals(a(st), b(st));
      case '>':
      case '<':
      case '>=':
      case '<=':
        return (st) => compare(op, a(st), b(st));
      case '+':
        return (st) => add(a(st), b(st));
      case '-':
      case '*':
      case '/':
      case '%':
        return (st) => arithmetic(op, a(st), b(st));
      default:
        throw new VtlCompileError(`unsupported operator '${op}'`, n.pos?.first_line);
    }
  }

  /** The reference's own source text, rendered when its value is null (as Velocity does). */
  private nodeText(n: Ast): string | null {
    const pos = n.pos;
    if (!pos || pos.first_line !== pos.last_line) return null;
    const line = this.lines[pos.first_line - 1];
    if (line === undefined) return null;
    const text = line.slice(pos.first_column, pos.last_column);
    return text.startsWith('$') || text.startsWith('#') ? text : null;
  }
}

function compare(op: string, x: unknown, y: unknown): boolean {
  let c: number;
  if (typeof x === 'number' && typeof y === 'number') c = x - y;
  else if (typeof x === 'string' && typeof y === 'string') c = x < y ? -1 : x > y ? 1 : 0;
  else return false;
  switch (op) {
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '>=':
      return c >= 0;
    default:
      return c <= 0;
  }
}

function add(x: unknown, y: unknown): unknown {
  if (x === null || x === undefined || y === null || y === undefined) return null;
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  if (typeof x === 'string' || typeof y === 'string') return javaString(x) + javaString(y);
  return null;
}

function arithmetic(op: string, x: unknown, y: unknown): unknown {
  if (typeof x !== 'number' || typeof y !== 'number') return null;
  switch (op) {
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) return null;
      return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
    default:
      if (y === 0) return null;
      return x % y;
  }
}

/** Rebuilds `$a.b("x")[0]` text for references without a usable position. */
function refText(n: Ast): string {
  let s = n.leader ?? '$';
  if (n.isWraped) s += '{';
  s += n.id;
  for (const p of (n.path ?? []) as Ast[]) {
    if (p.type === 'property') s += `.${p.id}`;
    else if (p.type === 'method') s += `.${p.id}(${((p.args || []) as Ast[]).map(literalText).join(', ')})`;
    else if (p.type === 'index') s += `[${literalText(p.id)}]`;
  }
  if (n.isWraped) s += '}';
  return s;
}

function literalText(n: Ast): string {
  if (!n || typeof n !== 'object') return String(n);
  switch (n.type) {
    case 'references':
      return refText(n);
    case 'string':
      return n.isEval ? `"${n.value}"` : `'${n.value}'`;
    case 'integer':
    case 'decimal':
    case 'bool':
      return String(n.value);
    case 'array':
      return n.isRange ? `[${n.value.map(literalText).join('..')}]` : `[${(n.value as Ast[]).map(literalText).join(', ')}]`;
    case 'map':
      return `{${Object.entries((n.value ?? {}) as Record<string, Ast>)
        .map(([k, v]) => `"${k}": ${literalText(v)}`)
        .join(', ')}}`;
    default:
      return '';
  }
}

export class CompiledTemplate {
  private constructor(
    readonly name: string,
    private readonly body: Exec,
    private readonly slotCount: number,
  ) {}

  /** Parses and compiles once; throws VtlCompileError with the line when it cannot. */
  static compile(name: string, source: string): CompiledTemplate {
    let ast: Ast[];
    try {
      ast = parse(source);
    } catch (e) {
      const err = e as Error & { hash?: { line?: number } };
      const line = err.hash?.line !== undefined ? err.hash.line + 1 : undefined;
      const detail = err.message.split('\n').slice(1, 3).join(' ').trim() || err.message;
      throw new VtlCompileError(`parse error${line ? ` on line ${line}` : ''}: ${detail}`, line);
    }
    const c = new Compiler(source);
    const body = c.block(ast);
    return new CompiledTemplate(name, body, c.slots.size);
  }

  render(globals: RenderGlobals): RenderResult {
    const v: unknown[] = new Array(this.slotCount);
    v[0] = globals.ctx;
    v[1] = globals.util;
    v[2] = globals.extensions;
    const st = new State(v);
    this.body(st);
    return { output: st.out, returned: st.returned, value: st.value };
  }
}
