import type { PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

// Helpers of the baseline pack's rules. Rules read resource inputs as the engine hands them to
// the analyzer: plain JSON, where the AWS provider declares some booleans as strings ("true"),
// numbers may arrive as numeric strings, and anything unknown in a first preview is absent.

export type Props = Readonly<Record<string, unknown>>;

export function rec(v: unknown): Props | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Props) : undefined;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function recs(v: unknown): Props[] {
  return arr(v).flatMap((x) => (rec(x) ? [rec(x)!] : []));
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function strs(v: unknown): string[] {
  return arr(v).flatMap((x) => (typeof x === "string" ? [x] : []));
}

export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

/** A boolean, including the AWS provider's string booleans ("true"/"false"). */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** A provider resource class, as `isType` takes it. */
type AnyResourceClass = Parameters<ResourceValidationArgs["isType"]>[0];

/**
 * One validation for several resource types: the first class whose type matches runs; other
 * types are not applicable (the same `notApplicable` that validateResourceOfType raises).
 */
export function forTypes(cases: readonly (readonly [AnyResourceClass, (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void])[]): ResourceValidation {
  return (args, report) => {
    for (const [cls, validate] of cases) {
      if (args.isType(cls)) return validate(args.props as Props, args, report);
    }
    args.notApplicable(`applies to ${cases.map(([cls]) => typeToken(cls)).join(", ")}`);
  };
}

export function typeToken(cls: AnyResourceClass): string {
  const token = (cls as unknown as { __pulumiType?: unknown }).__pulumiType;
  return typeof token === "string" ? token : cls.name;
}

/** The policy's config over its defaults (the engine applies schema defaults; a direct call may not). */
export function configOf<T extends object>(args: { getConfig<U extends object>(): U }, defaults: T): T {
  return { ...defaults, ...args.getConfig<Partial<T>>() };
}

/** Whether `name` (resource name or URN) is in a list that names resources by name or URN. */
export function namedIn(list: readonly { readonly resource: string }[], name: string, urn: string): { readonly resource: string } | undefined {
  return list.find((e) => e.resource === name || e.resource === urn);
}

/** Shared schema of a "stated acceptance": which resource, and why. */
export const ACCEPTANCE_SCHEMA: PolicyConfigJSONSchema = {
  type: "array",
  items: {
    type: "object",
    properties: { resource: { type: "string", minLength: 1 }, reason: { type: "string", minLength: 10 } },
    required: ["resource", "reason"],
    additionalProperties: false,
  },
};

export interface Acceptance {
  readonly resource: string;
  readonly reason: string;
}

// ---- network sources and ports -------------------------------------------------------------

/** Sources meaning "anyone": IPv4/IPv6 any, and Azure's `*`, `Internet`, `Any` service tags. */
const WORLD = new Set(["0.0.0.0/0", "::/0", "*", "internet", "any"]);

export function isWorld(source: string): boolean {
  return WORLD.has(source.trim().toLowerCase());
}

/** An inclusive port range; all ports for "*", "", "all" or a missing value. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export function parsePortRange(v: unknown): PortRange {
  if (v === undefined || v === null) return { from: 0, to: 65535 };
  const s = String(v).trim().toLowerCase();
  if (s === "*" || s === "" || s === "all") return { from: 0, to: 65535 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return { from: 0, to: 65535 };
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
}

export function portsIn(range: PortRange, ports: readonly number[]): number[] {
  return ports.filter((p) => range.from <= p && p <= range.to);
}

export function describeRange(range: PortRange): string {
  if (range.from <= 0 && range.to >= 65535) return "all ports";
  return range.from === range.to ? `port ${range.from}` : `ports ${range.from}-${range.to}`;
}

/**
 * What an open-to-the-world ingress is allowed to reach: only the public listener ports, never
 * the admin ports. Returns the violation message, or undefined when the rule is fine.
 */
export function publicIngressProblem(source: string, range: PortRange, cfg: { publicPorts: readonly number[]; adminPorts: readonly number[] }): string | undefined {
  const admin = portsIn(range, cfg.adminPorts);
  if (admin.length > 0) return `${describeRange(range)} (admin ${admin.length > 1 ? "ports" : "port"} ${admin.join(", ")}) open to ${source}: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range`;
  if (range.to - range.from + 1 > portsIn(range, cfg.publicPorts).length && cfg.publicPorts.length === 0) return `${describeRange(range)} open to ${source}: these rules govern the hosts themselves, which take traffic from the load balancer only`;
  if (range.to - range.from + 1 > portsIn(range, cfg.publicPorts).length) return `${describeRange(range)} open to ${source}: only the load balancer's listener ports (${cfg.publicPorts.join(", ")}) may face the internet; hosts take traffic from the load balancer only`;
  return undefined;
}

export const PUBLIC_INGRESS_CONFIG: PolicyConfigSchema = {
  properties: {
    publicPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, minItems: 1, default: [80, 443], description: "Listener ports a load balancer may open to 0.0.0.0/0 or ::/0." },
    adminPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [22, 3389], description: "Ports never open to the internet (SSH, RDP)." },
  },
};
export const PUBLIC_INGRESS_DEFAULTS = { publicPorts: [80, 443] as readonly number[], adminPorts: [22, 3389] as readonly number[] };

