/** The expression syntax tree. Every node carries `pos`: the 0-based offset of its first character (column = pos + 1). */

/** A primitive type name. */
export type PrimitiveName = 'boolean' | 'byte' | 'char' | 'short' | 'int' | 'long' | 'float' | 'double';

/** A type written in a cast, instanceof or class literal: a primitive or a (possibly qualified) class name, with array dimensions. */
export interface TypeRef {
  /** `int`, `String`, `java.util.List`, `Map.Entry`. */
  name: string;
  dims: number;
  pos: number;
}

/** A literal; `value` is a number for int/float/double/char (char as its UTF-16 code), a bigint for long. */
export type Literal =
  | { kind: 'literal'; type: 'int' | 'float' | 'double' | 'char'; value: number; pos: number }
  | { kind: 'literal'; type: 'long'; value: bigint; pos: number }
  | { kind: 'literal'; type: 'string'; value: string; pos: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean; pos: number }
  | { kind: 'literal'; type: 'null'; value: null; pos: number };

/** A simple name: a local, a field of `this`, a class or the first part of a package. */
export interface NameExpr {
  kind: 'name';
  name: string;
  pos: number;
}

/** `this`. */
export interface ThisExpr {
  kind: 'this';
  pos: number;
}

/** `target.name`: a field, an array's length, a nested class or a package member. */
export interface FieldExpr {
  kind: 'field';
  target: Expr;
  name: string;
  /** Offset of the name after the dot. */
  namePos: number;
  pos: number;
}

/** `target[index]`. */
export interface IndexExpr {
  kind: 'index';
  target: Expr;
  index: Expr;
  pos: number;
}

/** `name(args)` or `target.name(args)`. */
export interface CallExpr {
  kind: 'call';
  target?: Expr;
  name: string;
  namePos: number;
  args: Expr[];
  pos: number;
}

/** A unary operator: `-x`, `+x`, `!b`, `~i`. */
export interface UnaryExpr {
  kind: 'unary';
  op: '-' | '+' | '!' | '~';
  operand: Expr;
  pos: number;
}

/** A binary operator. */
export type BinaryOp = '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '<<' | '>>' | '>>>' | '+' | '-' | '*' | '/' | '%';

/** `left op right`; `opPos` is the operator's offset. */
export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  opPos: number;
  pos: number;
}

/** `test ? then : otherwise`. */
export interface ConditionalExpr {
  kind: 'conditional';
  test: Expr;
  then: Expr;
  otherwise: Expr;
  pos: number;
}

/** `expr instanceof Type`. */
export interface InstanceOfExpr {
  kind: 'instanceof';
  expr: Expr;
  type: TypeRef;
  pos: number;
}

/** `(Type) expr`. */
export interface CastExpr {
  kind: 'cast';
  type: TypeRef;
  expr: Expr;
  pos: number;
}

/** `Type.class`. */
export interface ClassLiteralExpr {
  kind: 'classLiteral';
  type: TypeRef;
  pos: number;
}

/** `(expr)`, kept so positions and casts stay exact. */
export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  pos: number;
}

/** Any expression node. */
export type Expr =
  | Literal | NameExpr | ThisExpr | FieldExpr | IndexExpr | CallExpr | UnaryExpr | BinaryExpr | ConditionalExpr
  | InstanceOfExpr | CastExpr | ClassLiteralExpr | ParenExpr;

/** A parsed expression with its source. */
export interface ParsedExpression {
  source: string;
  root: Expr;
}
