/**
 * The parent instance role's permissions, evaluated with a real IAM evaluator
 * (@cloud-copilot/iam-simulate), not by reading strings. The role has exactly one identity policy
 * (buildHostRolePolicy); the component tests (terminate-dev, terminate-https-prod) check that
 * nothing else is attached to it.
 */
import { describe, expect, it } from "vitest";
import { runSimulation, type EvaluationResult, type SimulationIdentityPolicy } from "@cloud-copilot/iam-simulate";
import { buildHostRolePolicy, buildSessionOperatorPolicy, SESSION_MANAGER_AGENT_ACTIONS, type HostPolicyInput } from "../../components/aws/hostPolicy";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const HOST_ROLE = `arn:aws:iam::${ACCOUNT}:role/prover-prod-host-a1b2c3d`;
const LOG_GROUP = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/tee-prover/prover-prod/host`;
const EIF = "s3://example-tee-prover-artifacts/proof-server-v6.3.1.eif";
const NAMESPACE = "TeeProver/prover-prod";

const base: HostPolicyInput = {
  partition: "aws",
  eifS3Uris: [EIF],
  logGroupArn: LOG_GROUP,
  metricNamespace: NAMESPACE,
  interactiveAccess: false,
};
const withSessions = buildHostRolePolicy({ ...base, interactiveAccess: true });
const withoutSessions = buildHostRolePolicy(base);

/**
 * The statements of the AWS managed policy AmazonSSMManagedInstanceCore the role had before
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html),
 * as a control: it is what let a parent read every parameter.
 */
const SSM_MANAGED_INSTANCE_CORE: SimulationIdentityPolicy = {
  name: "AmazonSSMManagedInstanceCore",
  policy: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument",
          "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
          "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
          "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
        ],
        Resource: "*",
      },
      { Effect: "Allow", Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: "*" },
      { Effect: "Allow", Action: ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"], Resource: "*" },
    ],
  },
};

/** The usual key policy of aws/ssm and most customer keys: it delegates to IAM, so the identity policy decides. */
const rootDelegatingKeyPolicy = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

interface Request {
  action: string;
  resource: string;
  context?: Record<string, string>;
  identityPolicies: SimulationIdentityPolicy[];
  resourcePolicy?: unknown;
}

async function simulate(request: Request & { principal?: string }): Promise<EvaluationResult> {
  const response = await runSimulation(
    {
      request: {
        principal: request.principal ?? HOST_ROLE,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context ?? {},
      },
      identityPolicies: request.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    { simulationMode: "Strict" },
  );
  // "*" (actions with no resource type, or PutMetricData) is evaluated once per resource type it
  // could be; the overall result is what IAM would decide.
  if (response.resultType === "wildcard") {
    for (const r of response.results) expect(r.ignoredContextKeys ?? []).toEqual([]);
    return response.overallResult;
  }
  if (response.resultType !== "single") throw new Error(`unexpected simulation result: ${JSON.stringify(response)}`);
  // A dropped context key (cloudwatch:namespace) would make the namespace tests vacuous.
  expect(response.result.ignoredContextKeys ?? []).toEqual([]);
  return response.overallResult;
}

const host = (policy: typeof withSessions): SimulationIdentityPolicy[] => [{ name: "host", policy }];

const ANY_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/database/password`;
const OTHER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b6e5f3c-1111-2222-3333-444455556666`;
const OTHER_INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`;

describe("the host role can NOT", () => {
  describe.each([
    ["interactive access on", withSessions],
    ["interactive access off", withoutSessions],
  ])("(%s)", (_mode, policy) => {
    it.each(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"])("%s an arbitrary parameter -> ImplicitlyDenied", async (action) => {
      const resource = action === "ssm:GetParametersByPath" ? `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod` : ANY_PARAMETER;
      expect(await simulate({ action, resource, identityPolicies: host(policy) })).toBe("ImplicitlyDenied");
    });

    it.each(["kms:Decrypt", "kms:GenerateDataKey"])("%s with another key whose policy delegates to IAM (e.g. aws/ssm) -> ImplicitlyDenied", async (action) => {
      expect(await simulate({ action, resource: OTHER_KEY, identityPolicies: host(policy), resourcePolicy: rootDelegatingKeyPolicy })).toBe("ImplicitlyDenied");
    });

    it("start a session on another instance (ssm:StartSession) -> ImplicitlyDenied", async () => {
      expect(await simulate({ action: "ssm:StartSession", resource: OTHER_INSTANCE, identityPolicies: host(policy) })).toBe("ImplicitlyDenied");
    });

    it.each([
      ["ssm:GetDocument", `arn:aws:ssm:${REGION}:${ACCOUNT}:document/SSM-SessionManagerRunShell`],
      ["ssm:SendCommand", OTHER_INSTANCE],
      ["ec2messages:GetMessages", "*"],
      ["s3:PutObject", "arn:aws:s3:::example-tee-prover-artifacts/proof-server-v6.3.1.eif"],
      ["s3:GetObject", "arn:aws:s3:::example-tee-prover-artifacts/some-other.eif"],
      ["logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/other:log-stream:x`],
      ["logs:GetLogEvents", `${LOG_GROUP}:log-stream:x`],
    ])("%s on %s -> ImplicitlyDenied", async (action, resource) => {
      expect(await simulate({ action, resource, identityPolicies: host(policy) })).toBe("ImplicitlyDenied");
    });

    it("PutMetricData in another namespace -> ImplicitlyDenied", async () => {
      expect(await simulate({ action: "cloudwatch:PutMetricData", resource: "*", context: { "cloudwatch:namespace": "AWS/EC2" }, identityPolicies: host(policy) })).toBe("ImplicitlyDenied");
    });
  });

  it("interactive access off: not even the Session Manager agent's channel", async () => {
    for (const action of SESSION_MANAGER_AGENT_ACTIONS) {
      expect([action, await simulate({ action, resource: "*", identityPolicies: host(withoutSessions) })]).toEqual([action, "ImplicitlyDenied"]);
    }
    expect(await simulate({ action: "logs:DescribeLogGroups", resource: "*", identityPolicies: host(withoutSessions) })).toBe("ImplicitlyDenied");
  });
});

