import { beforeAll, expect, test } from "vitest";
import { AUTONAME_SUFFIX_LENGTH, GCP_NAME_PATTERN } from "../../src/naming";
import type { PlannedResource } from "../../src/plan/engine";
import { gcpDevValues, ofType, one, planStack, prop } from "../helpers/offline";

// The longest names the config allows on GCP: a 12-character prefix and a 100-character stack name.
const LONG_STACK = `staging-${"y".repeat(88)}-us1`;
let resources: PlannedResource[];

beforeAll(async () => {
  // ingress.httpRedirect on, so the opt-in redirect's resources are named and checked too.
  const ingress = gcpDevValues()["tee-prover-infra:ingress"] as Record<string, unknown>;
  const gcp = gcpDevValues()["tee-prover-infra:gcp"] as Record<string, unknown>;
  resources = (await planStack(gcpDevValues({ environment: "staging", namePrefix: "abcdefghijkl", ingress: { ...ingress, httpRedirect: true }, gcp: { ...gcp, fleet: { minSize: 2, maxSize: 4 } } }), LONG_STACK)).resources;
});

test("ingress.httpRedirect opted in: exactly one plaintext :80 rule on the load balancer's address, which only redirects to HTTPS", () => {
  const address = one(resources, "gcp:compute/globalAddress:GlobalAddress").state["address"];
  const rules = ofType(resources, "gcp:compute/globalForwardingRule:GlobalForwardingRule");
  expect(rules.map((r) => [prop(r, "portRange"), prop(r, "ipAddress")]).sort()).toEqual([["443", address], ["80", address]]);
  const http = rules.find((r) => prop(r, "portRange") === "80")!;
  const proxy = one(resources, "gcp:compute/targetHttpProxy:TargetHttpProxy");
  expect(prop(http, "target")).toBe(proxy.id);
  const redirect = ofType(resources, "gcp:compute/uRLMap:URLMap").find((m) => m.id === prop(proxy, "urlMap"))!;
  expect(redirect.name).toMatch(/-redirect$/);
  expect(prop(redirect, "defaultUrlRedirect")).toEqual({ httpsRedirect: true, stripQuery: false, redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT" });
  expect(prop(redirect, "defaultService")).toBeUndefined();
});

test("the stack name is exercised at Pulumi's 100-character limit", () => {
  expect(LONG_STACK).toHaveLength(100);
});

test("every auto-named GCP resource gets a valid name of at most 63 characters", () => {
  const autoNamed = resources.filter((r) => r.type.startsWith("gcp:compute/"));
  expect(autoNamed.length).toBeGreaterThan(15);
  for (const r of autoNamed) {
    const physical = `${r.name}-abc1234`;
    expect(physical.length, r.name).toBeLessThanOrEqual(63);
    expect(physical, r.name).toMatch(GCP_NAME_PATTERN);
  }
  expect(Math.max(...autoNamed.map((r) => r.name.length)) + AUTONAME_SUFFIX_LENGTH).toBeLessThanOrEqual(63);
});

test("explicit ids fit their own rules: service account 6-30, pool and provider 4-32, secrets, base instance name", () => {
  const accountIds = ofType(resources, "gcp:serviceaccount/account:Account").map((a) => prop<string>(a, "accountId"));
  expect(accountIds).toHaveLength(2);
  expect(new Set(accountIds).size).toBe(2);
  for (const id of accountIds) expect(id).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
  const poolId = prop<string>(one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"), "workloadIdentityPoolId");
  const providerId = prop<string>(one(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"), "workloadIdentityPoolProviderId");
  const suffix = String(one(resources, "random:index/randomId:RandomId").state["hex"]);
  for (const id of [poolId, providerId]) {
    expect(id).toMatch(/^[a-z0-9-]{4,32}$/);
    expect(id.startsWith("gcp-")).toBe(false);
    // The per-deployment suffix survives the cut to 32 characters.
    expect(id.endsWith(`-${suffix}`)).toBe(true);
  }
  expect(poolId).not.toBe(providerId);
  expect(prop<string>(one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"), "displayName").length).toBeLessThanOrEqual(32);
  for (const s of ofType(resources, "gcp:secretmanager/secret:Secret")) expect(prop<string>(s, "secretId")).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
  expect(prop<string>(one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"), "baseInstanceName")).toMatch(/^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/);
});

test("labels fit GCP's label rules", () => {
  const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
  for (const [k, v] of Object.entries(prop<Record<string, string>>(tpl, "labels"))) {
    expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
    expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
  }
});
