import { gunzipSync } from "node:zlib";
import type { PlanPolicy } from "../policy/verdict";
import { isSecretMarker, SECRET_MARKER, type PlanResource } from "./inputs";
import type { PlanTreeNode } from "./report";

/**
 * `npm run plan -- <stack> --diff <base.json>` (docs/offline-plan.md, "Diff"): two offline plans
 * compared resource by resource and input by input. Policy documents are compared as parsed JSON
 * (IAM/KMS statements matched by Sid), user data / custom data as decoded scripts, line by line;
 * secrets are never shown. Offline nothing is compared with deployed state: a change that may
 * replace a resource is said to, to be confirmed with `pulumi preview`.
 */

/** GitHub refuses an issue or pull-request comment longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Default room for one diff: the limit less what the workflow wraps around it. */
export const DEFAULT_MAX_CHARS = 60_000;

/** What a diff reads from a plan: every JSON plan, including one written before plans carried inputs. */
export interface DiffablePlan {
  readonly stack: string;
  readonly resources?: readonly PlanResource[];
  readonly tree?: readonly PlanTreeNode[];
  readonly secretConfig?: Readonly<Record<string, string>>;
  readonly secretKeys?: readonly string[];
  readonly policy?: PlanPolicy;
}

export type PropertyChange =
  | { readonly kind: "value"; readonly path: string; readonly before?: unknown; readonly after?: unknown }
  /** Only that it changed: neither value is ever shown. */
  | { readonly kind: "secret"; readonly path: string; readonly change: "changed" | "added" | "removed" | "made secret" | "no longer secret" }
  | { readonly kind: "script"; readonly path: string; readonly added: number; readonly removed: number; readonly lines: string[] };

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
}

export interface ResourceChange extends ResourceRef {
  readonly changes: PropertyChange[];
  /** Why the change may replace the resource (offline we cannot know: `pulumi preview` decides). */
  readonly mayReplace: string[];
  /** Protection this change removes (`protect`, deletion protection inputs...). */
  readonly protectionRemoved: string[];
}

export interface PolicyComparison {
  readonly head: string;
  readonly base: string;
  readonly refused: boolean;
  /** Violations in the head plan that the base plan did not have. */
  readonly newViolations: string[];
  /** How many of the base plan's violations are gone. */
  readonly resolved: number;
}

export interface PlanDiff {
  readonly stack: string;
  readonly policy: PolicyComparison;
  readonly added: Array<ResourceRef & { readonly inputs?: Record<string, unknown> }>;
  readonly removed: Array<ResourceRef & { readonly protect: boolean; readonly retainOnDelete: boolean }>;
  readonly changed: ResourceChange[];
  /** `secure:` config keys whose ciphertext changed, appeared or went. */
  readonly secretConfig: Array<{ readonly key: string; readonly change: "may have changed" | "added" | "removed" }>;
  /** Secret inputs present in both plans without a fingerprint: a change to them cannot be seen. */
  readonly uncomparedSecrets: number;
  /** False when the base plan was written before plans carried inputs: only added and removed are known. */
  readonly baseHasInputs: boolean;
}

// ---------------------------------------------------------------------------------------------
// Replacement and protection: what a reviewer must see first.

/**
 * Inputs whose change makes the provider replace the resource, per type (a short table, not the
 * providers' whole schema). Sources: the AWS and Google providers' docs mark these "Changing this
 * forces a new resource" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs,
 * https://registry.terraform.io/providers/hashicorp/google/latest/docs), which the Pulumi bridge
 * turns into replacements; GCP instance templates cannot be updated at all ("Instance Templates
 * cannot be updated after creation with the Google Cloud Platform API",
 * https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance_template); an Azure resource's name, group and location are part of its ARM id.
 */
