import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { awsProbe, verdicts } from "../helpers/health-check-eval";
import { devValues, named, ofType, one, planStack, PROJECT_DIR, prop } from "../helpers/offline";

// Staging, passthrough: TLS ends inside the enclave. Two TLS-serving releases during a rotation,
// three AZs with a NAT gateway each, and a request timeout above the minimum.
const fixture = (v: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, `test/fixtures/pcr-measurements.${v}-tls.json`), "utf8"));
const older = fixture("v6.4.0");
const newer = fixture("v6.5.0");

let resources: PlannedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const base = devValues();
  const aws = base["tee-prover-infra:aws"] as Record<string, unknown>;
  const run = await planStack(devValues({
    environment: "staging",
    releases: [
      { manifest: "test/fixtures/pcr-measurements.v6.4.0-tls.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/v6.4.0.eif", servesTls: true } },
      { manifest: "test/fixtures/pcr-measurements.v6.5.0-tls.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/v6.5.0.eif", servesTls: true } },
    ],
    ingress: { mode: "passthrough", requestTimeoutSeconds: 900, allowedClientCidrs: ["198.51.100.0/24"] },
    aws: {
      ...aws,
      instanceType: "c6i.4xlarge",
      enclave: { cpuCount: 8, memoryMiB: 16384 },
      fleet: { minSize: 2, maxSize: 6 },
      vpc: { mode: "create", cidrBlock: "10.70.0.0/16", availabilityZoneCount: 3, natGateways: "perAz" },
      certificateArn: undefined,
    },
  }), "staging");
  resources = run.resources;
  outputs = run.outputs;
});

const byName = (type: string, name: string) => named(resources, type, name);

