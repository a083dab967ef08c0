import { beforeAll, describe, expect, test } from "vitest";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";
import type { PlannedResource } from "../../src/plan/engine";
import { ASG_QUARANTINE_SUSPENDED_PROCESSES } from "../../src/quarantine";
import { devValues, named } from "../helpers/offline";
import { renderText, type Plan } from "../../src/plan/report";
import { diffFleets, planOf, planPairs, QUARANTINE, type Pair, expectUntouched } from "./compare";

// Quarantine and resume on AWS, both ingress modes, in one mock run: each fleet declared twice,
// resumed (quarantine.enabled false) and quarantined. What differs between the two is exactly what
// a `pulumi up` switching quarantine on changes, and switching it off changes back.
const TERMINATE: Pair = { serving: "srv-t", quarantined: "qtn-t" };
const PASSTHROUGH: Pair = { serving: "srv-p", quarantined: "qtn-p" };
const ASG = "aws:autoscaling/group:Group";

let resources: PlannedResource[];
let plan: Plan;

/** The KMS condition pins PCR3, a hash of the host role's ARN, which the mocks derive from its name. */
const diff = (pair: Pair) => diffFleets(resources, pair, (q, s) => (/^arn:aws:iam::\d+:role\//.test(q) ? [[nitroParentRolePcr3(q), nitroParentRolePcr3(s)]] : []));

beforeAll(async () => {
  const aws = devValues()["tee-prover-infra:aws"] as Record<string, unknown>;
  const run = await planPairs([
    { values: devValues(), pair: TERMINATE },
    {
      values: devValues({
        releases: [{ manifest: "test/fixtures/pcr-measurements.v6.5.0-tls.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/v6.5.0.eif", servesTls: true } }],
        ingress: { mode: "passthrough", allowedClientCidrs: ["198.51.100.0/24", "203.0.113.0/24"] },
        aws: { ...aws, instanceType: "c6i.4xlarge", enclave: { cpuCount: 4, memoryMiB: 8192 }, certificateArn: undefined },
      }),
      pair: PASSTHROUGH,
    },
  ]);
  resources = run.resources;
  plan = planOf(run);
});

/** Types that hold hosts, keys or evidence: never replaced, never changed, in either direction. */
const EVIDENCE_TYPES = ["aws:ec2/launchTemplate:LaunchTemplate", "aws:kms/key:Key", "aws:kms/alias:Alias", "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", "aws:lb/targetGroup:TargetGroup", "aws:lb/loadBalancer:LoadBalancer"];

describe.each([
  ["terminate (ALB)", TERMINATE],
  ["passthrough (NLB)", PASSTHROUGH],
])("%s", (_mode, pair) => {
  test("hosts, launch template, key, log group, target groups and load balancer keep their URNs and inputs", () => {
    expectUntouched(diff(pair), EVIDENCE_TYPES);
  });

  test("the Auto Scaling group changes only suspendedProcesses (an in-place update), set while quarantined and gone on resume", () => {
    const d = diff(pair);
    const asgKey = Object.keys(d.changed).find((k) => k.startsWith(`${ASG}::`));
    expect(asgKey).toBeDefined();
    expect(d.changed[asgKey!]).toEqual(["suspendedProcesses"]);
    const [serving] = resources.filter((r) => r.type === ASG && r.name.startsWith(pair.serving));
    const [quarantined] = resources.filter((r) => r.type === ASG && r.name.startsWith(pair.quarantined));
    expect(serving!.inputs["suspendedProcesses"]).toBeUndefined();
    expect(quarantined!.inputs["suspendedProcesses"]).toEqual(["AZRebalance", "AlarmNotification", "HealthCheck", "ReplaceUnhealthy", "ScheduledActions"]);
    // The operator's own steps need these: detach with a replacement, a release rollout.
    for (const p of ["Launch", "Terminate", "AddToLoadBalancer", "InstanceRefresh"]) expect(ASG_QUARANTINE_SUSPENDED_PROCESSES).not.toContain(p);
  });
});

test("terminate: one ALB listener rule answering 503 to every path is added, before the /prove rule; nothing else changes", () => {
  const d = diff(TERMINATE);
  expect(d.added).toEqual(["aws:lb/listenerRule:ListenerRule::srv-t-quarantine"]);
  expect(d.removed).toEqual([]);
  expect(Object.keys(d.changed)).toEqual(["aws:autoscaling/group:Group::srv-t-hosts"]);
  const rule = named(resources, "aws:lb/listenerRule:ListenerRule", "qtn-t-quarantine");
  const prove = named(resources, "aws:lb/listenerRule:ListenerRule", "qtn-t-prove");
  expect(rule.inputs["listenerArn"]).toBe(prove.inputs["listenerArn"]);
  expect(rule.inputs["priority"]).toBeLessThan(prove.inputs["priority"] as number);
  expect(rule.inputs["conditions"]).toEqual([{ pathPattern: { values: ["/*"] } }]);
  expect(rule.inputs["actions"]).toEqual([{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "503", messageBody: "quarantined: this prover is out of service" } }]);
});

test("passthrough: the NLB security group loses its client ingress rules (one per range); listener, target group and egress to the hosts stay", () => {
  const d = diff(PASSTHROUGH);
  expect(d.added).toEqual([]);
  expect(d.removed).toEqual([
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::srv-p-lb-in-443-0",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::srv-p-lb-in-443-1",
  ]);
  expect(Object.keys(d.changed)).toEqual(["aws:autoscaling/group:Group::srv-p-hosts"]);
  expect(d.same.map((r) => `${r.type}::${r.name}`)).toEqual(expect.arrayContaining([
    "aws:lb/listener:Listener::srv-p-tcp-443",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::srv-p-lb-out-hosts",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::srv-p-hosts-in-lb",
  ]));
});

test("the plan says first that the stack is quarantined, which fleets, why, since when and what changed; resumed fleets are not listed", () => {
  expect(plan.quarantine.quarantined).toBe(true);
  expect(plan.quarantine.fleets.map((f) => [f.fleet, f.reason, f.since])).toEqual([
    ["qtn-t", QUARANTINE.reason, QUARANTINE.since],
    ["qtn-p", QUARANTINE.reason, QUARANTINE.since],
  ]);
  expect(plan.quarantine.fleets[0]!.changes[0]).toMatch(/ALB listener rule .* 503/);
  expect(plan.quarantine.fleets[1]!.changes[0]).toMatch(/NLB security group admits no new client connection/);
  expect(plan.quarantine.fleets[1]!.changes[1]).toContain("ReplaceUnhealthy");
  const text = renderText(plan).split("\n");
  expect(text[0]).toBe(`QUARANTINED: fleet qtn-t since ${QUARANTINE.since}: ${QUARANTINE.reason}`);
  expect(text.filter((l) => l.startsWith("QUARANTINED"))).toHaveLength(2);
});
