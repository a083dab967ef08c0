/**
 * A small evaluator of the subset of the Cloud Logging query language the stack's log-match
 * conditions use, for testing them against sample audit log entries. It follows "Logging query
 * language" (https://cloud.google.com/logging/docs/view/logging-query-language):
 * - `field OP value`, OP one of `=`, `!=`, `:` (has: substring), `=~` / `!~` (RE2 regular expression,
 *   searched anywhere in the value unless anchored), `<`, `<=`, `>`, `>=` (numbers);
 * - string comparisons with `=`, `!=` and `:` are not case-sensitive; regular expressions are;
 * - `NOT` (or `-`) binds tightest; then OR, then AND: `"a" OR NOT "b" AND NOT "c" OR "d"` means
 *   `("a" OR (NOT "b")) AND ((NOT "c") OR "d")` (the doc's own example); two comparisons side by side
 *   are joined by AND; parentheses group;
 * - a comparison on a missing field is false (so `NOT` of it is true); a repeated field matches
 *   when any element does.
 * Global (field-less) restrictions and functions are not supported: they throw.
 */

type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; inner: Node }
  | { kind: "cmp"; field: string; op: string; value: string };

const OPS = ["=~", "!~", "!=", ">=", "<=", "=", ":", "<", ">"] as const;

function tokenize(filter: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "(" || c === ")") { tokens.push(c); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < filter.length && filter[j] !== '"') {
        if (filter[j] === "\\") { s += filter[j + 1]; j += 2; continue; }
        s += filter[j];
        j++;
      }
      if (j >= filter.length) throw new Error(`unterminated string in ${filter}`);
      tokens.push(`"${s}`); // a leading quote marks a string token
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => filter.startsWith(o, i));
    if (op) { tokens.push(op); i += op.length; continue; }
    let j = i;
    while (j < filter.length && !/[\s()"]/.test(filter[j]!) && !OPS.some((o) => filter.startsWith(o, j))) j++;
    tokens.push(filter.slice(i, j));
    i = j;
  }
  return tokens;
}

export function parseFilter(filter: string): Node {
  const tokens = tokenize(filter);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`unexpected end of ${filter}`);
    return t;
  };
  // and := or { ["AND"] or }   (AND binds loosest; juxtaposition is AND)
  const and = (): Node => {
    let left = or();
    while (peek() !== undefined && peek() !== ")") {
      if (peek() === "AND") pos++;
      left = { kind: "and", left, right: or() };
    }
    return left;
  };
  const or = (): Node => {
    let left = not();
    while (peek() === "OR") {
      pos++;
      left = { kind: "or", left, right: not() };
    }
    return left;
  };
  const not = (): Node => {
    if (peek() === "NOT" || peek() === "-") {
      pos++;
      return { kind: "not", inner: not() };
    }
    return primary();
  };
  const primary = (): Node => {
    const t = next();
    if (t === "(") {
      const inner = and();
      if (next() !== ")") throw new Error(`expected ) in ${filter}`);
      return inner;
    }
    if (t.startsWith('"')) throw new Error(`global restrictions are not supported: ${t.slice(1)}`);
    const op = next();
    if (!(OPS as readonly string[]).includes(op)) throw new Error(`expected an operator after ${t}, got ${op}`);
    const v = next();
    if (v === "(" ) throw new Error("value lists are not supported");
    return { kind: "cmp", field: t, op, value: v.startsWith('"') ? v.slice(1) : v };
  };
  const node = and();
  if (pos !== tokens.length) throw new Error(`trailing input in ${filter}: ${tokens.slice(pos).join(" ")}`);
  return node;
}

function valuesAt(entry: unknown, path: string): unknown[] {
  let current: unknown[] = [entry];
  for (const key of path.split(".")) {
    current = current.flatMap((v) => {
      if (v === null || typeof v !== "object") return [];
      const child = (v as Record<string, unknown>)[key];
      if (child === undefined) return [];
      return Array.isArray(child) ? child : [child];
    });
  }
  return current;
}

function compare(actual: unknown, op: string, expected: string): boolean {
  if (actual === null || typeof actual === "object") return false;
  const text = String(actual);
  switch (op) {
    case "=":
      return text.toLowerCase() === expected.toLowerCase();
    case "!=":
      return text.toLowerCase() !== expected.toLowerCase();
    case ":":
      return text.toLowerCase().includes(expected.toLowerCase());
    case "=~":
      return new RegExp(expected).test(text);
    case "!~":
      return !new RegExp(expected).test(text);
    default: {
      const [a, b] = [Number(text), Number(expected)];
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
  }
}

function evaluate(node: Node, entry: unknown): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, entry) && evaluate(node.right, entry);
    case "or":
      return evaluate(node.left, entry) || evaluate(node.right, entry);
    case "not":
      return !evaluate(node.inner, entry);
    case "cmp":
      return valuesAt(entry, node.field).some((v) => compare(v, node.op, node.value));
  }
}

/** Whether a log entry matches the filter. */
export function matchesFilter(filter: string, entry: unknown): boolean {
  return evaluate(parseFilter(filter), entry);
}

/** The parse tree in prefix form, for testing precedence: (AND (OR a (NOT b)) ...). */
export function shape(filter: string): string {
  const show = (n: Node): string =>
    n.kind === "cmp" ? `${n.field}${n.op}${n.value}` : n.kind === "not" ? `(NOT ${show(n.inner)})` : `(${n.kind.toUpperCase()} ${show(n.left)} ${show(n.right)})`;
  return show(parseFilter(filter));
}
