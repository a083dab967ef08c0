/**
 * Values left from an example: the shipped stack files and README carry them where a value is
 * account-specific (an account id, a bucket, a certificate, a domain). dev and staging accept them
 * (the offline plan runs with them); prod refuses them, because `pulumi up` would either fail late
 * at the cloud or, worse, succeed against someone else's name (an `example-` bucket anyone can
 * create). docs/environments.md lists the patterns.
 */

/** One value that looks like a placeholder, and why. */
export interface PlaceholderFinding {
  /** The config key as `pulumi config set --path` spells it (`aws.certificateArn`, `alarms.P0.emails[0]`). */
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

/** Account ids AWS documentation and examples use; 000000000000 is no account at all. */
const EXAMPLE_AWS_ACCOUNTS = ["123456789012", "000000000000"];

/** RFC 2606 / RFC 6761 reserve these second-level domains for documentation. */
const EXAMPLE_DOMAIN = /(^|[.@/])example\.(com|org|net)(\b|$)/i;

/** Why `value` looks like a placeholder, or undefined. */
export function placeholderReason(value: string): string | undefined {
  if (/placeholder/i.test(value)) return "it says PLACEHOLDER";
  if (/(^|[^0-9a-f])0{8}-0{4}-0{4}-0{4}-0{10}[0-9a-f]{2}([^0-9a-f]|$)/i.test(value)) return "an all-zero UUID (or one counting up from zero) is an example id";
  for (const account of EXAMPLE_AWS_ACCOUNTS) {
    if (new RegExp(`(^|[^0-9])${account}([^0-9]|$)`).test(value)) return `${account} is an example AWS account id`;
  }
  if (/sha256:0{64}/.test(value) || /(^|[^0-9a-f])0{32,}([^0-9a-f]|$)/i.test(value)) return "an all-zero digest is an example value";
  if (/^(ami|vpc|subnet|sg)-0+$/.test(value)) return "an all-zero resource id is an example value";
  // A Cloud Billing account (000000-000000-000000) or any other id of zero groups.
  if (/^0+(-0+)+$/.test(value)) return "an all-zero id is an example value";
  if (EXAMPLE_DOMAIN.test(value)) return "example.com, example.org and example.net are reserved for documentation (RFC 2606)";
  // An `example-` name: a bucket, project, vault or role copied from the examples. Only where a
  // name starts (the value's start, after `/`, `@`, `.`, `:` or `=`), so `team-example-svc` passes.
  if (/(^|[/@.:=])example-/i.test(value)) return "an example- name is copied from the examples";
  return undefined;
}

function keyPath(parent: string, part: string | number): string {
  if (typeof part === "number") return `${parent}[${part}]`;
  return parent ? `${parent}.${part}` : part;
}

/**
 * Every string in `values` (a stack's fully-qualified config, `namespace:key` -> parsed value)
 * that looks like a placeholder. Project keys are reported without the namespace, provider keys
 * (`aws:region`) with it. `skip` lists keys whose values are known stand-ins (the library front
 * door's substitutes for unresolved Inputs), checked again once real.
 */
export function findPlaceholders(values: Readonly<Record<string, unknown>>, project: string, skip: ReadonlySet<string> = new Set()): PlaceholderFinding[] {
  const found: PlaceholderFinding[] = [];
  const walk = (value: unknown, key: string): void => {
    if (skip.has(key)) return;
    if (typeof value === "string") {
      const reason = placeholderReason(value);
      if (reason) found.push({ key, value, reason });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, keyPath(key, i)));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, keyPath(key, k));
    }
  };
  for (const [fullKey, value] of Object.entries(values)) {
    walk(value, fullKey.startsWith(`${project}:`) ? fullKey.slice(project.length + 1) : fullKey);
  }
  return found;
}

/**
 * The offline plan's marker. The plan engine (src/plan/engine.ts) sets it on `globalThis` when it
 * installs Pulumi's mocks; nothing else does, and no environment variable can. Under it, a prod
 * stack's placeholders are collected for the plan's finding instead of refused: the shipped prod
 * stack files must plan in this repository, where their account-specific values can only be
 * placeholders. A real `pulumi up` / `preview` never runs the plan engine, so it always refuses.
 */
export const OFFLINE_PLAN_MARKER: unique symbol = Symbol.for("tee-prover-infra.offline-plan");

export interface OfflinePlanMarker {
  /** Placeholders a prod stack would be refused for, by key (several validations see the same key). */
  readonly placeholders: Map<string, PlaceholderFinding>;
}

type MarkedGlobal = typeof globalThis & { [OFFLINE_PLAN_MARKER]?: OfflinePlanMarker };

export function offlinePlanMarker(): OfflinePlanMarker | undefined {
  const marker = (globalThis as MarkedGlobal)[OFFLINE_PLAN_MARKER];
  return marker && marker.placeholders instanceof Map ? marker : undefined;
}

/** Removes the marker (the plan engine, when its run ends; see OFFLINE_PLAN_MARKER). */
export function clearOfflinePlanMarker(): void {
  delete (globalThis as MarkedGlobal)[OFFLINE_PLAN_MARKER];
}

/** Set by the plan engine only (see OFFLINE_PLAN_MARKER); returns the marker. */
export function markOfflinePlan(): OfflinePlanMarker {
  const existing = offlinePlanMarker();
  if (existing) return existing;
  const marker: OfflinePlanMarker = { placeholders: new Map() };
  (globalThis as MarkedGlobal)[OFFLINE_PLAN_MARKER] = marker;
  return marker;
}

/** What the offline plan adds for the placeholders it collected: a line first in the text, a `placeholders` entry in the JSON. */
export function withPlaceholderFinding<P extends object>(plan: P, findings: readonly PlaceholderFinding[]): { text: string; json: P | (P & { placeholders: { summary: string; values: PlaceholderFinding[] } }) } {
  const summary = placeholderFindingText(findings);
  if (!summary) return { text: "", json: plan };
  return { text: `!! ${summary}\n\n`, json: { ...plan, placeholders: { summary, values: [...findings] } } };
}

/** The plan's sentence for the finding, or undefined when there is none. */
export function placeholderFindingText(findings: readonly PlaceholderFinding[]): string | undefined {
  if (findings.length === 0) return undefined;
  const list = findings.map((f) => `${f.key}=${/\s/.test(f.value) ? JSON.stringify(f.value) : f.value}`).join(" ");
  return `pulumi up refuses this stack until these ${findings.length} value${findings.length === 1 ? " is" : "s are"} replaced: ${list}`;
}
