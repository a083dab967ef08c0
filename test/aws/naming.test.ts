import { beforeAll, expect, test } from "vitest";
import { AUTONAME_SUFFIX_LENGTH } from "../../src/naming";
import type { PlannedResource } from "../../src/plan/engine";
import { devValues, ofType, planStack, prop } from "../helpers/offline";

// The longest names the config allows: a 12-character prefix, the longest environment, and a
// stack name at Pulumi's 100-character limit.
const LONG_STACK = `staging-${"x".repeat(88)}-eu1`;
let resources: PlannedResource[];

beforeAll(async () => {
  // Renamed from "prover": the fleet gets an alias to its old name.
  const aws = devValues()["tee-prover-infra:aws"] as Record<string, unknown>;
  resources = (await planStack(devValues({ environment: "staging", namePrefix: "abcdefghijkl", previousNamePrefix: "prover", aws: { ...aws, fleet: { minSize: 2, maxSize: 4 } } }), LONG_STACK)).resources;
});

// Physical-name limits of auto-named resources (logical name + "-" + 7 characters).
const AUTONAMED_LIMITS: Record<string, number> = {
  "aws:lb/loadBalancer:LoadBalancer": 32,
  "aws:lb/targetGroup:TargetGroup": 32,
  "aws:iam/role:Role": 64,
  "aws:iam/instanceProfile:InstanceProfile": 128,
  "aws:ec2/launchTemplate:LaunchTemplate": 128,
  "aws:autoscaling/group:Group": 255,
  "aws:sns/topic:Topic": 256,
  "aws:wafv2/webAcl:WebAcl": 128,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 255,
  "aws:ec2/securityGroup:SecurityGroup": 255,
};

test("stack name is exercised at full length", () => {
  expect(LONG_STACK).toHaveLength(100);
});

test.each(Object.entries(AUTONAMED_LIMITS))("%s names fit %i characters after auto-naming", (type, limit) => {
  const found = ofType(resources, type);
  expect(found.length).toBeGreaterThan(0);
  for (const r of found) expect(r.name.length + AUTONAME_SUFFIX_LENGTH, r.name).toBeLessThanOrEqual(limit);
});

test("load balancer and target group names start with a letter or digit and hold only [A-Za-z0-9-]", () => {
  for (const r of [...ofType(resources, "aws:lb/loadBalancer:LoadBalancer"), ...ofType(resources, "aws:lb/targetGroup:TargetGroup")]) {
    expect(r.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/);
    expect(r.name.startsWith("internal-")).toBe(false);
  }
});

test("explicit names fit: log group, KMS alias, dashboard, WAF metric names", () => {
  const logs = ofType(resources, "aws:cloudwatch/logGroup:LogGroup")[0]!;
  expect(prop<string>(logs, "name").length).toBeLessThanOrEqual(512);
  const alias = ofType(resources, "aws:kms/alias:Alias")[0]!;
  expect(prop<string>(alias, "name")).toMatch(/^alias\/[a-zA-Z0-9/_-]{1,250}$/);
  const dashboard = ofType(resources, "aws:cloudwatch/dashboard:Dashboard")[0]!;
  expect(prop<string>(dashboard, "dashboardName")).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
  const acl = ofType(resources, "aws:wafv2/webAcl:WebAcl")[0]!;
  expect(prop<string>(acl, "visibilityConfig.metricName")).toMatch(/^[\w#:.\-/]{1,128}$/);
});

test("the fleet name is cut to 28 characters with a hash, and stays unique per type", () => {
  const component = ofType(resources, "tee-prover:aws:NitroProofServer")[0]!;
  expect(component.name.length).toBeLessThanOrEqual(28);
  expect(component.name.startsWith("abcdefghijkl-staging-")).toBe(true);
  const keys = resources.map((r) => `${r.type}::${r.name}`);
  expect(new Set(keys).size).toBe(keys.length);
});

// Renaming namePrefix: the component carries an alias to the old fleet name, and the engine gives
// each child named "<fleet>-..." the alias "<old fleet>-..." (Pulumi's inherited child aliases:
// sdk/nodejs/resource.ts inheritedChildAlias, computed by the engine from alias specs). A name cut
// to fit a limit no longer starts with the fleet's name: those children carry their old fitted name
// explicitly (src/rename.ts). Either way no child is replaced: not the KMS key, logs or hosts.
test("a renamed prefix keeps the fleet: every child inherits the alias or carries its old cut name", async () => {
  const { fleetName } = await import("../../stacks");
  const { autoNamed } = await import("../../src/naming");
  const component = ofType(resources, "tee-prover:aws:NitroProofServer")[0]!;
  const fleet = component.name;
  const oldFleet = fleetName("prover", LONG_STACK);
  expect(component.aliasNames).toEqual([oldFleet]);
  const children = resources.filter((r) => r !== component);
  expect(children.length).toBeGreaterThan(50);
  const cut = children.filter((r) => !r.name.startsWith(`${fleet}-`));
  // The load balancer and its target groups (32-character names) are cut at this length.
  expect(cut.map((r) => r.type).sort()).toEqual(["aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:lb/targetGroup:TargetGroup"]);
  const alb = cut.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")!;
  expect(alb.aliasNames).toEqual([autoNamed(`${oldFleet}-alb`, 32)]);
  for (const r of cut) expect(r.aliasNames, r.name).toHaveLength(1);
  // Inherited ones need nothing explicit.
  expect(children.filter((r) => r.name.startsWith(`${fleet}-`) && r.aliasNames !== undefined)).toEqual([]);
  const key = ofType(resources, "aws:kms/key:Key")[0]!;
  expect(key.name).toBe(`${fleet}-attested`);
});
