/**
 * The environment profile (src/config/environments.ts) and what it makes validation refuse: the
 * floors per environment and cloud, placeholders in prod (and the offline plan's exception), keys
 * with no effect, values checked for what they are, and every shipped stack file.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import type { NitroProofServerArgs } from "../../components/aws/args";
import { resolveNitroArgs } from "../../src/config/args";
import { ENVIRONMENTS, SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH } from "../../src/config/environments";
import { ConfigError } from "../../src/config/errors";
import { readStackFile } from "../../src/config/load";
import { findPlaceholders, markOfflinePlan, OFFLINE_PLAN_MARKER, offlinePlanMarker, placeholderFindingText, placeholderReason, withPlaceholderFinding } from "../../src/config/placeholders";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import { SCALE_OUT_CPU_PERCENT as CATALOGUE_CPU, SCALE_OUT_QUEUE_DEPTH as CATALOGUE_QUEUE } from "../../src/monitoring/catalogue";
import { knownReleases } from "../../src/releases/known";
import { PROJECT_DIR, devValues, devWith, expectOnlyProblem, problemsOf, prodReady, prodWith, resolveOk, source, withoutPlaceholders, type Json } from "./helpers";

/** The marker lives on globalThis and this file shares its worker: never leave it set. */
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[OFFLINE_PLAN_MARKER];
});

const stackValues = (stack: string): Record<string, Json> => structuredClone(readStackFile(PROJECT_DIR, stack).values) as Record<string, Json>;
const section = (values: Record<string, Json>, name: string): Json => values[`${PROJECT}:${name}`];

describe("the profile", () => {
  it("states dev small, staging prod-like with two hosts, prod with every protection", () => {
    expect(ENVIRONMENTS.dev).toMatchObject({ minHosts: 1, singleNatAllowed: true, placeholdersAllowed: true, pagingRequired: false, deletionProtection: false });
    expect(ENVIRONMENTS.staging).toMatchObject({ minHosts: 2, minZones: 2, floatingHostImageAllowed: true, pagingRequired: false });
    expect(ENVIRONMENTS.prod).toEqual({
      minHosts: 2,
      defaultFleet: { minSize: 2, maxSize: 6 },
      minZones: 2,
      singleNatAllowed: false,
      minKeyDeletionWindowDays: 30,
      warnOnlyPcrsAllowed: false,
      floatingHostImageAllowed: false,
      placeholdersAllowed: false,
      pagingRequired: true,
      deletionProtection: true,
      retainLogs: true,
      logRetentionDays: { aws: 365, azure: 365 },
      minLogRetentionDays: 365,
      interactiveAccessDefault: false,
    });
  });

  it("holds the scale-out targets the fleets use (the catalogue re-exports them): CPU 70 %, queue 10", () => {
    expect([SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH]).toEqual([70, 10]);
    expect([CATALOGUE_CPU, CATALOGUE_QUEUE]).toEqual([SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH]);
  });
});