describe("the host role CAN do what a host needs", () => {
  describe.each([
    ["interactive access on", withSessions],
    ["interactive access off", withoutSessions],
  ])("(%s)", (_mode, policy) => {
    it("read the pinned EIF", async () => {
      expect(await simulate({ action: "s3:GetObject", resource: "arn:aws:s3:::example-tee-prover-artifacts/proof-server-v6.3.1.eif", identityPolicies: host(policy) })).toBe("Allowed");
    });

    it.each(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])("%s in its own log group", async (action) => {
      expect(await simulate({ action, resource: `${LOG_GROUP}:log-stream:i-0123456789abcdef0/agent`, identityPolicies: host(policy) })).toBe("Allowed");
    });

    it("PutMetricData in its own namespace", async () => {
      expect(await simulate({ action: "cloudwatch:PutMetricData", resource: "*", context: { "cloudwatch:namespace": NAMESPACE }, identityPolicies: host(policy) })).toBe("Allowed");
    });
  });

  it("interactive access on: the Session Manager agent's channel and the log group lookup", async () => {
    for (const action of SESSION_MANAGER_AGENT_ACTIONS) {
      expect([action, await simulate({ action, resource: "*", identityPolicies: host(withSessions) })]).toEqual([action, "Allowed"]);
    }
    expect(await simulate({ action: "logs:DescribeLogGroups", resource: "*", identityPolicies: host(withSessions) })).toBe("Allowed");
  });
});

describe("control: the managed policy the role had before (so the denials above mean something)", () => {
  it("AmazonSSMManagedInstanceCore -> ssm:GetParameter on any parameter Allowed", async () => {
    expect(await simulate({ action: "ssm:GetParameter", resource: ANY_PARAMETER, identityPolicies: [SSM_MANAGED_INSTANCE_CORE] })).toBe("Allowed");
  });

  it("an identity policy allowing kms:Decrypt on * -> another (IAM-delegating) key Allowed", async () => {
    const decryptAnything: SimulationIdentityPolicy = { name: "d", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] } };
    expect(await simulate({ action: "kms:Decrypt", resource: OTHER_KEY, identityPolicies: [decryptAnything], resourcePolicy: rootDelegatingKeyPolicy })).toBe("Allowed");
  });
});

describe("the operator policy (attach to whoever may open shells on this fleet)", () => {
  const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/ops-oncall`;
  const operator: SimulationIdentityPolicy[] = [
    { name: "op", policy: buildSessionOperatorPolicy({ partition: "aws", region: REGION, accountId: ACCOUNT, fleetName: "prover-prod", documentName: "TeeProver-prover-prod-Shell" }) },
  ];
  const FLEET_INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`;
  const start = (resource: string, context: Record<string, string> = {}) =>
    simulate({ principal: OPERATOR, action: "ssm:StartSession", resource, context, identityPolicies: operator });

  it("StartSession on a host of this fleet (tag) with the document check -> Allowed", async () => {
    expect(await start(FLEET_INSTANCE, { "ssm:resourceTag/tee-prover:fleet": "prover-prod", "ssm:SessionDocumentAccessCheck": "true" })).toBe("Allowed");
  });

  it("StartSession on another fleet's or an untagged instance -> ImplicitlyDenied", async () => {
    expect(await start(OTHER_INSTANCE, { "ssm:resourceTag/tee-prover:fleet": "prover-dev", "ssm:SessionDocumentAccessCheck": "true" })).toBe("ImplicitlyDenied");
    expect(await start(OTHER_INSTANCE, { "ssm:SessionDocumentAccessCheck": "true" })).toBe("ImplicitlyDenied");
  });

  it("StartSession with a document check turned off -> ImplicitlyDenied", async () => {
    expect(await start(FLEET_INSTANCE, { "ssm:resourceTag/tee-prover:fleet": "prover-prod", "ssm:SessionDocumentAccessCheck": "false" })).toBe("ImplicitlyDenied");
  });

  it("the fleet's logged document -> Allowed; the account default SSM-SessionManagerRunShell -> ImplicitlyDenied", async () => {
    expect(await start(`arn:aws:ssm:${REGION}:${ACCOUNT}:document/TeeProver-prover-prod-Shell`)).toBe("Allowed");
    expect(await start(`arn:aws:ssm:${REGION}:${ACCOUNT}:document/SSM-SessionManagerRunShell`)).toBe("ImplicitlyDenied");
    expect(await start(`arn:aws:ssm:${REGION}:${ACCOUNT}:document/AWS-StartPortForwardingSession`)).toBe("ImplicitlyDenied");
  });

  it("nothing else: parameters, Run Command -> ImplicitlyDenied", async () => {
    expect(await simulate({ principal: OPERATOR, action: "ssm:GetParameter", resource: ANY_PARAMETER, identityPolicies: operator })).toBe("ImplicitlyDenied");
    expect(await simulate({ principal: OPERATOR, action: "ssm:SendCommand", resource: FLEET_INSTANCE, context: { "ssm:resourceTag/tee-prover:fleet": "prover-prod" }, identityPolicies: operator })).toBe("ImplicitlyDenied");
  });
});