const REPLACED_BY: Readonly<Record<string, readonly string[]>> = {
  "aws:ec2/vpc:Vpc": ["cidrBlock"],
  "aws:ec2/subnet:Subnet": ["cidrBlock", "vpcId", "availabilityZone"],
  "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
  "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
  "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix", "port", "protocol", "vpcId", "targetType"],
  "aws:kms/key:Key": ["keyUsage", "customerMasterKeySpec", "multiRegion"],
  "aws:iam/role:Role": ["name", "namePrefix", "path"],
  "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
  "aws:autoscaling/group:Group": ["name", "namePrefix"],
  "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
  "gcp:compute/instanceTemplate:InstanceTemplate": ["*"],
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": ["name", "region"],
  "gcp:compute/globalAddress:GlobalAddress": ["name", "address", "addressType"],
  "gcp:compute/instance:Instance": ["name", "zone", "bootDisk.initializeParams"],
  "gcp:serviceaccount/account:Account": ["accountId", "project"],
  "gcp:kms/cryptoKey:CryptoKey": ["name", "keyRing"],
  "gcp:secretmanager/secret:Secret": ["secretId", "replication"],
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["workloadIdentityPoolId", "project"],
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": ["workloadIdentityPoolId", "workloadIdentityPoolProviderId"],
};
/** Azure: the name argument, the group and the location are part of the resource's ARM id. */
const AZURE_ID_INPUTS = ["location", "resourceGroupName", "vmScaleSetName", "virtualNetworkName", "subnetName", "loadBalancerName", "applicationGatewayName", "vaultName", "keyName", "networkSecurityGroupName", "publicIpAddressName", "natGatewayName", "resourceName", "workspaceName", "policyName", "ruleName", "actionGroupName", "roleAssignmentName"];

function replacedBy(type: string): readonly string[] {
  if (type.startsWith("azure-native:")) return AZURE_ID_INPUTS;
  return REPLACED_BY[type] ?? [];
}

function under(path: string, prefix: string): boolean {
  return prefix === "*" || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Inputs that guard against deletion when true (names as the AWS, GCP and Azure providers spell them). */
const GUARDS = new Set(["enableDeletionProtection", "deletionProtection", "enablePurgeProtection", "preventDestroy", "disableApiTermination", "terminationProtection"]);
/** Inputs that make deletion destroy more when true. */
const FORCES = new Set(["forceDestroy", "forceDelete"]);

function lastKey(path: string): string {
  const m = /([A-Za-z0-9_-]+)(?:\[[^\]]*\])*$/.exec(path);
  return m?.[1] ?? path;
}