describe("floors per environment and cloud", () => {
  it("a prod-ready config resolves (the floors below each break exactly one thing)", () => {
    expect(resolveOk(prodWith()).environment).toBe("prod");
  });

  it("AWS prod refuses one NAT gateway for every AZ", () => {
    expectOnlyProblem(prodWith((_v, p) => (p("aws").vpc.natGateways = "single")), "aws.vpc.natGateways", ["prod needs a NAT gateway per AZ", "that AZ's outage stops the whole fleet"], "set aws.vpc.natGateways: perAz");
  });

  it("AWS prod refuses a key deletion window under 30 days", () => {
    expectOnlyProblem(prodWith((_v, p) => (p("aws").kmsDeletionWindowDays = 7)), "aws.kmsDeletionWindowDays", "7 days is too short for prod", "set aws.kmsDeletionWindowDays: 30");
  });

  it("AWS prod keeps host logs at least a year; dev and staging may keep them a day", () => {
    expectOnlyProblem(prodWith((v) => (v["tee-prover-infra:logRetentionDays"] = 30)), "logRetentionDays", "30 days is too short for prod", "set logRetentionDays to at least 365");
    expect(resolveOk(prodWith((v) => (v["tee-prover-infra:logRetentionDays"] = 731))).logRetentionDays).toBe(731);
    expect(resolveOk(devWith((v) => (v["tee-prover-infra:logRetentionDays"] = 1))).logRetentionDays).toBe(1);
  });

  it("AWS prod refuses advisory-only PCRs", () => {
    expectOnlyProblem(prodWith((_v, p) => (p("releases")[0].warnOnlyPcrs = [1, 2])), "releases[0].warnOnlyPcrs", "prod enforces every pinned PCR: warn-only PCR1, PCR2", "remove releases[0].warnOnlyPcrs");
  });

  it("prod routes P0 and P1 to a pager: an HTTPS endpoint each, e-mail alone is refused", () => {
    const problems = problemsOf(prodWith((_v, p) => {
      p("alarms").P0 = { emails: ["oncall@acme-prover.io"] };
      delete p("alarms").P1.httpsEndpoints;
    }));
    expect(problems.map((p) => p.key)).toEqual(["alarms.P0.httpsEndpoints", "alarms.P1.httpsEndpoints"]);
    expect(problems[0]!.message).toContain("an SNS https subscription");
    expect(problems[0]!.fix).toContain("pulumi config set --secret --path 'alarms.P0.httpsEndpoints[0]'");
  });

  it("GCP prod pages through a webhook channel, Azure through an action group webhook", () => {
    const gcp = prodReady(stackValues("dev-gcp"));
    delete section(gcp, "alarms").P0.httpsEndpoints;
    expect(expectOnlyProblem(gcp, "alarms.P0.httpsEndpoints", "prod routes P0 to a pager").message).toContain("Cloud Monitoring webhook notification channel");
    const azure = prodReady(stackValues("dev-azure"));
    delete section(azure, "alarms").P1.httpsEndpoints;
    expect(expectOnlyProblem(azure, "alarms.P1.httpsEndpoints", "prod routes P1 to a pager").message).toContain("action group webhook receiver");
  });

  it("staging needs two hosts on every cloud; dev may run one", () => {
    expectOnlyProblem(devWith((v) => (v[`${PROJECT}:environment`] = "staging")), "aws.fleet.minSize", "staging needs at least 2 hosts", "set aws.fleet.minSize: 2");
    const gcp = stackValues("dev-gcp");
    gcp[`${PROJECT}:environment`] = "staging";
    expectOnlyProblem(gcp, "gcp.fleet.minSize", "staging needs at least 2 instances");
    const azure = stackValues("dev-azure");
    azure[`${PROJECT}:environment`] = "staging";
    expectOnlyProblem(azure, "azure.fleet.minSize", "staging needs at least 2 VMs");
    expect(resolveOk(devValues()).aws.fleet.minSize).toBe(1);
  });

  it("Azure prod needs two availability zones", () => {
    const one = prodReady(stackValues("dev-azure"));
    section(one, "azure").zones = ["1"];
    expectOnlyProblem(one, "azure.zones", ["prod needs the scale set over at least 2 availability zones", "got 1"], 'set azure.zones: ["1", "2"]');
    const none = prodReady(stackValues("dev-azure"));
    section(none, "azure").zones = [];
    expectOnlyProblem(none, "azure.zones", "got none");
  });
});

