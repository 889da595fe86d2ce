/**
 * Compiling expressions to closures: references with their property, index and method steps
 * (dispatched as Java methods, java.ts), literals, string interpolation and operators. Also owns
 * the variable slots a template's closures index into.
 */
import {
  parse,
  type Expr,
  type ListLiteral,
  type MathNode,
  type Node,
  type PathStep,
  type Pos,
  type RangeLiteral,
  type Reference,
  type StringLiteral,
} from './ast.js';
import { VtlCompileError } from './errors.js';
import { callMethod, getIndex, getProperty } from './java.js';
import { javaEquals, truthy, type JMap } from './java_values.js';
import { add, arithmetic, compare, type Eval, type Exec, type State } from './runtime.js';
import { nodeText } from './source_text.js';

const ALIASES: Record<string, string> = { context: 'ctx', utils: 'util' };

/** The globals every render sets, in slot order (render() relies on ctx, util, extensions being 0, 1, 2). */
const BUILTIN_SLOTS = ['ctx', 'util', 'extensions', 'foreach', 'velocityCount'];

/** A compiled reference step: the value of `base.name`, `base[key]` or `base.name(args)`. */
export type Step = (st: State, base: unknown) => unknown;

export abstract class ExpressionCompiler {
  private readonly lines: string[];

  /**
   * @param slots variable name to slot index; a string interpolation's compiler shares its template's.
   */
  constructor(
    source: string,
    readonly slots: Map<string, number> = new Map(),
  ) {
    this.lines = source.split('\n');
    for (const name of BUILTIN_SLOTS) this.slot(name);
  }

  /** Compiles a parsed interpolated string (`#` escaped) sharing this compiler's slots. */
  protected abstract interpolation(source: string, nodes: Node[]): Exec;

  slot(id: string): number {
    const name = Object.hasOwn(ALIASES, id) ? ALIASES[id] : id;
    let i = this.slots.get(name);
    if (i === undefined) {
      i = this.slots.size;
      this.slots.set(name, i);
    }
    return i;
  }

  expr(n: Expr | null | undefined): Eval {
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
        const entries = Object.entries(n.value ?? {}).map(([k, v]) => [k, this.expr(v)] as const);
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
        throw new VtlCompileError(`unsupported expression '${n.type}'`);
    }
  }

  ref(n: Reference): Eval {
    const slot = this.slot(n.id);
    const steps = (n.path ?? []).map((p) => this.step(p));
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

  /** The node's own source text, rendered when its value is null (as Velocity does). */
  protected nodeText(n: { pos?: Pos }): string | null {
    return nodeText(this.lines, n);
  }

  protected step(p: PathStep): Step {
    switch (p.type) {
      case 'property': {
        const id = p.id;
        return (_st, base) => getProperty(base, id);
      }
      case 'index': {
        const key = this.expr(p.id);
        return (st, base) => getIndex(base, key(st));
      }
      case 'method': {
        const id = p.id;
        const args = (p.args || []).map((a) => this.expr(a));
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
      default:
        throw new VtlCompileError(`unsupported reference step '${p.type}'`);
    }
  }

  private string(n: StringLiteral): Eval {
    const raw = String(n.value);
    if (!n.isEval || (!raw.includes('$') && !raw.includes('#'))) return () => raw;
    // Inside double quotes AppSync interpolates references only; `#` stays literal.
    const escaped = raw.replace(/#/g, '\\#');
    let inner: Node[];
    try {
      inner = parse(escaped);
    } catch (e) {
      throw new VtlCompileError(`cannot parse string "${raw}": ${(e as Error).message.split('\n')[0]}`);
    }
    const body = this.interpolation(escaped, inner);
    return (st) => {
      const saved = st.out;
      st.out = '';
      body(st);
      const s = st.out;
      st.out = saved;
      return s;
    };
  }

  private array(n: ListLiteral | RangeLiteral): Eval {
    if (n.isRange) {
      const [a, b] = n.value.map((x): Eval => (typeof x === 'object' && x !== null ? this.expr(x) : () => x));
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
    const items = n.value.map((x) => this.expr(x));
    return (st) =>
      items.map((ev) => {
        const v = ev(st);
        return v === undefined ? null : v;
      });
  }

  private math(n: MathNode): Eval {
    const [a, b] = n.expression.map((x) => this.expr(x));
    const op = n.operator;
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
        throw new VtlCompileError(`unsupported operator '${String(op)}'`);
    }
  }
}
