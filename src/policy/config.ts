import * as fs from "node:fs";
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import type { PolicyConfigJSONSchema, PolicyConfigJSONSchemaDefinition } from "@pulumi/policy/schema";

// Policy configuration exactly as the engine builds it (pulumi/pulumi pkg/resource/analyzer/config.go:
// ReconcilePolicyPackConfig): each policy's configSchema defaults and its own enforcement level (else
// the pack's, else advisory: @pulumi/policy protoutil makeAnalyzerInfo), then the pack's initialConfig,
// then the config file of `--policy-pack-config`; in each layer "all" first (its enforcement level
// only), then the per-policy entries, property by property; then every policy's properties are
// validated against its schema. File format: https://www.pulumi.com/docs/iac/packages-and-automation/crossguard/configuration/
// ({"all": "mandatory", "<policy>": "advisory" | {"enforcementLevel": ..., <props>}}).

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** One policy's entry after parsing: an enforcement level, properties, or both. */
export interface PolicyConfigEntry {
  readonly enforcementLevel?: EnforcementLevel;
  readonly properties?: Record<string, unknown>;
}

/** A policy's effective configuration: what the engine hands the analyzer in Configure. */
export interface EffectivePolicyConfig {
  readonly enforcementLevel: EnforcementLevel;
  /** What `args.getConfig()` returns. */
  readonly properties: Record<string, unknown>;
}

/** The config file (or initialConfig) is malformed, or the merged config breaks a policy's schema. */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

