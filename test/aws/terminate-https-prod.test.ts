import { beforeAll, describe, expect, test } from "vitest";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { MOCK_ACCOUNT_ID } from "../../src/plan/mocks";
import { buildPlan, renderText, type ReviewOutput } from "../../src/plan/report";
import type { PlannedResource } from "../../src/plan/engine";
import { SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH } from "../../src/config/environments";
import type { PlaceholderFinding } from "../../src/config/placeholders";
import { awsProbe, verdicts } from "../helpers/health-check-eval";
import { devValues, ofType, one, planStack, prop, paged } from "../helpers/offline";

// prod, terminate mode re-encrypting to a TLS-serving EIF, in an existing VPC: what must survive
// `pulumi destroy` is protected or retained.
let resources: PlannedResource[];
let outputs: Record<string, unknown>;
let placeholders: PlaceholderFinding[];

beforeAll(async () => {
  const aws = devValues()["tee-prover-infra:aws"] as Record<string, unknown>;
  const run = await planStack(paged(devValues({
    environment: "prod",
    budget: { monthlyAmount: 1500, currency: "USD" },
    releases: [{ manifest: "test/fixtures/pcr-measurements.v6.4.0-tls.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/v6.4.0.eif", servesTls: true } }],
    ingress: { mode: "terminate", backendProtocol: "HTTPS", rateLimitPer5Minutes: 2000, httpRedirect: true },
    aws: {
      ...aws,
      instanceType: "m6i.2xlarge",
      amiId: "ami-0123456789abcdef0",
      enclave: {},
      fleet: { minSize: 2, maxSize: 8, desiredCapacity: 3 },
      vpc: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] },
      kmsDeletionWindowDays: 30,
    },
  })), "prod");
  resources = run.resources;
  outputs = run.outputs;
  placeholders = run.placeholders;
});

describe("prod protections", () => {
  test("hosts boot the AMI config pins, not the latest one", () => {
    expect(prop(one(resources, "aws:ec2/launchTemplate:LaunchTemplate"), "imageId")).toBe("ami-0123456789abcdef0");
  });

  test("the KMS key is protected with a 30-day deletion window", () => {
    const key = one(resources, "aws:kms/key:Key");
    expect(key.protect).toBe(true);
    expect(prop(key, "deletionWindowInDays")).toBe(30);
  });

  test("host logs are kept for a year and outlive the stack", () => {
    const logs = one(resources, "aws:cloudwatch/logGroup:LogGroup");
    expect(prop(logs, "retentionInDays")).toBe(365);
    expect(prop(logs, "skipDestroy")).toBe(true);
    expect(logs.retainOnDelete).toBe(true);
  });

  test("no interactive access by default: no Session Manager permission on the host role and no session document", () => {
    const policy = JSON.parse(prop<string>(one(resources, "aws:iam/rolePolicy:RolePolicy"), "policy")) as { Statement: Array<{ Sid: string; Action: string | string[] }> };
    expect(policy.Statement.map((s) => s.Sid)).toEqual(["ReadPinnedEifs", "WriteOwnLogs", "PublishOwnMetrics"]);
    expect(policy.Statement.flatMap((s) => [s.Action].flat()).filter((a) => /^(ssm|ssmmessages|ec2messages):/.test(a))).toEqual([]);
    expect(ofType(resources, "aws:ssm/document:Document")).toEqual([]);
    expect(ofType(resources, "aws:iam/policy:Policy")).toEqual([]);
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    expect(Object.keys(outputs).filter((k) => k.startsWith("session"))).toEqual([]);
  });

  test("the load balancer has deletion protection", () => {
    expect(prop(one(resources, "aws:lb/loadBalancer:LoadBalancer"), "enableDeletionProtection")).toBe(true);
  });
});

