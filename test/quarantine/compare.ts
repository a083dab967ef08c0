import { expect } from "vitest";
import { isDeepStrictEqual } from "node:util";
import { resolveStackConfig } from "../../src/config/resolve";
import { stackComponentArgs, type StackComponentArgs } from "../../src/config/stack-args";
import { toPulumiConfigMap } from "../../src/config/load";
import { PROJECT } from "../../src/config/schema";
import { placementOf, runOffline, type OfflineRun, type PlannedResource } from "../../src/plan/engine";
import { declaredFleets } from "../../src/plan/fleets";
import { buildPlan, type Plan } from "../../src/plan/report";
import { PROJECT_DIR } from "../helpers/offline";
import { withoutStackCapture } from "../../src/plan/lean-runtime";

/** A quarantine as the runbook sets it, and the same section switched off again (resume keeps the history). */
export const QUARANTINE = { enabled: true, reason: "INC-42: PCR mismatch reported by npm run verify on one host", since: "2026-11-30T04:00:00Z" } as const;
export const RESUMED = { ...QUARANTINE, enabled: false } as const;

/** Pairs of fleets with equal-length names, so names cut to fit a limit are cut alike. */
export interface Pair { readonly serving: string; readonly quarantined: string }

/**
 * One mock run (a program under setMocks runs once per process) declaring, for each set of stack
 * values, the same fleet twice: resumed and quarantined. Comparing the two fleets' resources is
 * comparing the two `pulumi up`s.
 */
export async function planPairs(cases: ReadonlyArray<{ values: Record<string, unknown>; pair: Pair }>): Promise<OfflineRun> {
  const first = cases[0]!;
  const config = resolveStackConfig({ values: first.values, projectDir: PROJECT_DIR });
  const argsOf = (values: Record<string, unknown>, quarantine: unknown): StackComponentArgs =>
    stackComponentArgs({ values: { ...values, [`${PROJECT}:quarantine`]: quarantine }, projectDir: PROJECT_DIR });
  const run = await withoutStackCapture(() => runOffline({
    project: PROJECT,
    stack: "quarantine",
    ...placementOf(config),
    config: toPulumiConfigMap(first.values),
    program: async () => {
      for (const c of cases) {
        for (const [name, quarantine] of [[c.pair.serving, RESUMED], [c.pair.quarantined, QUARANTINE]] as const) {
          const declared = argsOf(c.values, quarantine);
          if (declared.cloud === "aws") new (await import("../../components/aws/nitroProofServer")).NitroProofServer(name, declared.args);
          else if (declared.cloud === "gcp") new (await import("../../components/gcp/confidentialSpaceProofServer")).ConfidentialSpaceProofServer(name, declared.args);
          else new (await import("../../components/azure/confidentialProofServer")).AzureConfidentialProofServer(name, declared.args);
        }
      }
      return {};
    },
  }));
  return run;
}

/** The plan of that run (every fleet), as `npm run plan` builds it. */
export function planOf(run: OfflineRun): Plan {
  return buildPlan({ stack: "quarantine", fleets: declaredFleets(run.components), resources: run.resources, secretKeys: [] });
}

export interface FleetDiff {
  /** `type::name` (serving fleet's name) declared only when quarantined. */
  readonly added: string[];
  /** Declared only when serving. */
  readonly removed: string[];
  /** Resources declared in both whose inputs differ: the top-level input keys that differ. */
  readonly changed: Record<string, string[]>;
  /** Resources declared in both with the same inputs. */
  readonly same: PlannedResource[];
}

/** String leaves of a value, by path. */
function leaves(v: unknown, at = "", out = new Map<string, string>()): Map<string, string> {
  if (typeof v === "string") out.set(at, v);
  else if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${at}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) leaves(x, `${at}.${k}`, out);
  return out;
}

/**
 * The quarantined fleet against the serving one. Names, and the ids and ARNs the mocks derive from
 * names, are mapped to the serving fleet's, so what remains is what the quarantine itself changes.
 */
export function diffFleets(resources: readonly PlannedResource[], pair: Pair, derived: (quarantined: string, serving: string) => Array<[string, string]> = () => []): FleetDiff {
  const rename = (text: string) => text.split(pair.quarantined).join(pair.serving);
  const belongs = (r: PlannedResource, fleet: string) => r.name === fleet || r.name.startsWith(`${fleet}-`) || (r.parent?.split("::")[1] ?? "").startsWith(fleet);
  const key = (r: PlannedResource) => `${r.type}::${rename(r.name)}`;
  const serving = new Map(resources.filter((r) => belongs(r, pair.serving)).map((r) => [key(r), r]));
  const quarantined = new Map(resources.filter((r) => belongs(r, pair.quarantined)).map((r) => [key(r), r]));
  // Computed values (ids, ARNs, names) of the same resource in both fleets.
  const computed = new Map<string, string>();
  for (const [k, q] of quarantined) {
    const s = serving.get(k);
    if (!s) continue;
    if (q.id && rename(q.id) !== s.id) computed.set(rename(q.id), s.id);
    const sLeaves = leaves(s.state);
    for (const [at, value] of leaves(q.state)) {
      const other = sLeaves.get(at);
      // Keys as they read once renamed: normalise renames first.
      if (other !== undefined && rename(value) !== other && value.length >= 8) {
        computed.set(rename(value), other);
        // Values computed from these by the program (e.g. a hash of a role's ARN).
        for (const [from, to] of derived(value, other)) computed.set(from, to);
      }
    }
  }
  const replacements = [...computed].sort(([a], [b]) => b.length - a.length);
  const normalise = (v: unknown): unknown => {
    let text = rename(JSON.stringify(v ?? null));
    for (const [from, to] of replacements) text = text.split(from).join(to);
    return JSON.parse(text);
  };
  const changed: Record<string, string[]> = {};
  const same: PlannedResource[] = [];
  for (const [k, s] of serving) {
    const q = quarantined.get(k);
    if (!q) continue;
    const a = s.inputs;
    const b = normalise(q.inputs) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((x) => !isDeepStrictEqual(a[x], b[x])).sort();
    const options = (r: PlannedResource) => ({ protect: r.protect, retainOnDelete: r.retainOnDelete, ignoreChanges: r.ignoreChanges, parent: r.parent === undefined ? undefined : rename(r.parent) });
    if (!isDeepStrictEqual(options(s), options(q))) keys.push("(resource options)");
    if (keys.length) changed[k] = keys;
    else same.push(s);
  }
  return {
    added: [...quarantined.keys()].filter((k) => !serving.has(k)).sort(),
    removed: [...serving.keys()].filter((k) => !quarantined.has(k)).sort(),
    changed,
    same,
  };
}

/**
 * The quarantine's hard rule, per resource type: each type holding keys or evidence is declared in
 * both fleets (not vacuous), and no resource of it is added, removed or changed.
 */
export function expectUntouched(d: FleetDiff, types: readonly string[]): void {
  const touched = [...Object.keys(d.changed), ...d.added, ...d.removed];
  for (const type of types) {
    expect(d.same.filter((r) => r.type === type).length, type).toBeGreaterThan(0);
    expect(touched.filter((k) => k.startsWith(`${type}::`)), type).toEqual([]);
  }
}
