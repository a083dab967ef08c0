/**
 * An evaluator of Azure Key Vault's Secure Key Release policy grammar, to test release policies
 * as data: does Key Vault release the key to a caller presenting an MAA token with these claims?
 *
 * Modelled on "Azure Key Vault secure key release policy grammar"
 * (https://learn.microsoft.com/azure/key-vault/keys/policy-grammar):
 * - a policy is `{ "version": "1.0.0", "anyOf": [authority, ...] }`; it releases if any authority
 *   statement holds;
 * - an authority statement `{ "authority": "<issuer>", "allOf" | "anyOf": [...] }` holds if the
 *   token's `iss` is that issuer and its conditions hold; "both aren't allowed together";
 * - `allOf` / `anyOf` are AND / OR over one or more conditions and nest;
 * - a claim condition `{ "claim": "a.b.c", "equals": v }`: dot notation navigates JSON objects,
 *   arrays cannot be addressed, values are JSON scalars ("objects aren't allowed as values"), and
 *   "if a specified claim isn't present, its condition is considered to haven't been met";
 * - "in the first iteration, the only allowed condition is equals": the other operators the EBNF
 *   lists (notEquals, less, lessOrEquals, greater, greaterOrEquals, exists) are refused here, as a
 *   policy using them would not do what its author meant;
 * - the token must carry `x-ms-runtime.keys` with an RSA key usable for encryption (key_use "enc"
 *   or key_ops containing "encrypt"): Key Vault wraps the released key to it ("Environment
 *   Assertion" and "Attestation Token Requirements" sections).
 *
 * Where the page is silent we are strict, so a test passes here only if it would pass on Azure:
 * - `equals` compares JSON type and value exactly (boolean false is not "false", "SEVSNPVM" is not
 *   "sevsnpvm");
 * - the authority matches `iss` ignoring one trailing slash only: Microsoft's CVM policy writes
 *   `https://sharedeus.eus.attest.azure.net/`, its tokens' `iss` has no slash;
 * - keys other than those of the grammar make the policy invalid (a typo must not be ignored).
 * An invalid policy throws {@link ReleasePolicySyntaxError}; a valid one yields a verdict.
 */

export class ReleasePolicySyntaxError extends Error {}

