/**
 * Compiling statements and directives to closures: text, rendered references, `#set`, `#if`,
 * `#foreach`, `#macro` and its calls, `#define`, `#break`, `#stop` and `#return`.
 */
import type { Block, ForeachNode, IfNode, MacroCallNode, MacroNode, Node, Reference, SetNode } from './ast.js';
import { VtlCompileError } from './errors.js';
import { ExpressionCompiler } from './expressions.js';
import { setProperty } from './java.js';
import { isMap, javaString, truthy } from './java_values.js';
import { DefineBlock, ForeachInfo, type Eval, type Exec } from './runtime.js';
import { refText } from './source_text.js';

interface Macro {
  params: number[];
  body: Exec;
}

export class TemplateCompiler extends ExpressionCompiler {
  private readonly macros = new Map<string, Macro>();

  block(nodes: Node[]): Exec {
    // Macros are known before rendering, wherever they are defined (Velocity defines them at parse time).
    for (const n of nodes) {
      if (!Array.isArray(n)) continue;
      const [head, ...body] = n;
      if (head.type === 'macro') this.defineMacro(head, body);
    }
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

  protected interpolation(source: string, nodes: Node[]): Exec {
    return new TemplateCompiler(source, this.slots).block(nodes);
  }

  private node(n: Node): Exec | null {
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
        throw new VtlCompileError(`unsupported template construct '${n.type}'`, n.pos?.first_line);
    }
  }

  private blockDirective(block: Block): Exec | null {
    const [head, ...body] = block;
    switch (head.type) {
      case 'if':
        return this.ifBlock(head, body);
      case 'foreach':
        return this.foreach(head, body);
      case 'macro':
        return null; // registered in block()
      case 'define': {
        const slot = this.slot(head.id);
        const exec = this.block(body);
        return (st) => {
          st.v[slot] = new DefineBlock(exec, st);
        };
      }
      default:
        throw new VtlCompileError(`unsupported directive '#${head.type}'`, head.pos?.first_line);
    }
  }

  private ifBlock(head: IfNode, nodes: Node[]): Exec {
    const branches: { cond: Eval | null; body: Exec }[] = [];
    let cond: Eval | null = this.expr(head.condition);
    let body: Node[] = [];
    for (const n of nodes) {
      if (typeof n === 'object' && !Array.isArray(n) && (n.type === 'elseif' || n.type === 'else')) {
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

  private foreach(head: ForeachNode, nodes: Node[]): Exec {
    const varSlot = this.slot(head.to);
    const feSlot = this.slot('foreach');
    const countSlot = this.slot('velocityCount');
    const from = this.expr(head.from);
    const body = this.block(nodes);
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

  private defineMacro(head: MacroNode, nodes: Node[]): void {
    const params = (head.args ?? []).map((a) => this.slot(a.id));
    const macro: Macro = { params, body: () => {} };
    this.macros.set(head.id, macro);
    macro.body = this.block(nodes);
  }

  private macroCall(n: MacroCallNode): Exec {
    if (n.id === 'stop') {
      return (st) => {
        st.stop = true;
      };
    }
    const args = (n.args ?? []).map((a) => this.expr(a));
    const id = n.id;
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

  /** A reference as a statement: its value as Java prints it, or its source text when null. */
  private output(n: Reference): Exec {
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

  /** `#set($a.b.c = v)`; a null `v` leaves the target unchanged (Velocity 1.7). */
  private set(n: SetNode): Exec {
    const [target, valueAst] = n.equal;
    const value = this.expr(valueAst);
    const slot = this.slot(target.id);
    const path = target.path ?? [];
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
      const id = last.id;
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
}