function protectionRemovedBy(c: PropertyChange): string | undefined {
  if (c.kind !== "value") return undefined;
  const key = lastKey(c.path);
  if (GUARDS.has(key) && c.before === true && c.after !== true) return `${c.path}: true -> ${c.after === undefined ? "absent" : JSON.stringify(c.after)}`;
  if (FORCES.has(key) && c.before !== true && c.after === true) return `${c.path}: now true`;
  if (key === "deletionWindowInDays" && typeof c.before === "number" && (typeof c.after !== "number" || c.after < c.before)) return `${c.path}: ${c.before} -> ${c.after === undefined ? "default" : String(c.after)} days`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Comparing values by meaning.

/** Inputs holding a boot script: compared line by line once decoded. */
const SCRIPT_KEYS = new Set(["userData", "userDataBase64", "customData", "user-data", "startup-script", "metadataStartupScript"]);
/** Array elements are matched by the first of these fields every element has, unique (Sid for IAM/KMS statements, role for GCP bindings). */
const MATCH_FIELDS = ["Sid", "role", "name", "id", "key"];

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A string that holds JSON (directly, or base64/base64url as Azure's key release policy does): parsed, else undefined. */
function embeddedJson(s: string): unknown {
  const t = s.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return undefined;
    }
  }
  if (t.length >= 16 && BASE64.test(t)) {
    const decoded = Buffer.from(t, t.includes("-") || t.includes("_") ? "base64url" : "base64").toString("utf8").trim();
    if (decoded.startsWith("{")) {
      try {
        return JSON.parse(decoded) as unknown;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A boot script as the resource carries it, decoded: AWS launch templates take base64 (ours is
 * gzip inside, components/aws/fleet.ts), Azure customData base64 (components/azure/fleet.ts), GCP
 * metadata `user-data` plain text (components/gcp/prober.ts). A MIME multipart document (cloud-init
 * accepts one) is split into its parts, each decoded.
 */
export function decodeScript(value: string): string {
  let text = value;
  const compact = value.replace(/\s+/g, "");
  if (compact.length >= 8 && compact.length % 4 === 0 && BASE64.test(compact)) {
    const bytes = Buffer.from(compact, "base64");
    const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    const decoded = raw.toString("utf8");
    // Only text counts as decoded: a plain script that happens to be base64-shaped stays as it is.
    if (!/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(decoded)) text = decoded;
  }
  return splitMime(text);
}

function splitMime(text: string): string {
  const boundary = /^Content-Type:\s*multipart\/[a-z]+;[^\n]*boundary="?([^"\s;]+)"?/im.exec(text)?.[1];
  if (!boundary) return text;
  const parts = text.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith("--"));
  return parts
    .map((part, i) => {
      const [head = "", ...rest] = part.replace(/^\r?\n/, "").split(/\r?\n\r?\n/);
      let body = rest.join("\n\n");
      if (/^Content-Transfer-Encoding:\s*base64/im.test(head)) {
        const bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
        body = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
      }
      const type = /^Content-Type:\s*([^;\r\n]+)/im.exec(head)?.[1] ?? "text/plain";
      return `# --- MIME part ${i + 1} (${type}) ---\n${body.replace(/\s+$/, "")}`;
    })
    .join("\n");
}

/** Lines removed (`-`) and added (`+`) with two lines of context, `@@ line N @@` per hunk. */
export function lineDiff(before: string, after: string): { added: number; removed: number; lines: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  type Op = { readonly op: " " | "-" | "+"; readonly line: string; readonly at: number };
  const ops: Op[] = [];
  if (midA.length * midB.length <= 4_000_000) {
    // Longest common subsequence over the part that differs (scripts are a few hundred lines).
    const n = midA.length;
    const m = midB.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) ops.push({ op: " ", line: midA[i++]!, at: start + j++ });
      // Removed lines before added ones, as unified diffs show them.
      else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ op: "-", line: midA[i++]!, at: start + j });
      else ops.push({ op: "+", line: midB[j]!, at: start + j++ });
    }
  } else {
    ops.push(...midA.map((line): Op => ({ op: "-", line, at: start })), ...midB.map((line, k): Op => ({ op: "+", line, at: start + k })));
  }
  const context = 2;
  const all: Op[] = [...a.slice(Math.max(0, start - context), start).map((line, k): Op => ({ op: " ", line, at: Math.max(0, start - context) + k })), ...ops, ...b.slice(endB, endB + context).map((line, k): Op => ({ op: " ", line, at: endB + k }))];
  const lines: string[] = [];
  let lastShown = -1;
  all.forEach((o, idx) => {
    const near = all.slice(Math.max(0, idx - context), idx + context + 1).some((x) => x.op !== " ");
    if (!near) return;
    if (lines.length === 0 || idx !== lastShown + 1) lines.push(`@@ line ${o.at + 1} @@`);
    lines.push(`${o.op} ${o.line}`);
    lastShown = idx;
  });
  return { added: ops.filter((o) => o.op === "+").length, removed: ops.filter((o) => o.op === "-").length, lines };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}

/** Array elements keyed for matching, or undefined when they are compared whole. */
function elementKeys(arr: readonly unknown[], parentKey: string): string[] | undefined {
  if (arr.length === 0 || !arr.every(isObject)) return undefined;
  const objs = arr as Record<string, unknown>[];
  // Statements: by Sid where they have a unique one, the others by what they say, so reordering
  // them is no change (a policy may mix both).
  if (parentKey === "Statement") {
    const sids = objs.map((o) => o["Sid"]).filter((v): v is string => typeof v === "string" && v !== "");
    const unique = new Set(sids).size === sids.length;
    return objs.map((o, i) => (unique && typeof o["Sid"] === "string" && o["Sid"] !== "" ? `Sid=${o["Sid"]}` : `#${i}:${canonical(o)}`));
  }
  for (const field of MATCH_FIELDS) {
    const values = objs.map((o) => o[field]);
    if (values.every((v) => typeof v === "string") && new Set(values).size === values.length) return values.map((v) => `${field}=${String(v)}`);
  }
  return undefined;
}

