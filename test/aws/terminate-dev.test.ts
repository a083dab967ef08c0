import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { awsProbe, verdicts } from "../helpers/health-check-eval";
import { devValues, named, ofType, one, planStack, PROJECT_DIR, prop } from "../helpers/offline";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";

// The dev stack as committed: terminate mode, the published (plain-HTTP) EIF, plaintext hop accepted.
let resources: PlannedResource[];
let outputs: Record<string, unknown>;
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), "utf8"));

beforeAll(async () => {
  const run = await planStack(devValues(), "dev");
  resources = run.resources;
  outputs = run.outputs;
});

const byName = (type: string, name: string) => named(resources, type, name);

describe("hosts", () => {
  test("launch template: enclave enabled, IMDSv2 only, encrypted root, no public IP", () => {
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(prop(lt, "instanceType")).toBe("m6i.xlarge");
    expect(prop(lt, "enclaveOptions.enabled")).toBe(true);
    expect(prop(lt, "metadataOptions.httpTokens")).toBe("required");
    expect(prop(lt, "metadataOptions.httpPutResponseHopLimit")).toBe(1);
    expect(prop(lt, "blockDeviceMappings")).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 30, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
    expect(prop(lt, "networkInterfaces.0.associatePublicIpAddress")).toBe("false");
    expect(prop(lt, "keyName")).toBeUndefined();
  });

  test("user data is the gzip-compressed #cloud-config with the allocator sized from config", () => {
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate");
    const raw = Buffer.from(prop<string>(lt, "userData"), "base64");
    expect(raw.length).toBeLessThanOrEqual(16384);
    const doc = gunzipSync(raw).toString("utf8");
    expect(doc.startsWith("#cloud-config\n")).toBe(true);
    const parsed = parseYaml(doc) as { write_files: Array<{ path: string; content: string }> };
    const allocator = parsed.write_files.find((f) => f.path === "/etc/tee-prover/allocator.yaml");
    expect(parseYaml(allocator!.content)).toEqual({ memory_mib: 4096, cpu_count: 2 });
    expect(doc).not.toContain("--debug-mode");
  });

  test("the host agent verifies attestation against the key policy's pins: the releases and the parent role's PCR3", () => {
    const doc = gunzipSync(Buffer.from(prop<string>(one(resources, "aws:ec2/launchTemplate:LaunchTemplate"), "userData"), "base64")).toString("utf8");
    const parsed = parseYaml(doc) as { write_files: Array<{ path: string; content: string }> };
    const env = parsed.write_files.find((f) => f.path === "/etc/tee-prover/release.env")?.content ?? "";
    const value = (key: string): string | undefined => new RegExp(`^${key}='([^']*)'$`, "m").exec(env)?.[1];
    const role = one(resources, "aws:iam/role:Role");
    const pcr3 = nitroParentRolePcr3(role.state["arn"] as string);
    expect(value("TEE_PROVER_PCR3_EXPECTED")).toBe(pcr3);
    // The same PCR3 the KMS condition pins.
    expect(prop<string>(one(resources, "aws:kms/key:Key"), "policy")).toContain(pcr3);
    expect(JSON.parse(value("TEE_PROVER_ACCEPTED_RELEASES") ?? "[]")).toEqual([
      {
        version: "v6.3.1",
        pcrs: {
          0: { expected: manifest.measurements.pcr0.value, warnOnly: false },
          1: { expected: manifest.measurements.pcr1.value, warnOnly: false },
          2: { expected: manifest.measurements.pcr2.value, warnOnly: false },
        },
      },
    ]);
    expect(parsed.write_files.some((f) => f.path === "/usr/local/libexec/tee-prover/verify-attestation.py")).toBe(true);
  });

  test("ASG: ELB health checks, boot grace, refresh that keeps 100% healthy capacity", () => {
    const asg = one(resources, "aws:autoscaling/group:Group");
    expect(prop(asg, "healthCheckType")).toBe("ELB");
    expect(prop(asg, "healthCheckGracePeriod")).toBe(900);
    expect(prop(asg, "minSize")).toBe(1);
    expect(prop(asg, "maxSize")).toBe(2);
    expect(prop(asg, "instanceRefresh")).toEqual({
      strategy: "Rolling",
      preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: "900", skipMatching: true },
    });
    // A new launch template version (new release or config) is what the refresh rolls out.
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(prop(asg, "launchTemplate")).toEqual({ id: lt.id, version: "1" });
    const privateSubnets = ofType(resources, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-private-")).map((s) => s.id);
    expect(prop<string[]>(asg, "vpcZoneIdentifiers").slice().sort()).toEqual(privateSubnets.sort());
    const tgArns = ofType(resources, "aws:lb/targetGroup:TargetGroup").map((t) => t.state["arn"]);
    expect(prop<string[]>(asg, "targetGroupArns").slice().sort()).toEqual(tgArns.sort());
    // Autoscaling owns desired capacity after creation.
    expect(asg.ignoreChanges).toEqual(["desiredCapacity"]);
  });

  test("scale out on CPU 70% and queue depth 10", () => {
    const cpu = byName("aws:autoscaling/policy:Policy", "prover-dev-scale-cpu");
    expect(prop(cpu, "targetTrackingConfiguration.targetValue")).toBe(70);
    const queue = byName("aws:autoscaling/policy:Policy", "prover-dev-scale-queue");
    expect(prop(queue, "targetTrackingConfiguration")).toEqual({
      customizedMetricSpecification: { namespace: "TeeProver/prover-dev", metricName: "JobsPending", metricDimensions: [{ name: "Fleet", value: "prover-dev" }], statistic: "Average" },
      targetValue: 10,
    });
  });

  test("hosts admit 6300 only from the load balancer; no SSH anywhere", () => {
    const lbSg = byName("aws:ec2/securityGroup:SecurityGroup", "prover-dev-lb");
    const hostSg = byName("aws:ec2/securityGroup:SecurityGroup", "prover-dev-hosts");
    const hostIngress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => prop(r, "securityGroupId") === hostSg.id);
    expect(hostIngress.map((r) => [prop(r, "fromPort"), prop(r, "toPort"), prop(r, "referencedSecurityGroupId"), prop(r, "cidrIpv4")])).toEqual([[6300, 6300, lbSg.id, undefined]]);
    expect(prop(hostSg, "ingress")).toBeUndefined();
    expect(prop(hostSg, "egress")).toBeUndefined();
    const hostEgress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => prop(r, "securityGroupId") === hostSg.id);
    expect(hostEgress.map((r) => [prop(r, "ipProtocol"), prop(r, "fromPort"), prop(r, "toPort"), prop(r, "cidrIpv4")])).toEqual([["tcp", 443, 443, "0.0.0.0/0"]]);
    const lbEgress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => prop(r, "securityGroupId") === lbSg.id);
    expect(lbEgress.map((r) => [prop(r, "fromPort"), prop(r, "toPort"), prop(r, "referencedSecurityGroupId")])).toEqual([[6300, 6300, hostSg.id]]);
    const allRules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(allRules.some((r) => Number(prop(r, "fromPort")) <= 22 && Number(prop(r, "toPort")) >= 22)).toBe(false);
    const lbIngress = allRules.filter((r) => prop(r, "securityGroupId") === lbSg.id).map((r) => [prop(r, "fromPort"), prop(r, "cidrIpv4")]);
    // No port 80 by default (ingress.httpRedirect is off): only the HTTPS listener is reachable.
    expect(lbIngress).toEqual([[443, "0.0.0.0/0"]]);
  });
});