describe("terminate with re-encryption", () => {
  test("ingress.httpRedirect opted in: exactly one plaintext :80 listener, which only redirects, and port 80 open to the client ranges", () => {
    const alb = one(resources, "aws:lb/loadBalancer:LoadBalancer");
    const listeners = ofType(resources, "aws:lb/listener:Listener");
    expect(listeners.map((l) => [l.name, prop(l, "protocol"), prop(l, "port")]).sort()).toEqual([["prover-prod-http-80", "HTTP", 80], ["prover-prod-https-443", "HTTPS", 443]]);
    const http = listeners.find((l) => prop(l, "port") === 80)!;
    expect(prop(http, "loadBalancerArn")).toBe(alb.state["arn"]);
    expect(prop(http, "defaultActions")).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
    const lbSg = one(resources, "aws:ec2/securityGroup:SecurityGroup", "-lb");
    const lbIngress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => prop(r, "securityGroupId") === lbSg.id);
    expect(lbIngress.map((r) => [prop(r, "fromPort"), prop(r, "toPort"), prop(r, "cidrIpv4")]).sort()).toEqual([[443, 443, "0.0.0.0/0"], [80, 80, "0.0.0.0/0"]]);
  });

  test("HTTPS to the enclave and HTTPS health checks on both target groups; as declared, a rate-limited (429) host stays in service, a dead one does not", async () => {
    const tgs = ofType(resources, "aws:lb/targetGroup:TargetGroup");
    expect(tgs).toHaveLength(2);
    for (const tg of tgs) {
      expect(prop(tg, "protocol")).toBe("HTTPS");
      expect(prop(tg, "healthCheck.protocol")).toBe("HTTPS");
      expect(prop(tg, "healthCheck.path")).toBe("/health");
      expect(await verdicts((t) => awsProbe(tg.inputs, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" });
    }
    expect(outputs["plaintextSeenBy"]).toEqual(["the AWS Application Load Balancer"]);
    expect(prop(one(resources, "aws:wafv2/webAcl:WebAcl"), "rules.0.statement.rateBasedStatement.limit")).toBe(2000);
  });

  test("enclave allocation defaults to the manifest's buildInfo (4 vCPUs, 8192 MiB)", () => {
    const review = outputs["review"] as { enclave: Record<string, number> };
    expect(review.enclave).toEqual({ cpuCount: 4, memoryMiB: 8192, cid: 16, parentVcpus: 4, parentMemoryMiB: 24576 });
  });
});

describe("existing VPC", () => {
  test("no network resources are created; hosts and load balancer use the given subnets", () => {
    for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"]) {
      expect(ofType(resources, type)).toHaveLength(0);
    }
    expect(prop(one(resources, "aws:autoscaling/group:Group"), "vpcZoneIdentifiers")).toEqual(["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]);
    expect(prop(one(resources, "aws:autoscaling/group:Group"), "desiredCapacity")).toBe(3);
    expect(prop(one(resources, "aws:lb/loadBalancer:LoadBalancer"), "subnets")).toEqual(["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]);
    for (const sg of ofType(resources, "aws:ec2/securityGroup:SecurityGroup")) expect(prop(sg, "vpcId")).toBe("vpc-0123456789abcdef0");
  });
});

describe("budget (prod requires one)", () => {
  const topic = (sev: string) => one(resources, "aws:sns/topic:Topic", `prover-prod-${sev}`).state["arn"] as string;
  const policyOf = (sev: string) => {
    const policies = ofType(resources, "aws:sns/topicPolicy:TopicPolicy").filter((p) => prop(p, "arn") === topic(sev));
    expect(policies).toHaveLength(1);
    return JSON.parse(prop<string>(policies[0]!, "policy"));
  };

  test("the offline plan shows the budget's amount, unit, period and filter among the key settings", () => {
    const text = renderText(buildPlan({ stack: "prod", cloud: "aws", environment: "prod", ingressMode: "terminate", review: outputs["review"] as ReviewOutput, resources, secretKeys: [] }));
    expect(text).toContain('  prover-prod-budget  limitAmount = "1500.00"\n');
    expect(text).toContain('  prover-prod-budget  limitUnit = "USD"\n');
    expect(text).toContain('  prover-prod-budget  timeUnit = "MONTHLY"\n');
  });

  test("a monthly COST budget of the expected amount, for what carries the fleet's tag", () => {
    const budget = one(resources, "aws:budgets/budget:Budget");
    expect([prop(budget, "budgetType"), prop(budget, "timeUnit"), prop(budget, "limitAmount"), prop(budget, "limitUnit")]).toEqual(["COST", "MONTHLY", "1500.00", "USD"]);
    expect(prop(budget, "costFilters")).toEqual([{ name: "TagKeyValue", values: ["user:tee-prover:fleet$prover-prod"] }]);
    // The filter's tag is one every child carries.
    expect(prop<Record<string, string>>(one(resources, "aws:kms/key:Key"), "tags")["tee-prover:fleet"]).toBe("prover-prod");
  });

  test("actual spend above 80 / 100 / 110 % goes to the P3 / P2 / P1 topics", () => {
    const notifications = prop<Array<Record<string, unknown>>>(one(resources, "aws:budgets/budget:Budget"), "notifications");
    expect(notifications).toEqual([
      { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: 80, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topic("p3")] },
      { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: 100, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topic("p2")] },
      { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: 110, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topic("p1")] },
    ]);
  });

  test("one policy per topic: P1 and P2 get one for the budget, P3 keeps the EventBridge statement beside it, P0 has none for budgets", () => {
    const sids = (sev: string) => (policyOf(sev).Statement as Array<{ Sid: string }>).map((st) => st.Sid);
    expect(sids("p1")).toEqual(["OwnerAccount", "AWSBudgetsPublish"]);
    expect(sids("p2")).toEqual(["OwnerAccount", "AWSBudgetsPublish"]);
    expect(sids("p3")).toEqual(["OwnerAccount", "EventBridgeAuditRules", "AWSBudgetsPublish"]);
    expect(sids("p0")).toEqual(["OwnerAccount", "EventBridgeAuditRules"]);
  });

  /** IAM's decision on a service publishing to a topic under its resource policy (@cloud-copilot/iam-simulate). */
  async function publish(sev: string, service: string, context: Record<string, string>): Promise<string> {
    const response = await runSimulation({
      request: { principal: service, action: "sns:Publish", resource: { resource: topic(sev), accountId: MOCK_ACCOUNT_ID }, contextVariables: context },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policyOf(sev),
    }, { simulationMode: "Strict" });
    if (response.resultType !== "single") throw new Error(`unexpected simulation result: ${JSON.stringify(response)}`);
    expect(response.result.ignoredContextKeys ?? []).toEqual([]);
    return response.overallResult;
  }

  test("the topic policy lets this account's budgets publish, and nobody else's", async () => {
    const own = { "aws:SourceAccount": MOCK_ACCOUNT_ID, "aws:SourceArn": `arn:aws:budgets::${MOCK_ACCOUNT_ID}:budget/prover-prod-budget` };
    for (const sev of ["p1", "p2", "p3"]) expect([sev, await publish(sev, "budgets.amazonaws.com", own)]).toEqual([sev, "Allowed"]);
    expect(await publish("p1", "budgets.amazonaws.com", { "aws:SourceAccount": "210987654321", "aws:SourceArn": "arn:aws:budgets::210987654321:budget/theirs" })).toBe("ImplicitlyDenied");
    // P0 routes no budget threshold: budgets may not publish there.
    expect(await publish("p0", "budgets.amazonaws.com", own)).toBe("ImplicitlyDenied");
  });
});

describe("the environment profile (src/config/environments.ts)", () => {
  test("autoscaling targets come from the profile: CPU 70 % and a queue of 10 per host", () => {
    const policies = ofType(resources, "aws:autoscaling/policy:Policy");
    expect(policies.map((p) => prop(p, "targetTrackingConfiguration.targetValue")).sort()).toEqual([SCALE_OUT_QUEUE_DEPTH, SCALE_OUT_CPU_PERCENT].sort());
    expect([SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH]).toEqual([70, 10]);
  });

  test("under the offline plan's marker, this prod stack's placeholder was collected instead of refused", () => {
    expect(placeholders).toContainEqual({ key: "releases[0].eif.s3Uri", value: "s3://example-tee-prover-artifacts/v6.4.0.eif", reason: "an example- name is copied from the examples" });
  });
});
