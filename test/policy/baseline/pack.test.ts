import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { runResourcePolicy, runStackPolicy, type OfflineResource } from "../../../src/policy/evaluate";
import { baselinePolicies } from "../../../policy/baseline/policies";
import { awsDev, azureDev, gcpDev, resource } from "./dev-stacks";

// The pack as a whole: every rule follows the conventions, and the shipped dev stacks pass every
// rule with the schema defaults (what `pulumi preview --policy-pack` applies without a config file).

const RULES_DIR = path.join(__dirname, "../../../policy/baseline/rules");

function defaults(policy: ResourceValidationPolicy | StackValidationPolicy): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
}

async function findings(stack: readonly OfflineResource[]): Promise<string[]> {
  const out: string[] = [];
  for (const policy of baselinePolicies) {
    if ("validateStack" in policy) {
      const o = await runStackPolicy(policy, stack, defaults(policy));
      if (o.kind === "violations") out.push(...o.violations.map((v) => `${policy.name}: ${v.message}`));
      continue;
    }
    for (const r of stack) {
      const o = await runResourcePolicy(policy, r, defaults(policy));
      if (o.kind === "violations") out.push(...o.violations.map((v) => `${policy.name} ${r.name}: ${v.message}`));
    }
  }
  return out;
}

describe("baseline pack", () => {
  it("lists every rule module once, named after its file, with description, severity, level and remediation", () => {
    const files = fs.readdirSync(RULES_DIR).map((f) => f.replace(/\.ts$/, "")).sort();
    expect(baselinePolicies.map((p) => p.name).sort()).toEqual(files);
    for (const p of baselinePolicies) {
      expect(p.name).toMatch(/^(aws|gcp|azure)-[a-z0-9]+-[a-z0-9]+-(enforce|require|disallow)-[a-z0-9-]+$/);
      expect(p.description.length).toBeGreaterThan(20);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
      expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(20);
      // Every schema property has a default, so a pack without a config file is complete.
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) expect(schema.default, `${p.name}.${key}`).toBeDefined();
      // The one-line why sits in the module.
      expect(fs.readFileSync(path.join(RULES_DIR, `${p.name}.ts`), "utf8")).toContain(`// Why (${p.enforcementLevel})`);
    }
  });

  it("passes the shipped AWS, GCP and Azure dev stacks with default config", async () => {
    expect(await findings(awsDev)).toEqual([]);
    expect(await findings(gcpDev)).toEqual([]);
    expect(await findings(azureDev)).toEqual([]);
  });
});

// The deliberately broken program, written without our components: open SSH, a plaintext
// listener, a 60 s load balancer and no P0 alarm (the debug enclave and the unpinned key are the
// attestation pack's). Everything else about it is sound, so the findings are exactly those.
const VPC = "vpc-0123456789abcdef0";
const broken = [
  resource("aws:ec2/securityGroup:SecurityGroup", "hosts", { vpcId: VPC, ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }),
  resource("aws:ec2/launchTemplate:LaunchTemplate", "enclave-host", {
    instanceType: "c6i.2xlarge",
    enclaveOptions: { enabled: true },
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 30 } }],
    networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false" }],
  }),
  resource("aws:lb/loadBalancer:LoadBalancer", "lb", { loadBalancerType: "application", idleTimeout: 60, subnets: ["subnet-1", "subnet-2"] }),
  resource("aws:wafv2/webAclAssociation:WebAclAssociation", "waf", { resourceArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb-1a2b3c4/50dc6c495c0c9188", webAclArn: "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/w/1" }),
  resource("aws:lb/targetGroup:TargetGroup", "prover", { port: 6300, protocol: "HTTP", vpcId: VPC, deregistrationDelay: 660, healthCheck: { path: "/health", port: "traffic-port" } }),
  resource("aws:lb/listener:Listener", "http", { port: 80, protocol: "HTTP", loadBalancerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb-1a2b3c4/50dc6c495c0c9188", defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/prover-1a2b3c4/1" }] }),
];

describe("the issue's broken program", () => {
  it("is refused by mandatory rules, each violation named", async () => {
    expect(await findings(broken)).toEqual([
      "aws-cloudwatch-metricalarm-require-routed-p0-alarms: the stack runs proof-server hosts (enclave-host) but declares no P0 alarm (a CloudWatch alarm tagged Severity=P0 or named or described \"[P0] ...\"); add the P0 alarms and route them to on-call",
      "aws-ec2-securitygroup-disallow-public-ingress hosts: ingress[0]: port 22 (admin port 22) open to 0.0.0.0/0: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range",
      "aws-lb-listener-require-modern-tls http: plaintext HTTP listener on port 80 forwards requests: serve HTTPS, redirect to HTTPS, or state the acceptance in plaintextAccepted",
      "aws-lb-loadbalancer-enforce-idle-timeout lb: idleTimeout is 60 s; every timeout on the request path must be at least 660 s (jobTimeoutSeconds 600 + 60)",
    ]);
    const mandatory = new Set(baselinePolicies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name));
    for (const f of await findings(broken)) expect(mandatory.has(f.split(/[ :]/)[0]!)).toBe(true);
  });
});
