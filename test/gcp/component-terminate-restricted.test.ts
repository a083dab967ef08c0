import { beforeAll, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { gcpDevValues, one, planStack, prop } from "../helpers/offline";

// terminate mode with client ranges restricted: Cloud Armor admits those ranges (throttled) and
// Cloud Monitoring's uptime checkers, and denies everyone else.
let resources: PlannedResource[];

beforeAll(async () => {
  const ingress = gcpDevValues()["tee-prover-infra:ingress"] as Record<string, unknown>;
  resources = (await planStack(gcpDevValues({ ingress: { ...ingress, allowedClientCidrs: ["198.51.100.0/24", "203.0.113.0/24"] } }), "restricted")).resources;
});

test("uptime checkers are allowed in rules of at most 10 ranges, clients are throttled, the rest denied", () => {
  const rules = prop<Array<{ priority: number; action: string; match: { config: { srcIpRanges: string[] } } }>>(one(resources, "gcp:compute/securityPolicy:SecurityPolicy"), "rules");
  expect(rules.map((r) => [r.priority, r.action, r.match.config.srcIpRanges.length])).toEqual([
    [900, "allow", 10],
    [901, "allow", 2],
    [1000, "throttle", 2],
    [2147483647, "deny(403)", 1],
  ]);
  expect(rules[0]!.match.config.srcIpRanges[0]).toBe("192.0.2.1/32");
  expect(rules[2]!.match.config.srcIpRanges).toEqual(["198.51.100.0/24", "203.0.113.0/24"]);
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