describe("passthrough ingress", () => {
  test("NLB with a security group, TCP listener whose idle timeout covers the job", () => {
    const nlb = one(resources, "aws:lb/loadBalancer:LoadBalancer");
    expect(prop(nlb, "loadBalancerType")).toBe("network");
    expect(prop(nlb, "enableCrossZoneLoadBalancing")).toBe(true);
    expect(prop<string[]>(nlb, "securityGroups")).toEqual([byName("aws:ec2/securityGroup:SecurityGroup", "prover-staging-lb").id]);
    const listeners = ofType(resources, "aws:lb/listener:Listener");
    expect(listeners.map((l) => [prop(l, "protocol"), prop(l, "port"), prop(l, "tcpIdleTimeoutSeconds")])).toEqual([["TCP", 443, 900]]);
    expect(ofType(resources, "aws:wafv2/webAcl:WebAcl")).toHaveLength(0);
  });

  test("TCP target group on 6300, HTTPS health check on /health answered by the enclave, drain job + 60 s", () => {
    const tg = one(resources, "aws:lb/targetGroup:TargetGroup");
    expect(prop(tg, "protocol")).toBe("TCP");
    expect(prop(tg, "port")).toBe(6300);
    expect(prop(tg, "deregistrationDelay")).toBe(660);
    expect(prop(tg, "healthCheck")).toMatchObject({ protocol: "HTTPS", path: "/health", port: "traffic-port", matcher: "200,429" });
  });

  test("the health check as declared, run against local servers: a rate-limited (429) enclave stays in service; a closed port, a hung server or the forwarder with no enclave behind it do not", async () => {
    const tg = one(resources, "aws:lb/targetGroup:TargetGroup");
    expect(await verdicts((t) => awsProbe(tg.inputs, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" });
  });

  test("client ranges from config reach only the listener; hosts only from the NLB", () => {
    const lbSg = byName("aws:ec2/securityGroup:SecurityGroup", "prover-staging-lb");
    const hostSg = byName("aws:ec2/securityGroup:SecurityGroup", "prover-staging-hosts");
    const ingress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.filter((r) => prop(r, "securityGroupId") === lbSg.id).map((r) => [prop(r, "fromPort"), prop(r, "cidrIpv4")])).toEqual([[443, "198.51.100.0/24"]]);
    expect(ingress.filter((r) => prop(r, "securityGroupId") === hostSg.id).map((r) => [prop(r, "fromPort"), prop(r, "referencedSecurityGroupId")])).toEqual([[6300, lbSg.id]]);
  });

  test("plaintext seen by nobody outside the TEE; endpoint is the NLB", () => {
    expect(outputs["plaintextSeenBy"]).toEqual([]);
    expect(outputs["endpoint"]).toBe(`https://${one(resources, "aws:lb/loadBalancer:LoadBalancer").state["dnsName"]}`);
  });
});

describe("alarms in passthrough mode", () => {
  test("HTTP-level alarms are listed as unobservable, not created", () => {
    const review = outputs["review"] as { unobservableAlarms: Array<{ alarm: { id: string }; reason: string }> };
    expect(review.unobservableAlarms.map((u) => u.alarm.id).sort()).toEqual(["error-rate-elevated", "error-rate-high", "latency-p95-elevated", "latency-p95-high", "no-proofs", "traffic-anomaly"]);
    expect(review.unobservableAlarms.filter((u) => u.alarm.id !== "traffic-anomaly").every((u) => u.reason.includes("NLB sees TCP only"))).toBe(true);
    // The NLB counts flows, not requests: no band on them.
    expect(review.unobservableAlarms.find((u) => u.alarm.id === "traffic-anomaly")!.reason).toContain("NLB counts TCP flows, not requests");
    const names = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name).sort();
    expect(names).toEqual([
      "prover-staging-p0-attestation-failures",
      "prover-staging-p0-no-healthy-host",
      "prover-staging-p0-tee-down",
      "prover-staging-p1-cpu-high",
      "prover-staging-p1-memory-high",
      "prover-staging-p1-queue-deep",
      "prover-staging-p2-cpu-elevated",
      "prover-staging-p2-tls-cert-expiring",
      "prover-staging-p3-cpu-sustained",
    ]);
  });

  test("healthy hosts from the NLB; certificate expiry from the host agent's TLS handshake", () => {
    const healthy = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-staging-p0-no-healthy-host");
    expect([prop(healthy, "namespace"), prop(healthy, "metricName"), prop(healthy, "statistic")]).toEqual(["AWS/NetworkELB", "HealthyHostCount", "Minimum"]);
    const cert = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-staging-p2-tls-cert-expiring");
    expect([prop(cert, "namespace"), prop(cert, "metricName"), prop(cert, "threshold"), prop(cert, "comparisonOperator")]).toEqual(["TeeProver/prover-staging", "TlsCertDaysToExpiry", 14, "LessThanThreshold"]);
  });
});

describe("rotation", () => {
  test("the KMS key accepts both releases, one statement each, PCRs never mixed", () => {
    const policy = JSON.parse(prop<string>(one(resources, "aws:kms/key:Key"), "policy"));
    const decrypt = policy.Statement.filter((s: { Action: unknown }) => s.Action === "kms:Decrypt");
    const conditions = decrypt.map((s: { Sid: string; Condition: { StringEqualsIgnoreCase: Record<string, string> } }) => [s.Sid, s.Condition.StringEqualsIgnoreCase["kms:RecipientAttestation:PCR0"], s.Condition.StringEqualsIgnoreCase["kms:RecipientAttestation:PCR2"]]);
    expect(conditions).toEqual([
      ["AllowEnclaveDecryptV640", older.measurements.pcr0.value, older.measurements.pcr2.value],
      ["AllowEnclaveDecryptV650", newer.measurements.pcr0.value, newer.measurements.pcr2.value],
    ]);
  });

  test("new hosts boot the last release; the role may read both EIFs", () => {
    const review = outputs["review"] as { activeRelease: string; acceptedReleases: string[] };
    expect(review.activeRelease).toBe("v6.5.0");
    expect(review.acceptedReleases).toEqual(["v6.4.0", "v6.5.0"]);
    const policy = JSON.parse(prop<string>(one(resources, "aws:iam/rolePolicy:RolePolicy"), "policy"));
    expect(policy.Statement[0].Resource).toEqual(["arn:aws:s3:::example-tee-prover-artifacts/v6.4.0.eif", "arn:aws:s3:::example-tee-prover-artifacts/v6.5.0.eif"]);
    expect(prop(one(resources, "aws:ec2/launchTemplate:LaunchTemplate"), "tagSpecifications.0.tags")).toMatchObject({ "tee-prover:release": "v6.5.0" });
  });
});

describe("network and sizing", () => {
  test("three AZs: public /24s, private /20s, a NAT gateway per AZ, private routes through their own AZ's NAT", () => {
    const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
    const cidrs = Object.fromEntries(subnets.map((s) => [s.name, [prop(s, "cidrBlock"), prop(s, "availabilityZone"), prop(s, "mapPublicIpOnLaunch")]]));
    expect(cidrs).toEqual({
      "prover-staging-public-0": ["10.70.0.0/24", "us-east-1a", false],
      "prover-staging-public-1": ["10.70.1.0/24", "us-east-1b", false],
      "prover-staging-public-2": ["10.70.2.0/24", "us-east-1c", false],
      "prover-staging-private-0": ["10.70.16.0/20", "us-east-1a", false],
      "prover-staging-private-1": ["10.70.32.0/20", "us-east-1b", false],
      "prover-staging-private-2": ["10.70.48.0/20", "us-east-1c", false],
    });
    const nats = ofType(resources, "aws:ec2/natGateway:NatGateway");
    expect(nats).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const routes = prop<Array<{ natGatewayId: string }>>(byName("aws:ec2/routeTable:RouteTable", `prover-staging-private-${i}`), "routes");
      expect(routes).toEqual([{ cidrBlock: "0.0.0.0/0", natGatewayId: byName("aws:ec2/natGateway:NatGateway", `prover-staging-nat-${i}`).id }]);
    }
  });

  test("allocator and review: 8 enclave vCPUs on a 16-vCPU host leaves the parent 8", () => {
    const review = outputs["review"] as { enclave: Record<string, number> };
    expect(review.enclave).toEqual({ cpuCount: 8, memoryMiB: 16384, cid: 16, parentVcpus: 8, parentMemoryMiB: 16384 });
  });
});