function isLevel(v: unknown): v is EnforcementLevel {
  return typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses a policy pack config document as the CLI parses `--policy-pack-config` (config.go
 * parsePolicyPackConfig): a string value is an enforcement level, an object may carry
 * `enforcementLevel` beside its properties, anything else is refused; empty entries are dropped.
 */
export function parsePolicyPackConfig(doc: unknown, source: string): Record<string, PolicyConfigEntry> {
  if (doc === undefined || doc === null) return {};
  if (!isRecord(doc)) throw new PolicyConfigError(`${source}: the policy pack config must be a JSON object of policy name -> level or object`);
  const out: Record<string, PolicyConfigEntry> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value === "string") {
      if (!isLevel(value)) throw new PolicyConfigError(`${source}: parsing enforcement level for "${name}": "${value}" is not a valid enforcement level (one of ${ENFORCEMENT_LEVELS.join(", ")})`);
      out[name] = { enforcementLevel: value };
      continue;
    }
    if (!isRecord(value)) throw new PolicyConfigError(`${source}: parsing "${name}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
    const { enforcementLevel, ...properties } = value;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) throw new PolicyConfigError(`${source}: parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level (one of ${ENFORCEMENT_LEVELS.join(", ")})`);
    const entry: PolicyConfigEntry = { ...(enforcementLevel !== undefined ? { enforcementLevel } : {}), ...(Object.keys(properties).length > 0 ? { properties } : {}) };
    if (entry.enforcementLevel !== undefined || entry.properties !== undefined) out[name] = entry;
  }
  return out;
}

/** What the engine knows of one policy (from the pack's analyzer info). */
export interface PolicyInfo {
  readonly name: string;
  readonly enforcementLevel?: EnforcementLevel;
  readonly configSchema?: { readonly properties: Record<string, PolicyConfigJSONSchemaDefinition>; readonly required?: readonly string[] };
}

function applyLayer(result: Map<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>, layer: Record<string, PolicyConfigEntry>): void {
  const all = layer["all"];
  if (all?.enforcementLevel) for (const entry of result.values()) entry.enforcementLevel = all.enforcementLevel;
  for (const [name, given] of Object.entries(layer)) {
    // The engine also files an entry under "all" and under unknown names; no policy reads them.
    const entry = result.get(name);
    if (!entry) continue;
    if (given.enforcementLevel) entry.enforcementLevel = given.enforcementLevel;
    Object.assign(entry.properties, given.properties ?? {});
  }
}

/**
 * The effective config of every policy in a pack, merged and validated as the engine does.
 * Throws PolicyConfigError listing every schema violation as `<policy>: <problem>`.
 */
export function reconcilePolicyConfig(policies: readonly PolicyInfo[], packLevel: EnforcementLevel | undefined, initialConfig: PolicyPackConfig | undefined, fileConfig: Record<string, PolicyConfigEntry>): Map<string, EffectivePolicyConfig> {
  const result = new Map<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>();
  for (const p of policies) {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) if (typeof schema === "object" && schema.default !== undefined) defaults[key] = structuredClone(schema.default);
    result.set(p.name, { enforcementLevel: p.enforcementLevel ?? packLevel ?? "advisory", properties: defaults });
  }
  if (initialConfig) applyLayer(result, parsePolicyPackConfig(initialConfig, "the pack's initialConfig"));
  applyLayer(result, fileConfig);
  const problems: string[] = [];
  for (const p of policies) {
    if (!p.configSchema) continue;
    const schema: PolicyConfigJSONSchema = { type: "object", properties: p.configSchema.properties, ...(p.configSchema.required ? { required: [...p.configSchema.required] } : {}) };
    for (const problem of validateJsonSchema(schema, result.get(p.name)!.properties, "")) problems.push(`${p.name}: ${problem}`);
  }
  if (problems.length > 0) throw new PolicyConfigError(`policy pack config is invalid:\n  ${problems.join("\n  ")}`);
  return result;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/**
 * A small JSON-schema check for the keywords policy config schemas use (type, enum, const,
 * minimum/maximum, minLength/maxLength, pattern, items, minItems/maxItems, uniqueItems, properties,
 * required, additionalProperties). The engine uses gojsonschema; a keyword not handled here is
 * ignored, never guessed, and docs/policy-packs.md says so.
 */
export function validateJsonSchema(schema: PolicyConfigJSONSchemaDefinition, value: unknown, at: string): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at || "(root)"}: no value is allowed`];
  const where = at || "(root)";
  const out: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.some((t) => t === actual || (t === "number" && actual === "integer"))) return [`${where}: invalid type, expected ${types.join(" or ")}, given ${actual}`];
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) out.push(`${where}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) out.push(`${where}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${where}: must be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${where}: must be less than or equal to ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) out.push(`${where}: must be greater than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) out.push(`${where}: must be less than ${schema.exclusiveMaximum}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${where}: string length must be greater than or equal to ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${where}: string length must be less than or equal to ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) out.push(`${where}: does not match pattern ${JSON.stringify(schema.pattern)}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${where}: array must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${where}: array must have at most ${schema.maxItems} items`);
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) out.push(`${where}: array items must be unique`);
    const items = schema.items;
    if (items !== undefined && !Array.isArray(items)) value.forEach((v, i) => out.push(...validateJsonSchema(items, v, `${at}[${i}]`)));
  }
  if (isRecord(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) out.push(`${at ? `${at}: ` : ""}${key} is required`);
    for (const [key, v] of Object.entries(value)) {
      const child = `${at ? `${at}.` : ""}${key}`;
      const propSchema = schema.properties?.[key];
      if (propSchema !== undefined) out.push(...validateJsonSchema(propSchema, v, child));
      else if (schema.additionalProperties !== undefined) out.push(...(schema.additionalProperties === false ? [`${child}: additional property not allowed`] : validateJsonSchema(schema.additionalProperties, v, child)));
    }
  }
  return out;
}

/** Reads a `--policy-pack-config` file (JSON, the format `pulumi preview --policy-pack-config` takes). */
export function readPolicyPackConfigFile(file: string): Record<string, PolicyConfigEntry> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyConfigError(`--policy-pack-config ${file}: cannot read it (${e instanceof Error ? e.message : String(e)})`);
  }
  // The CLI accepts an empty file as no config.
  if (text.trim() === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(`--policy-pack-config ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parsePolicyPackConfig(doc, `--policy-pack-config ${file}`);
}