function compare(before: unknown, after: unknown, path: string, out: PropertyChange[], counters: { uncompared: number }): void {
  if (before === undefined && after === undefined) return;
  const key = lastKey(path);
  if (isSecretMarker(before) || isSecretMarker(after)) {
    if (before === after) {
      if (before === SECRET_MARKER) counters.uncompared++;
      return;
    }
    if (before === undefined || after === undefined) {
      out.push({ kind: "secret", path, change: before === undefined ? "added" : "removed" });
    } else if (!isSecretMarker(before) || !isSecretMarker(after)) {
      out.push({ kind: "secret", path, change: isSecretMarker(after) ? "made secret" : "no longer secret" });
    } else if (before === SECRET_MARKER || after === SECRET_MARKER) {
      // A bare marker against a fingerprint says nothing either way: counted as not compared.
      counters.uncompared++;
    } else {
      out.push({ kind: "secret", path, change: "changed" });
    }
    return;
  }
  if (typeof before === "string" && typeof after === "string") {
    if (before === after) return;
    if (SCRIPT_KEYS.has(key)) {
      const d = lineDiff(decodeScript(before), decodeScript(after));
      if (d.added + d.removed > 0) out.push({ kind: "script", path, ...d });
      return;
    }
    const jb = embeddedJson(before);
    const ja = embeddedJson(after);
    if (jb !== undefined && ja !== undefined) {
      compare(jb, ja, path, out, counters);
      return;
    }
    out.push({ kind: "value", path, before, after });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) compare(before[k], after[k], path ? `${path}.${k}` : k, out, counters);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const kb = elementKeys(before, key);
    const ka = elementKeys(after, key);
    if (kb && ka) {
      const strip = (k: string) => (k.startsWith("#") ? k.slice(k.indexOf(":") + 1) : k);
      const mb = new Map(kb.map((k, i) => [strip(k), before[i]]));
      const ma = new Map(ka.map((k, i) => [strip(k), after[i]]));
      const label = (k: string, i: number) => (k.startsWith("{") ? `${path}[${i}]` : `${path}[${k}]`);
      kb.forEach((k, i) => {
        if (!ma.has(strip(k))) compare(before[i], undefined, label(strip(k), i), out, counters);
      });
      ka.forEach((k, i) => compare(mb.get(strip(k)), after[i], label(strip(k), i), out, counters));
      return;
    }
    if (before.length === after.length && before.some((v) => typeof v === "object" && v !== null)) {
      before.forEach((v, i) => compare(v, after[i], `${path}[${i}]`, out, counters));
      return;
    }
  }
  if (canonical(before) !== canonical(after)) out.push({ kind: "value", path, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) });
}

/** The differences between two inputs objects (exported for tests of one property). */
export function compareInputs(before: Record<string, unknown>, after: Record<string, unknown>): { changes: PropertyChange[]; uncompared: number } {
  const changes: PropertyChange[] = [];
  const counters = { uncompared: 0 };
  compare(before, after, "", changes, counters);
  return { changes, uncompared: counters.uncompared };
}

// ---------------------------------------------------------------------------------------------
// Plans.

function resourcesOf(plan: DiffablePlan): PlanResource[] {
  if (plan.resources) return [...plan.resources];
  const out: PlanResource[] = [];
  const walk = (nodes: readonly PlanTreeNode[]) =>
    nodes.forEach((n) => {
      out.push({ type: n.type, name: n.name, protect: false, retainOnDelete: false, ignoreChanges: [], inputs: {} });
      walk(n.children);
    });
  walk(plan.tree ?? []);
  return out;
}

function verdictLine(policy: PlanPolicy | undefined): string {
  if (!policy) return "not in the plan";
  if (!policy.evaluated) return `not evaluated (${policy.note})`;
  return `${policy.mandatory === 0 ? "PASS" : "REFUSED"} (${policy.mandatory} mandatory, ${policy.advisory} advisory violations)`;
}

function violations(policy: PlanPolicy | undefined): string[] {
  if (!policy?.evaluated) return [];
  return policy.packs.flatMap((pack) => pack.policies.flatMap((p) => p.violations.map((v) => `[${v.level}] ${p.name}: ${v.urn ? (v.urn.split("::").slice(2).join("  ").split("$").pop() ?? "") : "the stack"}: ${v.message}`)));
}

/** A plan as read from a file: checked for the fields a diff reads, never evaluated. */
export function parsePlanJson(text: string, file: string): DiffablePlan {
  // An empty file stands for a stack the base branch does not have: every resource is new.
  if (text.trim() === "") return { stack: "(none)", resources: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(doc) || typeof doc["stack"] !== "string") throw new PlanFileError(`${file} is not a plan written by \`npm run plan -- <stack> --json FILE\` (no "stack")`);
  if (doc["resources"] !== undefined && !(Array.isArray(doc["resources"]) && doc["resources"].every((r) => isObject(r) && typeof r["type"] === "string" && typeof r["name"] === "string" && isObject(r["inputs"])))) {
    throw new PlanFileError(`${file}: "resources" must be a list of { type, name, inputs }`);
  }
  if (doc["resources"] === undefined && !Array.isArray(doc["tree"])) throw new PlanFileError(`${file} has neither "resources" nor "tree"`);
  return doc as unknown as DiffablePlan;
}

