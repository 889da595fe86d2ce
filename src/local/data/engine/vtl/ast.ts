/**
 * The template AST amplify-velocity-template's `parse` returns (its grammar is `src/parse/velocity.yy`),
 * typed as a union of node kinds discriminated by `type`, and the parser itself.
 *
 * A template is a list of nodes: text, statements, and blocks. A block (`#if`, `#foreach`,
 * `#macro`, `#define`...) is an array whose first element is its head directive and whose rest is
 * its body, up to the matching `#end` (which the parser drops).
 */
import { createRequire } from 'node:module';

/** Source position (jison's location); set on statements only, not on expressions inside them. */
export interface Pos {
  first_line: number;
  last_line: number;
  first_column: number;
  last_column: number;
}

export type Node = string | Statement | Block;

/** A block's head directive followed by its body. */
export type Block = [BlockHead, ...Node[]];

export type Statement =
  | Reference
  | SetNode
  | ReturnNode
  | BreakNode
  | MacroCallNode
  | ElseIfNode
  | ElseNode
  | CommentNode
  | RawNode;

export type BlockHead = IfNode | ForeachNode | MacroNode | DefineNode | NoescapeNode | MacroBodyNode;

/** `$a`, `$!a`, `${a.b[0].c("x")}`. */
export interface Reference {
  type: 'references';
  id: string;
  path?: PathStep[];
  /** `$` or `$!` (silent). */
  leader: string;
  /** `${...}` (the parser's spelling). */
  isWraped?: boolean;
  /** `$id(...)`: a call on no object; ignored (the reference is `$id`). */
  args?: Expr[] | false;
  /** Set when the reference is a statement (rendered) rather than an expression. */
  prue?: boolean;
  pos?: Pos;
}

export type PathStep = PropertyStep | IndexStep | MethodStep | ContentStep;

export interface PropertyStep {
  type: 'property';
  id: string;
}

export interface IndexStep {
  type: 'index';
  id: Literal | Reference;
}

export interface MethodStep {
  type: 'method';
  id: string;
  /** `false` for `()`. */
  args: Expr[] | false;
}

/** Text after a `.` or `[` that the lexer could not read as a step. */
export interface ContentStep {
  type: 'content';
  value: string;
}

export type Expr = Reference | Literal | ListLiteral | RangeLiteral | MapLiteral | MathNode | RuntNode;

export type Literal = StringLiteral | IntegerLiteral | DecimalLiteral | BoolLiteral;

export interface StringLiteral {
  type: 'string';
  value: string;
  /** Double-quoted: references inside are interpolated. */
  isEval?: boolean;
}

export interface IntegerLiteral {
  type: 'integer';
  /** The digits as written, or a number when negative. */
  value: string | number;
}

export interface DecimalLiteral {
  type: 'decimal';
  value: number;
}

export interface BoolLiteral {
  type: 'bool';
  /** `true` or `false` as written. */
  value: string;
}

/** `[a, b]`. */
export interface ListLiteral {
  type: 'array';
  isRange?: undefined;
  value: Expr[];
}

/** `[1..$n]`; integer bounds are the bare token (digits, or a number when negative). */
export interface RangeLiteral {
  type: 'array';
  isRange: true;
  value: [RangeBound, RangeBound];
}

export type RangeBound = string | number | Reference;

/** `{"k": v}`; a key with nothing after its colon maps to undefined. */
export interface MapLiteral {
  type: 'map';
  value?: Record<string, Expr | undefined>;
}

export type MathNode = UnaryMath | BinaryMath;

export interface UnaryMath {
  type: 'math';
  operator: 'parenthesis' | 'not' | 'minus';
  expression: [Expr];
}

export type BinaryOperator = '||' | '&&' | '==' | '!=' | '>' | '<' | '>=' | '<=' | '+' | '-' | '*' | '/' | '%';

export interface BinaryMath {
  type: 'math';
  operator: BinaryOperator;
  expression: [Expr, Expr];
}

/** A bare identifier as a method argument, e.g. `$a.b(c)`. */
export interface RuntNode {
  type: 'runt';
  value: string;
}

export interface SetNode {
  type: 'set';
  equal: [Reference, Expr];
  pos?: Pos;
}

export interface ReturnNode {
  type: 'return';
  value: Expr | null;
  pos?: Pos;
}

export interface BreakNode {
  type: 'break';
  pos?: Pos;
}

/** `#name(args)`: a macro call; `#stop()` parses as one too. */
export interface MacroCallNode {
  type: 'macro_call';
  id: string;
  args?: Expr[];
  pos?: Pos;
}

export interface IfNode {
  type: 'if';
  condition: Expr;
  pos?: Pos;
}

export interface ElseIfNode {
  type: 'elseif';
  condition: Expr;
  pos?: Pos;
}

export interface ElseNode {
  type: 'else';
  pos?: Pos;
}

export interface ForeachNode {
  type: 'foreach';
  /** The loop variable's name. */
  to: string;
  from: Reference | ListLiteral | RangeLiteral;
  pos?: Pos;
}

export interface MacroNode {
  type: 'macro';
  id: string;
  args?: Reference[];
  pos?: Pos;
}

export interface DefineNode {
  type: 'define';
  id: string;
  pos?: Pos;
}

export interface NoescapeNode {
  type: 'noescape';
  pos?: Pos;
}

/** `#@name(args) body #end`. */
export interface MacroBodyNode {
  type: 'macro_body';
  id: string;
  args?: Expr[];
  pos?: Pos;
}

export interface CommentNode {
  type: 'comment';
  value: string;
}

/** `#[[text]]#`. */
export interface RawNode {
  type: 'raw';
  value: string;
}

const require = createRequire(import.meta.url);

/** Parses a template; throws jison's error (with `hash.line`, 0-based) when it cannot. */
export const parse = (require('amplify-velocity-template') as { parse: (src: string) => Node[] }).parse;