export interface ReleaseVerdict {
  /** Key Vault would release the key. */
  readonly released: boolean;
  /** Why each authority statement failed (empty when released): `<authority>: <reason>`. */
  readonly reasons: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const OPERATORS_NOT_IN_FIRST_ITERATION = ["notEquals", "less", "lessOrEquals", "greater", "greaterOrEquals", "exists"];

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(o: JsonObject, allowed: readonly string[], where: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new ReleasePolicySyntaxError(`${where}: unexpected key(s) ${extra.join(", ")}`);
}

/** Result of one condition: held, or the first reason it did not. */
type Outcome = { ok: true } | { ok: false; why: string };

function lookup(claims: JsonObject, path: string): { found: true; value: Json } | { found: false } {
  let node: Json = claims;
  for (const part of path.split(".")) {
    if (!isObject(node) || !(part in node)) return { found: false };
    node = node[part]!;
  }
  return { found: true, value: node };
}

function evalCondition(c: unknown, claims: JsonObject, where: string): Outcome {
  if (!isObject(c)) throw new ReleasePolicySyntaxError(`${where}: a condition must be an object`);
  if ("claim" in c) {
    for (const op of OPERATORS_NOT_IN_FIRST_ITERATION) {
      if (op in c) throw new ReleasePolicySyntaxError(`${where}: operator "${op}" is in the grammar but Key Vault allows only "equals" today`);
    }
    onlyKeys(c, ["claim", "equals"], where);
    const claim = c["claim"];
    if (typeof claim !== "string" || claim === "") throw new ReleasePolicySyntaxError(`${where}: claim must be a non-empty string`);
    if (!("equals" in c)) throw new ReleasePolicySyntaxError(`${where}: claim condition without "equals"`);
    const expected = c["equals"];
    if (typeof expected !== "string" && typeof expected !== "number" && typeof expected !== "boolean") {
      throw new ReleasePolicySyntaxError(`${where}: equals must be a string, number or boolean`);
    }
    const actual = lookup(claims, claim);
    if (!actual.found) return { ok: false, why: `${claim} is absent` };
    if (actual.value !== expected) return { ok: false, why: `${claim} is ${JSON.stringify(actual.value)}, not ${JSON.stringify(expected)}` };
    return { ok: true };
  }
  return evalCombinator(c, claims, where, []);
}

/** `{allOf: [...]}` or `{anyOf: [...]}`, with `extraKeys` allowed beside it (the authority). */
function evalCombinator(c: JsonObject, claims: JsonObject, where: string, extraKeys: readonly string[]): Outcome {
  const hasAll = "allOf" in c;
  const hasAny = "anyOf" in c;
  if (hasAll && hasAny) throw new ReleasePolicySyntaxError(`${where}: allOf and anyOf are not allowed together`);
  if (!hasAll && !hasAny) throw new ReleasePolicySyntaxError(`${where}: expected a claim condition, allOf or anyOf`);
  const key = hasAll ? "allOf" : "anyOf";
  onlyKeys(c, [key, ...extraKeys], where);
  const list = c[key];
  if (!Array.isArray(list) || list.length === 0) throw new ReleasePolicySyntaxError(`${where}.${key}: must be a non-empty array`);
  // Evaluate every element, so a malformed condition is reported even after a decisive one.
  const outcomes = list.map((item, i) => evalCondition(item, claims, `${where}.${key}[${i}]`));
  if (key === "allOf") return outcomes.find((o) => !o.ok) ?? { ok: true };
  if (outcomes.some((o) => o.ok)) return { ok: true };
  return { ok: false, why: `none of anyOf held (${outcomes.map((o) => (o.ok ? "" : o.why)).join("; ")})` };
}

function runtimeEncryptionKey(claims: JsonObject): boolean {
  const runtime = claims["x-ms-runtime"];
  if (!isObject(runtime) || !Array.isArray(runtime["keys"])) return false;
  return runtime["keys"].some(
    (k) => isObject(k) && k["kty"] === "RSA" && (k["key_use"] === "enc" || (Array.isArray(k["key_ops"]) && k["key_ops"].includes("encrypt"))),
  );
}

const trimSlash = (s: string): string => (s.endsWith("/") ? s.slice(0, -1) : s);

/**
 * Would Key Vault release a key with this policy to a caller presenting a token with these claims
 * (already signature-checked: we model the policy, not JWT validation)?
 */
export function evaluateReleasePolicy(policy: unknown, claims: Readonly<Record<string, unknown>>): ReleaseVerdict {
  if (!isObject(policy)) throw new ReleasePolicySyntaxError("policy: must be a JSON object");
  onlyKeys(policy, ["version", "anyOf"], "policy");
  if (policy["version"] !== "1.0.0") throw new ReleasePolicySyntaxError(`policy.version: must be "1.0.0"`);
  const authorities = policy["anyOf"];
  if (!Array.isArray(authorities) || authorities.length === 0) throw new ReleasePolicySyntaxError("policy.anyOf: must be a non-empty array of authorities");
  const tokenClaims = claims as JsonObject;
  const iss = tokenClaims["iss"];
  const reasons: string[] = [];
  let released = false;
  authorities.forEach((a, i) => {
    const where = `policy.anyOf[${i}]`;
    if (!isObject(a)) throw new ReleasePolicySyntaxError(`${where}: an authority statement must be an object`);
    const authority = a["authority"];
    if (typeof authority !== "string" || authority === "") throw new ReleasePolicySyntaxError(`${where}.authority: must be a non-empty string`);
    const outcome = evalCombinator(a, tokenClaims, where, ["authority"]);
    if (typeof iss !== "string" || trimSlash(iss) !== trimSlash(authority)) {
      reasons.push(`${authority}: the token was issued by ${JSON.stringify(iss)}`);
    } else if (!outcome.ok) {
      reasons.push(`${authority}: ${outcome.why}`);
    } else {
      released = true;
    }
  });
  if (released && !runtimeEncryptionKey(tokenClaims)) {
    return { released: false, reasons: ["the token has no RSA encryption key in x-ms-runtime.keys to wrap the released key to"] };
  }
  return released ? { released: true, reasons: [] } : { released: false, reasons };
}