export class PlanFileError extends Error {}

export function diffPlans(base: DiffablePlan, head: DiffablePlan): PlanDiff {
  const key = (r: ResourceRef) => `${r.type}::${r.name}`;
  const baseRes = new Map(resourcesOf(base).map((r) => [key(r), r]));
  const headRes = new Map(resourcesOf(head).map((r) => [key(r), r]));
  const baseHasInputs = base.resources !== undefined;
  let uncomparedSecrets = 0;
  const changed: ResourceChange[] = [];
  for (const [k, h] of headRes) {
    const b = baseRes.get(k);
    if (!b || !baseHasInputs) continue;
    const { changes, uncompared } = compareInputs(b.inputs, h.inputs);
    uncomparedSecrets += uncompared;
    const protectionRemoved: string[] = [];
    if (b.protect && !h.protect) protectionRemoved.push("protect: true -> false (pulumi destroy and a replacement can now delete it)");
    if (b.retainOnDelete && !h.retainOnDelete) protectionRemoved.push("retainOnDelete: true -> false (deleting it in Pulumi now deletes it in the cloud)");
    for (const c of changes) {
      const why = protectionRemovedBy(c);
      if (why) protectionRemoved.push(why);
    }
    const mayReplace = changes.filter((c) => replacedBy(h.type).some((p) => under(c.path, p))).map((c) => c.path);
    if ((b.parent ?? "") !== (h.parent ?? "")) mayReplace.push(`parent ${b.parent ?? "(stack)"} -> ${h.parent ?? "(stack)"} (the URN changes: a replacement unless an alias names the old parent)`);
    const optionChanges: PropertyChange[] = [];
    if (b.protect !== h.protect) optionChanges.push({ kind: "value", path: "(option) protect", before: b.protect, after: h.protect });
    if (b.retainOnDelete !== h.retainOnDelete) optionChanges.push({ kind: "value", path: "(option) retainOnDelete", before: b.retainOnDelete, after: h.retainOnDelete });
    if ((b.parent ?? "") !== (h.parent ?? "")) optionChanges.push({ kind: "value", path: "(option) parent", ...(b.parent ? { before: b.parent } : {}), ...(h.parent ? { after: h.parent } : {}) });
    if (canonical(b.ignoreChanges ?? []) !== canonical(h.ignoreChanges ?? [])) optionChanges.push({ kind: "value", path: "(option) ignoreChanges", before: b.ignoreChanges ?? [], after: h.ignoreChanges ?? [] });
    const all = [...optionChanges, ...changes];
    if (all.length > 0) changed.push({ type: h.type, name: h.name, changes: all, mayReplace: [...new Set(mayReplace)], protectionRemoved });
  }
  const added = [...headRes.entries()].filter(([k]) => !baseRes.has(k)).map(([, r]) => ({ type: r.type, name: r.name, inputs: r.inputs }));
  const removed = [...baseRes.entries()].filter(([k]) => !headRes.has(k)).map(([, r]) => ({ type: r.type, name: r.name, protect: r.protect, retainOnDelete: r.retainOnDelete }));
  const bs = base.secretConfig ?? {};
  const hs = head.secretConfig ?? {};
  const secretConfig: PlanDiff["secretConfig"] = [];
  for (const k of [...new Set([...Object.keys(bs), ...Object.keys(hs)])].sort()) {
    if (!(k in bs)) secretConfig.push({ key: k, change: "added" });
    else if (!(k in hs)) secretConfig.push({ key: k, change: "removed" });
    else if (bs[k] !== hs[k]) secretConfig.push({ key: k, change: "may have changed" });
  }
  const baseViolations = new Set(violations(base.policy));
  const headViolations = violations(head.policy);
  const headSet = new Set(headViolations);
  const policy: PolicyComparison = {
    head: verdictLine(head.policy),
    base: verdictLine(base.policy),
    refused: head.policy?.evaluated === true && head.policy.mandatory > 0,
    newViolations: headViolations.filter((v) => !baseViolations.has(v)),
    resolved: [...baseViolations].filter((v) => !headSet.has(v)).length,
  };
  const byKey = (a: ResourceRef, b: ResourceRef) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
  return { stack: head.stack, policy, added: added.sort(byKey), removed: removed.sort(byKey), changed: changed.sort(byKey), secretConfig, uncomparedSecrets, baseHasInputs };
}

