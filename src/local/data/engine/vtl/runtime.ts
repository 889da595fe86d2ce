/**
 * What compiled templates run against: the render state, the closure types the compiler produces,
 * the values `#define` and `$foreach` bind, and Velocity's operators on template values.
 */
import { Host, javaString } from './java_values.js';

/** One render's output, control flags and variable slots. */
export class State {
  out = '';
  stop = false;
  brk = false;
  returned = false;
  value: unknown = null;
  constructor(readonly v: unknown[]) {}
}

/** A compiled statement: appends to `st.out` or sets flags. */
export type Exec = (st: State) => void;
/** A compiled expression: its value (undefined for a missing reference). */
export type Eval = (st: State) => unknown;

/** `#define` blocks are values that render their body when referenced. */
export class DefineBlock extends Host {
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

/** `$foreach` inside a loop. */
export class ForeachInfo extends Host {
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

/** `>`, `<`, `>=`, `<=`: numbers and strings compare; anything else is false. */
export function compare(op: '>' | '<' | '>=' | '<=', x: unknown, y: unknown): boolean {
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

/** `+`: numbers add, a string on either side concatenates, null otherwise. */
export function add(x: unknown, y: unknown): unknown {
  if (x === null || x === undefined || y === null || y === undefined) return null;
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  if (typeof x === 'string' || typeof y === 'string') return javaString(x) + javaString(y);
  return null;
}

/** `-`, `*`, `/`, `%` on numbers (integer division for integers); null otherwise or on division by zero. */
export function arithmetic(op: '-' | '*' | '/' | '%', x: unknown, y: unknown): unknown {
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