// ---- job timeout ---------------------------------------------------------------------------

export const JOB_TIMEOUT_CONFIG: PolicyConfigSchema = {
  properties: {
    jobTimeoutSeconds: { type: "integer", minimum: 1, default: 600, description: "The proof server's job timeout; every timeout on the request path must be at least this plus 60 s." },
  },
};

/** The floor for every request-path timeout: a proof may run the whole job timeout, plus a minute for queueing and transfer. */
export function requestPathFloor(jobTimeoutSeconds: number): number {
  return jobTimeoutSeconds + 60;
}

export function floorText(jobTimeoutSeconds: number): string {
  return `${requestPathFloor(jobTimeoutSeconds)} s (jobTimeoutSeconds ${jobTimeoutSeconds} + 60)`;
}

// ---- stacks --------------------------------------------------------------------------------

/** Resources of a stack that are of one of the classes. */
export function ofClasses(resources: readonly PolicyResource[], ...classes: AnyResourceClass[]): PolicyResource[] {
  return resources.filter((r) => classes.some((c) => r.isType(c)));
}

/** Whether `a` depends on `b` (directly, as the engine records Output references and dependsOn). */
export function dependsOn(a: PolicyResource, b: PolicyResource): boolean {
  return a.dependencies.some((d) => d.urn === b.urn) || Object.values(a.propertyDependencies).some((deps) => deps.some((d) => d.urn === b.urn));
}

/**
 * Whether a reference (an ARN, id or self link) names `r`: its explicit name, or an auto-name
 * (`<logical name>-<suffix>`) as the engine derives it. Used where a stack policy must link two
 * resources and the engine gave no dependency (a reference built from a string).
 */
export function referencesByName(ref: string, r: PolicyResource, nameProps: readonly string[] = ["name"], ignoreCase = false): boolean {
  const fold = (x: string) => (ignoreCase ? x.toLowerCase() : x);
  const segments = fold(ref).split(/[/:]/);
  const logical = fold(r.name);
  const explicit = nameProps.map((p) => str(r.props[p])).filter((n): n is string => n !== undefined).map(fold);
  if (explicit.length > 0) return explicit.some((n) => segments.includes(n));
  const prefix = str(r.props["namePrefix"]);
  if (prefix !== undefined) return segments.some((s) => s.startsWith(fold(prefix)));
  // Auto-names: the logical name and a random suffix (with or without a dash, per provider).
  return segments.some((s) => s === logical || (s.startsWith(logical) && /^-?[a-z0-9]{7,8}$/.test(s.slice(logical.length))));
}

/**
 * The message for a request-path timeout below the floor, or undefined when it is long enough.
 * `fallback` is the cloud's default when the program leaves the setting out.
 */
export function timeoutProblem(setting: string, value: number | undefined, fallback: number, jobTimeoutSeconds: number, unit: "s" | "min" = "s"): string | undefined {
  const seconds = (value ?? fallback) * (unit === "min" ? 60 : 1);
  if (seconds >= requestPathFloor(jobTimeoutSeconds)) return undefined;
  const shown = `${value ?? fallback} ${unit}`;
  return `${setting} is ${shown}${value === undefined ? " (the default)" : ""}; every timeout on the request path must be at least ${floorText(jobTimeoutSeconds)}`;
}