export function hasChanges(d: PlanDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.secretConfig.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Rendering: text (terminal) and markdown (a pull-request comment), under a size limit.

export type DiffFormat = "text" | "markdown";

const VALUE_MAX = 300;

function show(v: unknown): string {
  if (v === undefined) return "(absent)";
  const s = typeof v === "string" ? JSON.stringify(v) : canonicalPretty(v);
  return s.length > VALUE_MAX ? `${s.slice(0, VALUE_MAX)}… (${s.length} chars)` : s;
}

function canonicalPretty(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => (isObject(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val)) ?? "undefined";
}

/** A fence longer than any run of backticks in the content, so untrusted text cannot close it. */
function fence(content: string, lang = ""): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${lang}\n${content}\n${f}`;
}

function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${longest > 0 ? " " : ""}${s}${longest > 0 ? " " : ""}${f}`;
}

function changeLines(c: PropertyChange, md: boolean): string[] {
  const p = md ? code(c.path) : c.path;
  switch (c.kind) {
    case "secret":
      return [`${p}: secret ${c.change} (value not shown)`];
    case "script":
      return md ? [`${p}: script, +${c.added} -${c.removed} lines`, "", fence(c.lines.join("\n"), "diff"), ""] : [`${c.path}: script, +${c.added} -${c.removed} lines`, ...c.lines.map((l) => `    ${l}`)];
    case "value":
      return [`${p}: ${md ? code(show(c.before)) : show(c.before)} -> ${md ? code(show(c.after)) : show(c.after)}`];
  }
}

function resourceBlock(rc: ResourceChange, md: boolean): string {
  const title = `${rc.type}  ${rc.name} (${rc.changes.length} change${rc.changes.length === 1 ? "" : "s"}${rc.mayReplace.length ? ", may replace" : ""})`;
  if (md) {
    const body = rc.changes.flatMap((c) => {
      const [first = "", ...rest] = changeLines(c, true);
      return [`- ${first}`, ...rest];
    });
    return `<details><summary><code>${escapeHtml(rc.type)}</code> <b>${escapeHtml(rc.name)}</b>: ${rc.changes.length} change${rc.changes.length === 1 ? "" : "s"}${rc.mayReplace.length ? ", may replace" : ""}</summary>\n\n${body.join("\n")}\n\n</details>\n`;
  }
  return `~ ${title}\n${rc.changes.flatMap((c) => changeLines(c, false)).map((l) => (l.startsWith("    ") ? `  ${l}` : `    ${l}`)).join("\n")}\n`;
}