describe("placeholders", () => {
  it("recognises each kind of example value, and leaves real-looking values alone", () => {
    const cases: Array<[string, string]> = [
      ["arn:aws:iam::123456789012:role/deployer", "123456789012 is an example AWS account id"],
      ["arn:aws:acm:us-east-1:000000000000:certificate/abc", "000000000000 is an example AWS account id"],
      ["00000000-0000-0000-0000-000000000000", "all-zero UUID"],
      ["00000000-0000-0000-0000-000000000001", "all-zero UUID"],
      [`ghcr.io/x/y@sha256:${"0".repeat(64)}`, "all-zero digest"],
      ["ami-00000000000000000", "all-zero resource id"],
      ["000000-000000-000000", "all-zero id"],
      ["oncall@example.com", "RFC 2606"],
      ["prover.example.org", "RFC 2606"],
      ["https://hooks.example.net/x", "RFC 2606"],
      ["s3://example-tee-prover-artifacts/a.eif", "example- name"],
      ["example-tee-prover-prod", "example- name"],
      ["https://example-artifacts.blob.core.windows.net/tools/skr.tgz", "example- name"],
      ["projects/example-tee/secrets/x", "example- name"],
      ["arn:aws:iam::210987654321:role/PLACEHOLDER-deployer", "PLACEHOLDER"],
    ];
    for (const [value, reason] of cases) expect(placeholderReason(value), value).toContain(reason);
    for (const value of ["arn:aws:iam::210987654321:role/deployer", "prover.acme.io", "ami-0123456789abcdef0", "3f2a8c1e-5b7d-4e9a-9c0b-1d2e3f4a5b01", "us-east-1", "counterexample.company.com", "01A2B3-C4D5E6-F7A8B9", "payments-example-team", "arn:aws:iam::210987654321:role/my-example-deployer"]) {
      expect(placeholderReason(value), value).toBeUndefined();
    }
  });

  it("names project keys without the namespace, provider keys with it, and skips stand-ins", () => {
    const found = findPlaceholders({ "gcp:project": "example-p", [`${PROJECT}:alarms`]: { P0: { emails: ["a@example.com", "b@acme.io"] } } }, PROJECT);
    expect(found.map((f) => f.key)).toEqual(["gcp:project", "alarms.P0.emails[0]"]);
    expect(findPlaceholders({ [`${PROJECT}:alarms`]: { P0: { emails: ["a@example.com"] } } }, PROJECT, new Set(["alarms.P0.emails[0]"]))).toEqual([]);
  });

  it("prod refuses them, each on its key with the value and the fix; dev accepts them", () => {
    const values = prodWith((_v, p) => (p("aws").keyAdministratorArns = ["arn:aws:iam::123456789012:role/deployer"]));
    const problem = expectOnlyProblem(values, "aws.keyAdministratorArns[0]", ['"arn:aws:iam::123456789012:role/deployer" is a placeholder left from an example', "prod refuses it"], "pulumi config set --path 'aws.keyAdministratorArns[0]' <value>");
    expect(problem.message).toContain("123456789012 is an example AWS account id");
    expect(resolveOk(devValues()).aws.keyAdministratorArns).toEqual(["arn:aws:iam::123456789012:role/PLACEHOLDER-pulumi-deployer"]);
  });

  it("under the offline plan's marker, prod collects them instead, once per key; the finding names them", () => {
    const values = prodWith((_v, p) => (p("aws").certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"));
    const marker = markOfflinePlan();
    resolveOk(values);
    resolveOk(values);
    expect([...marker.placeholders.keys()]).toEqual(["aws.certificateArn"]);
    expect(placeholderFindingText([...marker.placeholders.values()])).toBe(
      "pulumi up refuses this stack until these 1 value is replaced: aws.certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    );
    expect(placeholderFindingText([])).toBeUndefined();
    // What the plan CLI prints first and adds to the JSON plan.
    const finding = withPlaceholderFinding({ stack: "prod" }, [...marker.placeholders.values()]);
    expect(finding.text).toBe(`!! ${placeholderFindingText([...marker.placeholders.values()])}\n\n`);
    expect(finding.json).toEqual({ stack: "prod", placeholders: { summary: placeholderFindingText([...marker.placeholders.values()]), values: [...marker.placeholders.values()] } });
    expect(withPlaceholderFinding({ stack: "dev" }, [])).toEqual({ text: "", json: { stack: "dev" } });
  });

  it("no marker, no exception: without the plan engine's marker, prod refuses its placeholders", () => {
    expect(offlinePlanMarker()).toBeUndefined();
    expect(problemsOf(prodWith((_v, p) => (p("aws").amiId = "ami-00000000000000000"))).map((p) => p.key)).toEqual(["aws.amiId"]);
  });

  it("the library's stand-ins for unresolved Inputs pass in prod; the real value is refused once known", async () => {
    // One Input only: every Input the second validation gates rejects with it. "deferred-check" is the
    // name whose Pulumi-surfaced unhandled rejections vitest.config.mts expects.
    const args = (admins: pulumi.Input<string[]>): NitroProofServerArgs => ({
      environment: "prod",
      releases: [{ manifest: knownReleases["v6.3.1"].manifest, eif: { s3Uri: "s3://acme-artifacts/proof-server-v6.3.1.eif" } }],
      ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "the published v6.3.1 EIF serves plain HTTP" } },
      alarms: { P0: { httpsEndpoints: ["https://events.pager.acme.io/p0"] }, P1: { httpsEndpoints: ["https://events.pager.acme.io/p1"] } },
      budget: { monthlyAmount: 1500 },
      aws: {
        region: "eu-west-1",
        amiId: "ami-0123456789abcdef0",
        vpc: { mode: "create", natGateways: "perAz" },
        certificateArn: "arn:aws:acm:eu-west-1:210987654321:certificate/1b2c3d4e-0000-4000-8000-000000000001",
        keyAdministratorArns: admins,
      },
    });
    const settle = (config: ReturnType<typeof resolveNitroArgs>) => (pulumi.output(config.aws.keyAdministratorArns) as unknown as { promise(): Promise<string[]> }).promise();
    // At construction the Input is the stand-in arn:aws:iam::000000000000:role/unresolved-0: not refused.
    const ok = resolveNitroArgs("prover", args(pulumi.output(["arn:aws:iam::210987654321:role/deployer"])));
    await expect(settle(ok)).resolves.toEqual(["arn:aws:iam::210987654321:role/deployer"]);
    const rejected = settle(resolveNitroArgs("deferred-check", args(pulumi.output(["arn:aws:iam::123456789012:role/deployer"]))));
    await expect(rejected).rejects.toBeInstanceOf(ConfigError);
    await expect(rejected).rejects.toThrow('args.aws.keyAdministratorArns[0]: "arn:aws:iam::123456789012:role/deployer" is a placeholder left from an example');
  });
});

describe("keys with no effect are refused, not ignored", () => {
  it("another cloud's section, by name and why", () => {
    expectOnlyProblem(devWith((v) => (v[`${PROJECT}:gcp`] = { machineType: "n2d-standard-8" })), "gcp", ["is the gcp section, but this stack's cloud is aws", "no effect"], "remove the gcp: section");
  });

  it("another cloud's provider settings", () => {
    expectOnlyProblem(devWith((v) => (v["gcp:project"] = "acme-prover")), "gcp:project", "is a setting of the gcp provider, but this stack's cloud is aws", "pulumi config rm gcp:project");
    const gcp = stackValues("dev-gcp");
    gcp["azure-native:location"] = "eastus";
    expectOnlyProblem(gcp, "azure-native:location", "is a setting of the azure-native provider");
  });

  /** AWS dev made passthrough with a TLS EIF, without any terminate-only key. */
  const passthrough = (mutate: (ingress: Json, aws: Json) => void) =>
    devWith((_v, p) => {
      p("ingress").mode = "passthrough";
      delete p("ingress").backendProtocol;
      delete p("ingress").plaintextHop;
      delete p("ingress").rateLimitPer5Minutes;
      delete p("aws").certificateArn;
      p("releases")[0].eif.servesTls = true;
      p("releases")[0].manifest = "releases/pcr-measurements.v6.4.0-tls.json";
      mutate(p("ingress"), p("aws"));
    });

  it("terminate-only settings in passthrough: the rate limit, HTTPS to the backend, the ALB's certificate and TLS policy", () => {
    expect(resolveOk(passthrough(() => {})).ingress.mode).toBe("passthrough");
    expectOnlyProblem(passthrough((i) => (i.rateLimitPer5Minutes = 600)), "ingress.rateLimitPer5Minutes", ["has no effect in passthrough", "forwards TCP it cannot read"]);
    expectOnlyProblem(passthrough((i) => (i.backendProtocol = "HTTPS")), "ingress.backendProtocol", "has no effect in passthrough");
    expectOnlyProblem(passthrough((_i, a) => (a.certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/1b2c3d4e")), "aws.certificateArn", "has no effect in passthrough");
    expectOnlyProblem(passthrough((_i, a) => (a.tlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06")), "aws.tlsPolicy", "it is the ALB's TLS policy");
  });

  it("a reason for not pinning PCR3 while it is pinned", () => {
    expectOnlyProblem(devWith((_v, p) => (p("aws").pinParentRoleOffReason = "we rotate the parent role weekly")), "aws.pinParentRoleOffReason", "has no effect while aws.pinParentRole is true");
  });

  it("GCP: a certificate in passthrough; Azure: backendTls with a plain-HTTP backend", () => {
    const gcp = stackValues("dev-gcp");
    Object.assign(section(gcp, "ingress"), { mode: "passthrough" });
    delete section(gcp, "ingress").backendProtocol;
    delete section(gcp, "ingress").plaintextHop;
    delete section(gcp, "ingress").rateLimitPer5Minutes;
    section(gcp, "releases")[0].servesTls = true;
    section(gcp, "proofServer").build = "tee";
    expectOnlyProblem(gcp, "gcp.certificate", "has no effect in passthrough");
    const azure = stackValues("dev-azure");
    section(azure, "azure").backendTls = { trustedRootCertificate: "x".repeat(60), hostName: "prover.internal.acme.io" };
    expectOnlyProblem(azure, "azure.backendTls", "has no effect with ingress.backendProtocol HTTP");
  });
});

describe("values are checked for what they are", () => {
  it("a CIDR is a CIDR: octets, prefix, no host bits", () => {
    const cidr = (value: string) => devWith((_v, p) => (p("ingress").allowedClientCidrs = [value]));
    expectOnlyProblem(cidr("300.1.2.0/24"), "ingress.allowedClientCidrs[0]", "must be an IPv4 CIDR such as 203.0.113.0/24 (octets 0-255, prefix 0-32, no leading zeros)");
    expectOnlyProblem(cidr("203.0.113.0/33"), "ingress.allowedClientCidrs[0]", "prefix 0-32");
    expectOnlyProblem(cidr("203.0.113.7/24"), "ingress.allowedClientCidrs[0]", "203.0.113.7/24 has bits set past its /24 prefix; the network is 203.0.113.0/24");
    expectOnlyProblem(cidr("010.66.0.0/16"), "ingress.allowedClientCidrs[0]", "must be an IPv4 CIDR");
    expectOnlyProblem(cidr("10.66.0.0/08"), "ingress.allowedClientCidrs[0]", "must be an IPv4 CIDR");
    expect(resolveOk(cidr("203.0.113.7/32")).ingress.allowedClientCidrs).toEqual(["203.0.113.7/32"]);
    expect(resolveOk(cidr("0.0.0.0/0")).ingress.allowedClientCidrs).toEqual(["0.0.0.0/0"]);
  });

  it("an AWS instance size exists in its family", () => {
    expectOnlyProblem(devWith((_v, p) => (p("aws").instanceType = "m6i.3xlarge")), "aws.instanceType", "m6i.3xlarge does not exist: m6i comes in xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge");
    expectOnlyProblem(devWith((_v, p) => (p("aws").instanceType = "c5n.8xlarge")), "aws.instanceType", "c5n comes in xlarge, 2xlarge, 4xlarge, 9xlarge, 18xlarge");
    expect(resolveOk(devWith((_v, p) => (p("aws").instanceType = "c5.9xlarge"))).aws.instanceShape.vcpus).toBe(36);
  });

  it("a GCP machine type exists in its family", () => {
    const machine = (machineType: string, type = "SEV") => {
      const v = stackValues("dev-gcp");
      Object.assign(section(v, "gcp"), { machineType, confidentialInstanceType: type });
      return v;
    };
    expectOnlyProblem(machine("n2d-standard-6"), "gcp.machineType", "n2d-standard-6 does not exist: n2d-standard comes with 2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224 vCPUs");
    expectOnlyProblem(machine("c3-standard-16", "TDX"), "gcp.machineType", "c3-standard comes with 4, 8, 22, 44, 88, 176 vCPUs");
    expectOnlyProblem(machine("n2d-ultramem-8"), "gcp.machineType", "not a machine shape this family offers");
    expect(() => resolveStackConfig(source(machine("c3-standard-22", "TDX")))).not.toThrow();
  });

  it("an Azure confidential VM size exists in its series", () => {
    const size = (vmSize: string) => {
      const v = stackValues("dev-azure");
      section(v, "azure").vmSize = vmSize;
      return v;
    };
    expectOnlyProblem(size("Standard_DC6as_v5"), "azure.vmSize", "Standard_DC6as_v5 does not exist: DCasv5 comes with 2, 4, 8, 16, 32, 48, 64, 96 vCPUs");
    expectOnlyProblem(size("Standard_DC20as_v5"), "azure.vmSize", "does not exist");
    expect(() => resolveStackConfig(source(size("Standard_EC20as_v5")))).not.toThrow();
  });

  it("the ACM certificate is in the stack's region", () => {
    const values = devWith((_v, p) => (p("aws").certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/1b2c3d4e"));
    expectOnlyProblem(values, "aws.certificateArn", "is a certificate of eu-west-1, but the stack's ALB is in us-east-1", "request or import the certificate in us-east-1");
  });
});

describe("the shipped stack files", () => {
  const stacks = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.slice(7, -5)).sort();

  it("are dev, staging and prod of every cloud", () => {
    expect(stacks).toEqual(["dev", "dev-azure", "dev-gcp", "prod", "prod-azure", "prod-gcp", "staging", "staging-azure", "staging-gcp"]);
  });

  it("dev and staging validate as they are", () => {
    for (const stack of stacks.filter((s) => !s.startsWith("prod"))) {
      const values = stackValues(stack);
      expect(resolveStackConfig({ values, projectDir: PROJECT_DIR }).environment, stack).toBe(stack.split("-")[0]);
    }
  });

  it("prod is refused for its placeholders only, and validates once they are replaced", () => {
    for (const stack of stacks.filter((s) => s.startsWith("prod"))) {
      const values = stackValues(stack);
      const problems = problemsOf(values);
      expect(problems.length, stack).toBeGreaterThan(0);
      for (const p of problems) expect(p.message, `${stack} ${p.key}`).toContain("is a placeholder left from an example");
      const ready = resolveStackConfig({ values: prodReadyFile(values), projectDir: PROJECT_DIR });
      expect([ready.environment, ready.cloud], stack).toEqual(["prod", section(values, "cloud")]);
    }
  });
});

/** A shipped prod file with its placeholders replaced and nothing else: it must meet every floor itself. */
function prodReadyFile(values: Record<string, Json>): Record<string, Json> {
  return withoutPlaceholders(values) as Record<string, Json>;
}
