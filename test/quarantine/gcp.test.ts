import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import type { Plan } from "../../src/plan/report";
import { gcpDevValues, named } from "../helpers/offline";
import { diffFleets, planOf, planPairs, type Pair, expectUntouched } from "./compare";

// Quarantine and resume on GCP, both ingress modes, in one mock run (see aws.test.ts).
const TERMINATE: Pair = { serving: "srv-t", quarantined: "qtn-t" };
const PASSTHROUGH: Pair = { serving: "srv-p", quarantined: "qtn-p" };
const MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
const AUTOSCALER = "gcp:compute/regionAutoscaler:RegionAutoscaler";
const BACKEND = "gcp:compute/backendService:BackendService";
const ARMOR = "gcp:compute/securityPolicy:SecurityPolicy";

let resources: PlannedResource[];
let plan: Plan;

beforeAll(async () => {
  const gcp = gcpDevValues()["tee-prover-infra:gcp"] as Record<string, unknown>;
  const run = await planPairs([
    { values: gcpDevValues(), pair: TERMINATE },
    {
      values: gcpDevValues({
        proofServer: { build: "tee", jobTimeoutSeconds: 600 },
        releases: [{ version: "v6.5.0", image: `us-docker.pkg.dev/example/prover/proof-server@sha256:${"b".repeat(64)}`, servesTls: true, exposedPorts: [6300] }],
        ingress: { mode: "passthrough" },
        gcp: { ...gcp, certificate: undefined },
      }),
      pair: PASSTHROUGH,
    },
  ]);
  resources = run.resources;
  plan = planOf(run);
});

/** Types that hold instances, disks, secrets or the attestation gate: never replaced or changed. */
const EVIDENCE_TYPES = [
  "gcp:compute/instanceTemplate:InstanceTemplate",
  "gcp:serviceaccount/account:Account",
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
  "gcp:secretmanager/secret:Secret",
  "gcp:compute/healthCheck:HealthCheck",
  "gcp:compute/globalAddress:GlobalAddress",
  "gcp:compute/globalForwardingRule:GlobalForwardingRule",
];

describe.each([
  ["terminate (Application LB)", TERMINATE],
  ["passthrough (proxy Network LB)", PASSTHROUGH],
])("%s", (_mode, pair) => {
  test("instance template, service account, Workload Identity, secrets, health check, address and forwarding rules keep their URNs and inputs", () => {
    expectUntouched(diffFleets(resources, pair), EVIDENCE_TYPES);
  });

  test("the MIG loses only its autohealing policy, the autoscaler only switches its mode OFF; resuming restores both", () => {
    const d = diffFleets(resources, pair);
    const changedOf = (type: string) => Object.entries(d.changed).filter(([k]) => k.startsWith(`${type}::`)).map(([, v]) => v);
    expect(changedOf(MIG)).toEqual([["autoHealingPolicies"]]);
    expect(changedOf(AUTOSCALER)).toEqual([["autoscalingPolicy"]]);
    const of = (type: string, fleet: string) => resources.find((r) => r.type === type && r.name.startsWith(`${fleet}-`))!;
    expect(of(MIG, pair.serving).inputs["autoHealingPolicies"]).toMatchObject({ initialDelaySec: 600 });
    expect(of(MIG, pair.quarantined).inputs["autoHealingPolicies"]).toBeUndefined();
    const { mode, ...rest } = of(AUTOSCALER, pair.quarantined).inputs["autoscalingPolicy"] as Record<string, unknown>;
    expect(mode).toBe("OFF");
    expect(rest).toEqual(of(AUTOSCALER, pair.serving).inputs["autoscalingPolicy"]);
    // The MIG keeps its target instance template and update policy: instances are not touched.
    expect(of(MIG, pair.quarantined).inputs["updatePolicy"]).toEqual(of(MIG, pair.serving).inputs["updatePolicy"]);
  });
});

test("terminate: the Cloud Armor policy gains one rule before every other, 502 to every source; the backend service is unchanged", () => {
  const d = diffFleets(resources, TERMINATE);
  expect(d.added).toEqual([]);
  expect(d.removed).toEqual([]);
  expect(Object.keys(d.changed).filter((k) => !k.startsWith(MIG) && !k.startsWith(AUTOSCALER))).toEqual([`${ARMOR}::srv-t-armor`]);
  const serving = named(resources, ARMOR, "srv-t-armor").inputs["rules"] as Array<{ priority: number }>;
  const quarantined = named(resources, ARMOR, "qtn-t-armor").inputs["rules"] as Array<{ priority: number }>;
  expect(quarantined.slice(1)).toEqual(serving);
  expect(quarantined[0]).toEqual({ priority: 0, description: "quarantine: refuse every client", action: "deny(502)", match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } });
  expect(Math.min(...serving.map((r) => r.priority))).toBeGreaterThan(0);
});

test("passthrough: a Cloud Armor policy refusing every source is added and attached to the backend service (its only change)", () => {
  const d = diffFleets(resources, PASSTHROUGH);
  expect(d.added).toEqual([`${ARMOR}::srv-p-quarantine`]);
  expect(d.removed).toEqual([]);
  expect(d.changed[`${BACKEND}::srv-p-backend`]).toEqual(["securityPolicy"]);
  const policy = named(resources, ARMOR, "qtn-p-quarantine");
  expect(named(resources, BACKEND, "qtn-p-backend").inputs["securityPolicy"]).toBe(policy.id);
  expect(named(resources, BACKEND, "srv-p-backend").inputs["securityPolicy"]).toBeUndefined();
  expect((policy.inputs["rules"] as Array<{ action: string; match: unknown }>).map((r) => [r.action, r.match])).toEqual([
    ["deny(403)", { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } }],
    ["deny(403)", { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } }],
  ]);
});

test("the plan lists both quarantined fleets with GCP's changes", () => {
  expect(plan.quarantine.fleets.map((f) => f.fleet)).toEqual(["qtn-t", "qtn-p"]);
  expect(plan.quarantine.fleets[0]!.changes.join("\n")).toMatch(/Cloud Armor rule \(priority 0\).*502[\s\S]*autohealing removed and autoscaler mode OFF/);
});

test("every Cloud Armor action declared, serving or quarantined, is one the API accepts", () => {
  // deny(STATUS) takes 403, 404 or 502 (SecurityPolicyRule.action in @pulumi/gcp's types); 429 is a
  // rate-limit exceedAction. A 503 here failed the very `pulumi up` that closes the front door.
  const rules = resources.filter((r) => r.type === ARMOR).flatMap((r) => r.inputs["rules"] as Array<{ action: string; rateLimitOptions?: { exceedAction: string } }>);
  expect(rules.length).toBeGreaterThan(4);
  for (const rule of rules) {
    expect(rule.action).toMatch(/^(allow|deny\((403|404|502)\)|throttle|rate_based_ban)$/);
    if (rule.rateLimitOptions) expect(rule.rateLimitOptions.exceedAction).toMatch(/^deny\((403|404|429|502)\)$/);
  }
});