function addedBlock(r: PlanDiff["added"][number], md: boolean): string {
  const inputs = JSON.stringify(r.inputs ?? {}, (_k, val: unknown) => (isObject(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val), 2);
  const shown = inputs.length > 4000 ? `${inputs.slice(0, 4000)}\n… (${inputs.length} chars, cut)` : inputs;
  if (md) return `<details><summary>added <code>${escapeHtml(r.type)}</code> <b>${escapeHtml(r.name)}</b></summary>\n\n${fence(shown, "json")}\n\n</details>\n`;
  return `+ ${r.type}  ${r.name}\n${shown.split("\n").map((l) => `    ${l}`).join("\n")}\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

function capped(items: string[], cap: number): string[] {
  return items.length <= cap ? items : [...items.slice(0, cap), `… and ${items.length - cap} more`];
}

/** The part that is always kept: verdict, warnings, counts. `cap` bounds each list. */
function summary(d: PlanDiff, md: boolean, cap: number): string {
  const lines: string[] = [];
  const ref = (r: ResourceRef) => (md ? `${code(r.type)} ${code(r.name)}` : `${r.type}  ${r.name}`);
  const h = (s: string) => (md ? `#### ${s}` : `${s}`);
  lines.push(md ? `### Offline plan diff: stack ${code(d.stack)}` : `Offline plan diff: stack ${d.stack}`);
  lines.push("", `${md ? "**Policy verdict**" : "Policy verdict"}: ${d.policy.refused ? "❌ " : ""}${d.policy.head} (base: ${d.policy.base})`);
  for (const v of capped(d.policy.newViolations, cap)) lines.push(`${md ? "- " : "  "}new: ${md ? escapeHtml(v) : v}`);
  if (d.policy.resolved > 0) lines.push(`${md ? "- " : "  "}${d.policy.resolved} violation(s) of the base plan resolved`);
  if (!hasChanges(d)) {
    lines.push("", "No changes: the plans declare the same resources with the same inputs.");
  }
  const warnings: string[] = [];
  for (const r of d.removed) warnings.push(`DELETES ${ref(r)}${r.protect ? " (protected: pulumi up fails until protect is lifted)" : ""}${r.retainOnDelete ? " (retainOnDelete: left in the cloud)" : ""}`);
  for (const rc of d.changed) for (const p of rc.protectionRemoved) warnings.push(`REMOVES PROTECTION on ${ref(rc)}: ${p}`);
  for (const rc of d.changed) if (rc.mayReplace.length) warnings.push(`MAY REPLACE ${ref(rc)} (${rc.mayReplace.map((p) => (md ? code(p) : p)).join(", ")}); confirm with pulumi preview`);
  if (warnings.length) {
    lines.push("", h(md ? "⚠️ Warnings" : "Warnings:"));
    lines.push(...capped(warnings, cap).map((w) => `${md ? "- " : "  "}${w}`));
  }
  if (hasChanges(d)) {
    lines.push("", `${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to delete${d.secretConfig.length ? `, ${d.secretConfig.length} secret config value(s)` : ""}.`);
    if (d.added.length) lines.push(`${md ? "- " : "  "}added: ${capped(d.added.map(ref), cap).join(", ")}`);
    if (d.changed.length) lines.push(`${md ? "- " : "  "}changed: ${capped(d.changed.map(ref), cap).join(", ")}`);
    if (d.removed.length) lines.push(`${md ? "- " : "  "}deleted: ${capped(d.removed.map(ref), cap).join(", ")}`);
    for (const s of capped(d.secretConfig.map((x) => `${md ? code(x.key) : x.key}: ${x.change === "may have changed" ? "ciphertext changed (the value may have changed; re-encrypting gives a new ciphertext)" : x.change}`), cap)) lines.push(`${md ? "- " : "  "}secret config ${s}`);
  }
  if (!d.baseHasInputs) lines.push("", "The base plan carries no inputs (written before plans did): only added and deleted resources are compared.");
  if (d.uncomparedSecrets > 0) lines.push("", `${d.uncomparedSecrets} secret input(s) carry no fingerprint in one of the plans (no ${"PLAN_SECRET_FINGERPRINT_KEY"}): a change to them cannot be seen.`);
  lines.push("", md ? "_Offline: no provider or cloud was asked. A replacement is only said to be possible; `pulumi preview` decides._" : "Offline: no provider or cloud was asked. A replacement is only said to be possible; pulumi preview decides.");
  return `${lines.join("\n")}\n`;
}

/**
 * The diff as text or markdown, at most `maxChars` characters. The summary (verdict, warnings,
 * counts) is always kept, its lists shortened if it alone is too long; the per-resource details
 * follow until the room runs out, and a last line says what was left out.
 */
export function renderDiff(d: PlanDiff, options: { format: DiffFormat; maxChars?: number }): string {
  const md = options.format === "markdown";
  const max = options.maxChars ?? DEFAULT_MAX_CHARS;
  const note = (n: number) => `\n${md ? "_" : ""}Output truncated: ${n} resource detail block(s) left out to stay under ${max} characters (GitHub refuses comments over ${GITHUB_COMMENT_LIMIT}). Run \`npm run plan -- ${d.stack} --diff <base.json>\` for all of it.${md ? "_" : ""}\n`;
  const reserve = note(99999).length;
  let head = "";
  for (const cap of [50, 20, 5, 1]) {
    head = summary(d, md, cap);
    if (head.length + reserve <= max) break;
  }
  if (head.length > max) head = `${head.slice(0, Math.max(0, max - 2))}…\n`;
  const blocks = [...d.changed.map((rc) => resourceBlock(rc, md)), ...d.added.map((r) => addedBlock(r, md))];
  if (blocks.length === 0) return head;
  let out = `${head}\n${md ? "#### Details\n\n" : "Details:\n"}`;
  let left = 0;
  for (const b of blocks) {
    if (left === 0 && out.length + b.length + reserve <= max) out += b;
    else left++;
  }
  if (left > 0) out += note(left);
  return out;
}