describe("terminate ingress", () => {
  test("ALB idle timeout is job timeout + 60 s", () => {
    const alb = one(resources, "aws:lb/loadBalancer:LoadBalancer");
    expect(prop(alb, "loadBalancerType")).toBe("application");
    expect(prop(alb, "idleTimeout")).toBe(660);
    expect(prop(alb, "dropInvalidHeaderFields")).toBe(true);
    expect(prop(alb, "xffHeaderProcessingMode")).toBe("append");
    expect(prop(alb, "enableDeletionProtection")).toBe(false);
  });

  test("HTTPS listener with the ACM certificate and a TLS 1.2+ policy; no plaintext :80 listener by default", () => {
    const https = byName("aws:lb/listener:Listener", "prover-dev-https-443");
    expect(prop(https, "protocol")).toBe("HTTPS");
    expect(prop(https, "port")).toBe(443);
    expect(prop(https, "sslPolicy")).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect(prop(https, "certificateArn")).toBe("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000");
    expect(ofType(resources, "aws:lb/listener:Listener").map((l) => [l.name, prop(l, "protocol"), prop(l, "port")])).toEqual([["prover-dev-https-443", "HTTPS", 443]]);
  });

  test("target groups: accepted plaintext hop (HTTP) to 6300, /health check, drain job + 60 s; /prove routed separately", () => {
    const web = byName("aws:lb/targetGroup:TargetGroup", "prover-dev-web");
    const prove = byName("aws:lb/targetGroup:TargetGroup", "prover-dev-prove");
    for (const tg of [web, prove]) {
      expect(prop(tg, "protocol")).toBe("HTTP");
      expect(prop(tg, "port")).toBe(6300);
      expect(prop(tg, "deregistrationDelay")).toBe(660);
      expect(prop(tg, "healthCheck")).toEqual({ enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200,429", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 });
    }
    const rule = one(resources, "aws:lb/listenerRule:ListenerRule");
    expect(prop(rule, "conditions")).toEqual([{ pathPattern: { values: ["/prove", "/prove/*"] } }]);
    expect(prop(rule, "actions")).toEqual([{ type: "forward", targetGroupArn: prove.state["arn"] }]);
  });

  test("health checks as declared, run against local servers: a rate-limited (429) host stays in service, a dead one does not", async () => {
    // The ALB's GET /health over the accepted plaintext hop; see test/helpers/health-check-eval.ts.
    for (const tg of ofType(resources, "aws:lb/targetGroup:TargetGroup")) {
      expect(await verdicts((t) => awsProbe(tg.inputs, t), false)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" });
    }
  });

  test("WAF: per-client rate limit on the ALB, no sampled requests", () => {
    const acl = one(resources, "aws:wafv2/webAcl:WebAcl");
    expect(prop(acl, "scope")).toBe("REGIONAL");
    expect(prop(acl, "rules.0.statement.rateBasedStatement")).toEqual({ limit: 600, aggregateKeyType: "IP", evaluationWindowSec: 300 });
    expect(prop(acl, "rules.0.action")).toEqual({ block: {} });
    expect(prop(acl, "rules.0.visibilityConfig.sampledRequestsEnabled")).toBe(false);
    const assoc = one(resources, "aws:wafv2/webAclAssociation:WebAclAssociation");
    expect(prop(assoc, "resourceArn")).toBe(one(resources, "aws:lb/loadBalancer:LoadBalancer").state["arn"]);
  });

  test("outputs: https endpoint on the ALB, plaintext exposure stated", () => {
    const alb = one(resources, "aws:lb/loadBalancer:LoadBalancer");
    expect(outputs["endpoint"]).toBe(`https://${alb.state["dnsName"]}`);
    expect(outputs["ingressMode"]).toBe("terminate");
    expect(outputs["plaintextSeenBy"]).toEqual([
      "the AWS Application Load Balancer",
      "the parent EC2 instance (outside the enclave)",
      "anyone who can capture traffic on the load balancer -> host hop",
    ]);
    expect(outputs["kmsKeyArn"]).toBe(one(resources, "aws:kms/key:Key").state["arn"]);
    // dev has interactive access: the stack tells operators which document and policy to use.
    expect(outputs["sessionDocumentName"]).toMatch(/^TeeProver-prover-dev-Shell/);
    expect(outputs["sessionDocumentName"]).toBe(one(resources, "aws:ssm/document:Document").state["name"]);
    expect(outputs["sessionOperatorPolicyArn"]).toMatch(/^arn:aws:iam::123456789012:policy\/prover-dev-session-operator/);
    expect(outputs["sessionOperatorPolicyArn"]).toBe(one(resources, "aws:iam/policy:Policy").state["arn"]);
  });
});

describe("attestation and identity", () => {
  test("KMS key decrypts only for the host role with the v6.3.1 PCRs", () => {
    const key = one(resources, "aws:kms/key:Key");
    expect(prop(key, "enableKeyRotation")).toBe(true);
    expect(prop(key, "deletionWindowInDays")).toBe(7);
    expect(key.protect).toBe(false);
    const policy = JSON.parse(prop<string>(key, "policy"));
    const role = one(resources, "aws:iam/role:Role");
    const decrypt = policy.Statement.filter((s: { Action: unknown }) => s.Action === "kms:Decrypt");
    expect(decrypt).toEqual([{
      Sid: "AllowEnclaveDecryptV631",
      Effect: "Allow",
      Principal: { AWS: role.state["arn"] },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEqualsIgnoreCase: {
        "kms:RecipientAttestation:PCR0": manifest.measurements.pcr0.value,
        "kms:RecipientAttestation:PCR1": manifest.measurements.pcr1.value,
        "kms:RecipientAttestation:PCR2": manifest.measurements.pcr2.value,
        // The parent's role, the very ARN the instance profile below holds.
        "kms:RecipientAttestation:PCR3": nitroParentRolePcr3(role.state["arn"] as string),
      } },
    }]);
    expect(prop(one(resources, "aws:iam/instanceProfile:InstanceProfile"), "role")).toBe(role.state["name"]);
    expect(prop(role, "path")).toBe("/");
    expect(JSON.stringify(policy)).not.toContain(":root");
  });

  test("host role: its EIF, its log group, its metric namespace, Session Manager's agent channel (dev); no managed policy, no KMS", () => {
    const policy = JSON.parse(prop<string>(one(resources, "aws:iam/rolePolicy:RolePolicy"), "policy"));
    expect(policy.Statement).toEqual([
      { Sid: "ReadPinnedEifs", Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::example-tee-prover-artifacts/proof-server-v6.3.1.eif"] },
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: ["arn:aws:logs:us-east-1:123456789012:log-group:/tee-prover/prover-dev/host", "arn:aws:logs:us-east-1:123456789012:log-group:/tee-prover/prover-dev/host:log-stream:*"] },
      { Sid: "PublishOwnMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "TeeProver/prover-dev" } } },
      { Sid: "SessionManagerAgent", Effect: "Allow", Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: "*" },
      { Sid: "SessionLogGroupLookup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
    ]);
    // AmazonSSMManagedInstanceCore (ssm:GetParameter(s) on *) is gone, and nothing replaces it.
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    expect(prop(one(resources, "aws:iam/role:Role"), "managedPolicyArns")).toBeUndefined();
  });

  test("session document: a per-fleet Standard_Stream document streaming transcripts to the fleet's log group", () => {
    const doc = one(resources, "aws:ssm/document:Document");
    expect(prop(doc, "documentType")).toBe("Session");
    expect(prop(doc, "documentFormat")).toBe("JSON");
    const content = JSON.parse(prop<string>(doc, "content"));
    expect(content.sessionType).toBe("Standard_Stream");
    expect(content.inputs).toMatchObject({ cloudWatchLogGroupName: "/tee-prover/prover-dev/host", cloudWatchStreamingEnabled: true, cloudWatchEncryptionEnabled: false, s3BucketName: "", runAsEnabled: false, idleSessionTimeout: "20", maxSessionDuration: "60" });
    expect(prop(doc, "name")).toBe("TeeProver-prover-dev-Shell");
    const operator = JSON.parse(prop<string>(one(resources, "aws:iam/policy:Policy"), "policy"));
    expect(operator.Statement[0].Condition.StringEquals).toEqual({ "ssm:resourceTag/tee-prover:fleet": "prover-dev" });
    expect(operator.Statement[1].Resource).toBe("arn:aws:ssm:us-east-1:123456789012:document/TeeProver-prover-dev-Shell");
    // The hosts carry the tag the operator policy matches on.
    expect(prop<Array<{ key: string; value: string }>>(one(resources, "aws:autoscaling/group:Group"), "tags")).toContainEqual({ key: "tee-prover:fleet", value: "prover-dev", propagateAtLaunch: true });
  });

  test("log group: 14 days in dev, not retained", () => {
    const logs = one(resources, "aws:cloudwatch/logGroup:LogGroup");
    expect(prop(logs, "name")).toBe("/tee-prover/prover-dev/host");
    expect(prop(logs, "retentionInDays")).toBe(14);
    expect(logs.retainOnDelete).toBe(false);
  });
});

describe("alarms (terminate mode: every catalogue entry observable; 15 metric alarms, 3 audit-trail alarms as event rules)", () => {
  const alb = () => one(resources, "aws:lb/loadBalancer:LoadBalancer").state["arnSuffix"];
  const tg = (name: string) => byName("aws:lb/targetGroup:TargetGroup", name).state["arnSuffix"];
  const topic = (sev: string) => byName("aws:sns/topic:Topic", `prover-dev-${sev}`).state["arn"];

  // [alarm, comparison, threshold, period, evaluations, metric (namespace/name/stat) or expression]
  const single: Array<[string, string, number, number, number, string, string, string]> = [
    ["p0-no-healthy-host", "LessThanThreshold", 1, 60, 3, "AWS/ApplicationELB", "HealthyHostCount", "Minimum"],
    ["p0-tee-down", "LessThanThreshold", 1, 60, 2, "TeeProver/prover-dev", "EnclaveRunning", "Minimum"],
    ["p1-latency-p95-high", "GreaterThanThreshold", 60, 300, 3, "AWS/ApplicationELB", "TargetResponseTime", "p95"],
    ["p1-cpu-high", "GreaterThanThreshold", 90, 300, 2, "AWS/EC2", "CPUUtilization", "Average"],
    ["p1-memory-high", "GreaterThanThreshold", 95, 300, 1, "TeeProver/prover-dev", "MemoryUtilization", "Maximum"],
    ["p1-queue-deep", "GreaterThanThreshold", 100, 300, 1, "TeeProver/prover-dev", "JobsPending", "Maximum"],
    ["p2-latency-p95-elevated", "GreaterThanThreshold", 45, 300, 3, "AWS/ApplicationELB", "TargetResponseTime", "p95"],
    ["p2-cpu-elevated", "GreaterThanThreshold", 85, 300, 6, "AWS/EC2", "CPUUtilization", "Average"],
    ["p2-tls-cert-expiring", "LessThanThreshold", 14, 86400, 1, "AWS/CertificateManager", "DaysToExpiry", "Minimum"],
    ["p3-cpu-sustained", "GreaterThanThreshold", 80, 300, 12, "AWS/EC2", "CPUUtilization", "Average"],
  ];
  test.each(single)("%s: %s %s over %i s x %i on %s %s (%s)", (alarm, comparison, threshold, period, evaluations, namespace, metricName, stat) => {
    const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", `prover-dev-${alarm}`);
    expect(prop(a, "comparisonOperator")).toBe(comparison);
    expect(prop(a, "threshold")).toBe(threshold);
    expect(prop(a, "period")).toBe(period);
    expect(prop(a, "evaluationPeriods")).toBe(evaluations);
    expect(prop(a, "namespace")).toBe(namespace);
    expect(prop(a, "metricName")).toBe(metricName);
    expect(prop(a, stat.startsWith("p") ? "extendedStatistic" : "statistic")).toBe(stat);
    const sev = alarm.slice(0, 2);
    expect(prop(a, "alarmActions")).toEqual([topic(sev)]);
    expect(prop(a, "okActions")).toEqual([topic(sev)]);
  });

  test("metric dimensions point at this fleet's load balancer, target groups, ASG and certificate", () => {
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p0-no-healthy-host"), "dimensions")).toEqual({ LoadBalancer: alb(), TargetGroup: tg("prover-dev-web") });
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p1-latency-p95-high"), "dimensions")).toEqual({ LoadBalancer: alb(), TargetGroup: tg("prover-dev-prove") });
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p1-cpu-high"), "dimensions")).toEqual({ AutoScalingGroupName: one(resources, "aws:autoscaling/group:Group").state["name"] });
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p0-tee-down"), "dimensions")).toEqual({ Fleet: "prover-dev" });
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p0-tee-down"), "treatMissingData")).toBe("breaching");
    // ACM stops publishing DaysToExpiry once the certificate has expired: silence must page.
    expect(prop(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p2-tls-cert-expiring"), "treatMissingData")).toBe("breaching");
  });

  const math: Array<[string, number, number, number, string, Array<[string, string, string]>]> = [
    ["p0-attestation-failures", 1, 300, 2, "100 * FILL(m1, 0) / m2", [["TeeProver/prover-dev", "AttestationFailures", "Sum"], ["TeeProver/prover-dev", "AttestationChecks", "Sum"]]],
    ["p0-no-proofs", 0, 300, 1, "IF(FILL(m1, 0) > 0 AND FILL(m2, 0) == 0, 1, 0)", [["AWS/ApplicationELB", "RequestCount", "Sum"], ["AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", "Sum"]]],
    ["p1-error-rate-high", 1, 300, 3, "100 * (FILL(m1, 0) + FILL(m2, 0)) / m3", [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"], ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum"], ["AWS/ApplicationELB", "RequestCount", "Sum"]]],
    ["p2-error-rate-elevated", 0.5, 300, 3, "100 * (FILL(m1, 0) + FILL(m2, 0)) / m3", [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"], ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum"], ["AWS/ApplicationELB", "RequestCount", "Sum"]]],
  ];
  test.each(math)("%s: > %s over %i s x %i = %s", (alarm, threshold, period, evaluations, expression, metrics) => {
    const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", `prover-dev-${alarm}`);
    expect(prop(a, "comparisonOperator")).toBe("GreaterThanThreshold");
    expect(prop(a, "threshold")).toBe(threshold);
    expect(prop(a, "evaluationPeriods")).toBe(evaluations);
    const queries = prop<Array<{ id: string; expression?: string; returnData: boolean; metric?: { namespace: string; metricName: string; stat: string; period: number; dimensions: Record<string, string> } }>>(a, "metricQueries");
    expect(queries[0]).toMatchObject({ id: "e1", expression, returnData: true });
    expect(queries.slice(1).map((q) => [q.metric!.namespace, q.metric!.metricName, q.metric!.stat])).toEqual(metrics);
    expect(queries.slice(1).every((q) => q.metric!.period === period && q.returnData === false)).toBe(true);
    expect(prop(a, "alarmActions")).toEqual([topic(alarm.slice(0, 2))]);
  });

  test("no-proofs watches the /prove target group only", () => {
    const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p0-no-proofs");
    const queries = prop<Array<{ metric?: { dimensions: Record<string, string> } }>>(a, "metricQueries");
    for (const q of queries.slice(1)) expect(q.metric!.dimensions).toEqual({ LoadBalancer: alb(), TargetGroup: tg("prover-dev-prove") });
  });

  test("audit-trail alarms in us-east-1: IAM's rule needs no second region, topic or subscription", () => {
    const rules = ofType(resources, "aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((r) => r.name).sort()).toEqual([
      "prover-dev-p0-attestation-enforcement-changed-cloudtrail",
      "prover-dev-p0-attestation-enforcement-changed-kms-key",
      "prover-dev-p0-host-role-changed-host-role",
      "prover-dev-p3-network-rules-changed-sg-modify",
      "prover-dev-p3-network-rules-changed-sg-rules",
    ]);
    expect(rules.every((r) => prop(r, "region") === undefined && prop(r, "state") === "ENABLED")).toBe(true);
    const targets = ofType(resources, "aws:cloudwatch/eventTarget:EventTarget").map((t) => [t.name, prop(t, "arn")]).sort();
    expect(targets).toEqual(rules.map((r) => [r.name, topic(r.name.includes("-p0-") ? "p0" : "p3")]).sort());
    expect(ofType(resources, "aws:sns/topicPolicy:TopicPolicy").map((p) => [p.name, prop(p, "arn")]).sort()).toEqual([["prover-dev-p0-events", topic("p0")], ["prover-dev-p3-events", topic("p3")]]);
    // The host role rule matches this stack's role by name.
    const pattern = JSON.parse(prop<string>(rules.find((r) => r.name.endsWith("-host-role"))!, "eventPattern"));
    expect(pattern.detail.requestParameters).toEqual({ roleName: [one(resources, "aws:iam/role:Role").state["name"]] });
  });

  test("traffic anomaly: a band of 3 standard deviations around the ALB's requests (a stop filled as 0), either side, 3 of 3 periods", () => {
    const a = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "prover-dev-p3-traffic-anomaly");
    expect(prop(a, "comparisonOperator")).toBe("LessThanLowerOrGreaterThanUpperThreshold");
    expect(prop(a, "thresholdMetricId")).toBe("ad1");
    // A band alarm must not carry a static threshold (PutMetricAlarm refuses both).
    expect(prop(a, "threshold")).toBeUndefined();
    expect([prop(a, "evaluationPeriods"), prop(a, "datapointsToAlarm"), prop(a, "treatMissingData")]).toEqual([3, 3, "notBreaching"]);
    expect(prop(a, "metricQueries")).toEqual([
      { id: "m1", returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: alb() }, stat: "Sum", period: 300 } },
      { id: "e1", expression: "FILL(m1, 0)", label: "requests", returnData: true },
      { id: "ad1", expression: "ANOMALY_DETECTION_BAND(e1, 3)", label: "requests (expected)", returnData: true },
    ]);
    expect(prop(a, "alarmActions")).toEqual([topic("p3")]);
  });

  test("15 alarms, one topic per severity, subscriptions from config, a dashboard", () => {
    expect(ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")).toHaveLength(15);
    expect(ofType(resources, "aws:sns/topic:Topic").map((t) => t.name).sort()).toEqual(["prover-dev-p0", "prover-dev-p1", "prover-dev-p2", "prover-dev-p3"]);
    const subs = ofType(resources, "aws:sns/topicSubscription:TopicSubscription").map((s) => [prop(s, "topic"), prop(s, "protocol"), prop(s, "endpoint")]);
    expect(subs).toEqual([[topic("p0"), "email", "oncall@example.com"], [topic("p1"), "email", "oncall@example.com"]]);
    const dashboard = JSON.parse(prop<string>(one(resources, "aws:cloudwatch/dashboard:Dashboard"), "dashboardBody"));
    // 15 metric alarms, then one tile per audit-trail rule (fired / failed deliveries).
    expect(dashboard.widgets).toHaveLength(15 + 5);
    const ruleNames = ofType(resources, "aws:cloudwatch/eventRule:EventRule").map((r) => r.state["name"]).sort();
    const tiles = dashboard.widgets.slice(15) as Array<{ properties: { metrics: string[][] } }>;
    expect(tiles.map((w) => w.properties.metrics.map((m) => m.slice(0, 3).join(" ")))).toEqual(Array(5).fill(["AWS/Events TriggeredRules RuleName", "AWS/Events FailedInvocations RuleName"]));
    expect(tiles.map((w) => w.properties.metrics[0]![3]).sort()).toEqual(ruleNames);
    expect(dashboard.widgets.every((w: { properties: { region: string } }) => w.properties.region === "us-east-1")).toBe(true);
  });
});

test("every child is parented by the component and has a unique type+name", () => {
  const component = one(resources, "tee-prover:aws:NitroProofServer");
  expect(component.name).toBe("prover-dev");
  const children = resources.filter((r) => r !== component);
  expect(children.every((r) => r.parent === "tee-prover:aws:NitroProofServer::prover-dev")).toBe(true);
  const keys = resources.map((r) => `${r.type}::${r.name}`);
  expect(new Set(keys).size).toBe(keys.length);
});
