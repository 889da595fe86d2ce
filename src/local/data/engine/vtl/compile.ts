/**
 * Compiled templates: amplify-velocity-template's AST (ast.ts) compiled to JS closures
 * (statements.ts, expressions.ts) with AppSync's Velocity 1.7 semantics: Java method dispatch
 * (java.ts), `#set` of null leaves the target unchanged, null references render as their own text
 * (`$!x` as nothing), only null and `false` are false, `#return`, `#break`, `#stop`,
 * `$foreach.hasNext()` and `$velocityCount`.
 *
 * Templates are parsed and compiled once; a render allocates only its variable slots.
 */
import { parse, type Node } from './ast.js';
import { VtlCompileError } from './errors.js';
import { State, type Exec } from './runtime.js';
import { TemplateCompiler } from './statements.js';

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

export class CompiledTemplate {
  private constructor(
    readonly name: string,
    private readonly body: Exec,
    private readonly slotCount: number,
  ) {}

  /** Parses and compiles once; throws VtlCompileError with the line when it cannot. */
  static compile(name: string, source: string): CompiledTemplate {
    let ast: Node[];
    try {
      ast = parse(source);
    } catch (e) {
      const err = e as Error & { hash?: { line?: number } };
      const line = err.hash?.line !== undefined ? err.hash.line + 1 : undefined;
      const detail = err.message.split('\n').slice(1, 3).join(' ').trim() || err.message;
      throw new VtlCompileError(`parse error${line ? ` on line ${line}` : ''}: ${detail}`, line);
    }
    const c = new TemplateCompiler(source);
    const body = c.block(ast);
    return new CompiledTemplate(name, body, c.slots.size);
  }

  /** Renders with fresh variables (the globals in slots 0-2). */
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
