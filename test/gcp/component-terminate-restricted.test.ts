import { beforeAll, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { gcpDevValues, one, planStack, prop } from "../helpers/offline";

// terminate mode with 25 client ranges: Cloud Armor admits those ranges (throttled, in rules of at
// most 10 ranges) and Cloud Monitoring's uptime checkers, and denies everyone else. An existing
// network that asks for its own Cloud NAT (cloudNat: true).
let resources: PlannedResource[];
const CLIENTS = Array.from({ length: 25 }, (_, i) => `198.51.${i}.0/24`);
const SUBNET = "projects/example-tee-prover-dev/regions/us-central1/subnetworks/provers";

beforeAll(async () => {
  const values = gcpDevValues();
  const ingress = values["tee-prover-infra:ingress"] as Record<string, unknown>;
  const gcp = values["tee-prover-infra:gcp"] as Record<string, unknown>;
  resources = (await planStack(gcpDevValues({
    ingress: { ...ingress, allowedClientCidrs: CLIENTS },
    gcp: { ...gcp, network: { mode: "existing", network: "projects/example-tee-prover-dev/global/networks/shared", subnetwork: SUBNET, cloudNat: true } },
  }), "restricted")).resources;
});

test("uptime checkers allowed, 25 client ranges throttled per IP in rules of at most 10, the rest denied", () => {
  const rules = prop<Array<{ priority: number; action: string; match: { config: { srcIpRanges: string[] } }; rateLimitOptions?: { enforceOnKey: string } }>>(one(resources, "gcp:compute/securityPolicy:SecurityPolicy"), "rules");
  expect(rules.map((r) => [r.priority, r.action, r.match.config.srcIpRanges.length])).toEqual([
    [900, "allow", 10],
    [901, "allow", 2],
    [1000, "throttle", 10],
    [1001, "throttle", 10],
    [1002, "throttle", 5],
    [2147483647, "deny(403)", 1],
  ]);
  expect(rules[0]!.match.config.srcIpRanges[0]).toBe("192.0.2.1/32");
  const throttled = rules.filter((r) => r.action === "throttle");
  expect(throttled.flatMap((r) => r.match.config.srcIpRanges)).toEqual(CLIENTS);
  expect(throttled.every((r) => r.rateLimitOptions?.enforceOnKey === "IP")).toBe(true);
});

test("cloudNat: true in an existing network: one router and a NAT for the given subnet only", () => {
  const nat = one(resources, "gcp:compute/routerNat:RouterNat");
  expect(prop(nat, "sourceSubnetworkIpRangesToNat")).toBe("LIST_OF_SUBNETWORKS");
  expect(prop(nat, "subnetworks")).toEqual([{ name: SUBNET, sourceIpRangesToNats: ["ALL_IP_RANGES"] }]);
  expect(prop(one(resources, "gcp:compute/router:Router"), "network")).toBe("projects/example-tee-prover-dev/global/networks/shared");
});

test("the uptime check probes the certificate's domain over HTTPS and validates it", () => {
  const check = one(resources, "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig");
  expect(prop(check, "monitoredResource.labels.host")).toBe("prover-dev.example.com");
  expect(prop(check, "httpCheck.useSsl")).toBe(true);
  expect(prop(check, "httpCheck.validateSsl")).toBe(true);
  expect(prop(check, "httpCheck.path")).toBe("/health");
});

test("STS Data Access logs are turned on so attestation failures can be counted", () => {
  const audit = one(resources, "gcp:projects/iAMAuditConfig:IAMAuditConfig");
  expect([prop(audit, "service"), prop(audit, "auditLogConfigs")]).toEqual(["sts.googleapis.com", [{ logType: "ADMIN_READ" }]]);
  const policies = resources.filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy").map((r) => r.name);
  expect(policies).toContain("restricted-p0-attestation-failures".replace("restricted", "prover-restricted"));
});
