/**
 * A small evaluator of EventBridge event-pattern matching, for testing the patterns the stack
 * declares against sample events. It follows the EventBridge user guide, "Amazon EventBridge event
 * patterns" and "Comparison operators for use in event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * - a pattern has the event's nested structure; every field it names must match (AND);
 * - a leaf is an array of matchers, any of which may match (OR);
 * - an event field holding an array matches when any of its elements matches;
 * - matchers: exact value (string, number, boolean, null; case-sensitive), `prefix`, `suffix`,
 *   `equals-ignore-case`, `anything-but` (a value, a list, or `{ prefix }` / `{ suffix }`),
 *   `exists`, `numeric` (pairs of operator and number), and `$or` between sub-patterns.
 * There is no maintained npm implementation of EventBridge's matcher; this covers what the stack's
 * patterns and the doc's examples use, and throws on anything else rather than guess.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Pattern = { [field: string]: unknown };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const MISSING = Symbol("missing");
type Value = Json | typeof MISSING;

function numericOk(value: Value, spec: unknown): boolean {
  if (typeof value !== "number" || !Array.isArray(spec)) return false;
  for (let i = 0; i < spec.length; i += 2) {
    const [op, n] = [spec[i], spec[i + 1]];
    if (typeof n !== "number") throw new Error(`numeric: ${JSON.stringify(spec)}`);
    const ok = op === "=" ? value === n : op === ">" ? value > n : op === ">=" ? value >= n : op === "<" ? value < n : op === "<=" ? value <= n : undefined;
    if (ok === undefined) throw new Error(`numeric operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}

/** One matcher against one scalar value (never an array: the caller spreads arrays). */
function matcherOk(matcher: unknown, value: Value): boolean {
  if (!isObject(matcher)) return value !== MISSING && matcher === value;
  const keys = Object.keys(matcher);
  if (keys.length !== 1) throw new Error(`a matcher has exactly one operator: ${JSON.stringify(matcher)}`);
  const op = keys[0]!;
  const arg = matcher[op];
  switch (op) {
    case "exists":
      return (value !== MISSING) === arg;
    case "prefix":
      return typeof value === "string" && typeof arg === "string" && value.startsWith(arg);
    case "suffix":
      return typeof value === "string" && typeof arg === "string" && value.endsWith(arg);
    case "equals-ignore-case":
      return typeof value === "string" && typeof arg === "string" && value.toLowerCase() === arg.toLowerCase();
    case "numeric":
      return numericOk(value, arg);
    case "anything-but": {
      if (value === MISSING) return false;
      if (Array.isArray(arg)) return !arg.includes(value);
      if (isObject(arg)) return !matcherOk(arg, value);
      return value !== arg;
    }
    default:
      throw new Error(`unsupported matcher ${op}`);
  }
}

/** A leaf: an array of matchers (OR) against a field that may itself hold an array (any element). */
function leafOk(matchers: readonly unknown[], value: Value): boolean {
  const values: Value[] = Array.isArray(value) ? value : [value];
  // An empty array field behaves as a missing one for `exists`.
  if (values.length === 0) values.push(MISSING);
  return matchers.some((m) => values.some((v) => matcherOk(m, v)));
}

/** Whether `event` matches `pattern`. */
export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, sub]) => {
    if (field === "$or") {
      if (!Array.isArray(sub)) throw new Error("$or takes an array of patterns");
      return sub.some((p) => matchesPattern(p as Pattern, event));
    }
    const value: Value = isObject(event) && field in event ? (event[field] as Json) : MISSING;
    if (Array.isArray(sub)) return leafOk(sub, value);
    if (!isObject(sub)) throw new Error(`pattern field ${field} must be an array or an object`);
    // Nested object: an array of objects in the event matches when any element does.
    if (Array.isArray(value)) return value.some((v) => matchesPattern(sub, v));
    return matchesPattern(sub, value === MISSING ? undefined : value);
  });
}
