import { beforeAll, describe, expect, test } from "vitest";
import { awsMetricSource, NO_AUDIT_TARGETS, type AlarmTargets } from "../../components/aws/alarms";
import { IAM_EVENTS_REGION } from "../../components/aws/detection";
import type { PlannedResource } from "../../src/plan/engine";
import { matchesPattern, type Pattern } from "../helpers/eventbridge-pattern";
import { devValues, ofType, one, planStack, prop } from "../helpers/offline";

/**
 * Issue 13, "Detect what cannot be prevented": the EventBridge patterns the stack declares (read
 * from the mock runtime, not copied) are matched against CloudTrail records built from AWS's own
 * examples, wrapped as EventBridge delivers them ("AWS service events delivered via AWS CloudTrail":
 * detail-type "AWS API Call via CloudTrail", detail = the CloudTrail record). The fleet runs in
 * eu-west-1 here, so IAM's rule must live in us-east-1.
 */

const REGION = "eu-west-1";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const TOPIC = "aws:sns/topic:Topic";
const POLICY = "aws:sns/topicPolicy:TopicPolicy";

let resources: PlannedResource[];
let key: { id: string; arn: string };
let roleName: string;
let groups: string[];

beforeAll(async () => {
  // The ALB's certificate must be in the stack's region (ACM certificates are regional).
  const aws = devValues()["tee-prover-infra:aws"] as Record<string, unknown>;
  const certificateArn = (aws["certificateArn"] as string).replace(":us-east-1:", `:${REGION}:`);
  resources = (await planStack(devValues({ "aws:region": REGION, aws: { ...aws, certificateArn } }), "dev")).resources;
  const k = one(resources, "aws:kms/key:Key");
  key = { id: k.state["keyId"] as string, arn: k.state["arn"] as string };
  roleName = one(resources, "aws:iam/role:Role").state["name"] as string;
  groups = ofType(resources, "aws:ec2/securityGroup:SecurityGroup").map((g) => g.id);
});

const rules = () => ofType(resources, RULE);
const ruleNamed = (suffix: string) => {
  const r = rules().find((x) => x.name.endsWith(suffix));
  if (!r) throw new Error(`no rule *${suffix}; have ${rules().map((x) => x.name).join(", ")}`);
  return r;
};
const patternOf = (r: PlannedResource) => JSON.parse(prop<string>(r, "eventPattern")) as Pattern;
/** Which of the stack's rules an event matches (by logical name). */
const firing = (event: unknown) => rules().filter((r) => matchesPattern(patternOf(r), event)).map((r) => r.name);

/** EventBridge's envelope around a CloudTrail record. */
function viaEventBridge(record: Record<string, unknown>): Record<string, unknown> {
  const service = String(record["eventSource"]).split(".")[0];
  return {
    version: "0",
    id: "36eb8523-97d0-4518-b33d-ee3579ff19f0",
    "detail-type": "AWS API Call via CloudTrail",
    source: `aws.${service}`,
    account: "111122223333",
    time: record["eventTime"],
    region: record["awsRegion"],
    resources: [],
    detail: record,
  };
}

const alice = { type: "IAMUser", principalId: "EX_PRINCIPAL_ID", arn: "arn:aws:iam::111122223333:user/Alice", accountId: "111122223333", accessKeyId: "EXAMPLE_KEY_ID", userName: "Alice" };

/** KMS developer guide, "PutKeyPolicy" CloudTrail example, with this fleet's key (or another). */
function putKeyPolicy(keyId: string, keyArn: string) {
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2022-09-01T20:06:16Z", eventSource: "kms.amazonaws.com", eventName: "PutKeyPolicy",
    awsRegion: REGION, sourceIPAddress: "192.0.2.0", userAgent: "AWS Internal",
    requestParameters: { keyId, policyName: "default", policy: '{"Version":"2012-10-17","Statement":[]}', bypassPolicyLockoutSafetyCheck: false },
    responseElements: null, requestID: "7bb906fa-dc21-4350-b65c-808ff0f72f55", eventID: "c217db1f-903f-4a2f-8f88-9580182d6313", readOnly: false,
    resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn }], eventType: "AwsApiCall", managementEvent: true, recipientAccountId: "111122223333", eventCategory: "Management",
  });
}

/** KMS developer guide, "CreateGrant" example: the caller named the key by its ARN. */
function createGrant(keyArn: string) {
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2022-07-14T18:52:06Z", eventSource: "kms.amazonaws.com", eventName: "CreateGrant", awsRegion: REGION,
    requestParameters: { keyId: keyArn, constraints: { encryptionContextSubset: { Department: "IT" } }, operations: ["Decrypt", "RetireGrant"], granteePrincipal: "arn:aws:iam::111122223333:user/Bob" },
    responseElements: { grantId: "0ab0ac0d0b000f00ea00cc0a0e00fc00bce000c000f0000000c0bc0a0000aaafSAMPLE", keyId: keyArn },
    readOnly: false, resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn }], eventType: "AwsApiCall", managementEvent: true, eventCategory: "Management",
  });
}

/** KMS developer guide, "ScheduleKeyDeletion" example. */
function scheduleKeyDeletion(keyArn: string) {
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2022-06-14T22:56:37Z", eventSource: "kms.amazonaws.com", eventName: "ScheduleKeyDeletion", awsRegion: REGION,
    requestParameters: { keyId: keyArn, pendingWindowInDays: 20 },
    responseElements: { keyId: keyArn, deletionDate: "Jul 4, 2022, 12:00:00 AM", keyState: "PendingDeletion", pendingWindowInDays: 20 },
    readOnly: false, resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn }], eventType: "AwsApiCall", managementEvent: true, eventCategory: "Management",
  });
}

/** A read on the key (KMS developer guide, "Decrypt" and "DescribeKey" examples): not a change. */
function read(eventName: "Decrypt" | "DescribeKey", keyId: string, keyArn: string) {
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2022-06-14T22:56:37Z", eventSource: "kms.amazonaws.com", eventName, awsRegion: REGION,
    requestParameters: eventName === "Decrypt" ? { encryptionAlgorithm: "SYMMETRIC_DEFAULT", keyId } : { keyId },
    readOnly: true, resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn }], eventType: "AwsApiCall", managementEvent: true, eventCategory: "Management",
  });
}

/** IAM user guide, "Logging IAM and AWS STS API calls with AWS CloudTrail" (IAM events are recorded in us-east-1). */
function putRolePolicy(role: string) {
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2023-03-01T12:00:00Z", eventSource: "iam.amazonaws.com", eventName: "PutRolePolicy", awsRegion: IAM_EVENTS_REGION,
    requestParameters: { roleName: role, policyName: "extra", policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' },
    responseElements: null, readOnly: false, eventType: "AwsApiCall", managementEvent: true, eventCategory: "Management",
  });
}

function sgChange(eventName: string, groupId: string) {
  const requestParameters = eventName === "ModifySecurityGroupRules"
    ? { ModifySecurityGroupRulesRequest: { GroupId: groupId, SecurityGroupRule: { SecurityGroupRuleId: "sgr-abcdef01234567890", SecurityGroupRule: { IpProtocol: "-1", CidrIpv4: "0.0.0.0/0" } } } }
    : { groupId, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] } };
  return viaEventBridge({ eventVersion: "1.08", userIdentity: alice, eventTime: "2023-07-06T10:00:00Z", eventSource: "ec2.amazonaws.com", eventName, awsRegion: REGION, requestParameters, readOnly: false, eventType: "AwsApiCall", managementEvent: true });
}

/**
 * CloudTrail user guide, "CloudTrail log file examples" / StopLogging, DeleteTrail: calls on a trail,
 * made in its home region (here the fleet's).
 */
function trailCall(eventName: string) {
  const trail = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";
  return viaEventBridge({
    eventVersion: "1.08", userIdentity: alice, eventTime: "2023-05-02T09:00:00Z", eventSource: "cloudtrail.amazonaws.com", eventName, awsRegion: REGION,
    requestParameters: { name: trail }, responseElements: null, readOnly: eventName.startsWith("Get") || eventName.startsWith("Describe"),
    eventType: "AwsApiCall", managementEvent: true, eventCategory: "Management",
  });
}

const OTHER_KEY = { id: "0987dcba-09fe-87dc-65ba-ab0987654321", arn: "arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321" };

describe("attestation-enforcement-changed (P0): this fleet's key only, writes only", () => {
  test("PutKeyPolicy on this key, named by id or by ARN, fires the key rule (and only it)", () => {
    expect(firing(putKeyPolicy(key.id, key.arn))).toEqual([ruleNamed("-kms-key").name]);
    expect(firing(putKeyPolicy(key.arn, key.arn))).toEqual([ruleNamed("-kms-key").name]);
  });

  test("CreateGrant and ScheduleKeyDeletion on this key fire; DisableKey too", () => {
    expect(firing(createGrant(key.arn))).toEqual([ruleNamed("-kms-key").name]);
    expect(firing(scheduleKeyDeletion(key.arn))).toEqual([ruleNamed("-kms-key").name]);
    const disable = putKeyPolicy(key.id, key.arn);
    (disable["detail"] as Record<string, unknown>)["eventName"] = "DisableKey";
    expect(firing(disable)).toEqual([ruleNamed("-kms-key").name]);
  });

  test("the same calls on another key do not fire", () => {
    expect(firing(putKeyPolicy(OTHER_KEY.id, OTHER_KEY.arn))).toEqual([]);
    expect(firing(createGrant(OTHER_KEY.arn))).toEqual([]);
    expect(firing(scheduleKeyDeletion(OTHER_KEY.arn))).toEqual([]);
  });

  test("reads of this key (Decrypt, DescribeKey) do not fire", () => {
    expect(firing(read("Decrypt", key.arn, key.arn))).toEqual([]);
    expect(firing(read("DescribeKey", key.id, key.arn))).toEqual([]);
  });

  test("the rule is in the fleet's region and publishes to the P0 topic", () => {
    const r = ruleNamed("-kms-key");
    expect(r.name).toBe("prover-dev-p0-attestation-enforcement-changed-kms-key");
    expect(prop(r, "region")).toBeUndefined();
    expect(prop(r, "state")).toBe("ENABLED");
    const target = ofType(resources, TARGET).find((t) => t.name === r.name)!;
    expect(prop(target, "arn")).toBe(one(resources, TOPIC, "prover-dev-p0").state["arn"]);
    expect(prop(target, "roleArn")).toBeUndefined();
  });
});

describe("attestation-enforcement-changed (P0): the audit trail feeding these rules", () => {
  test("stopping logging, deleting a trail or changing its event selectors fires; starting logging or reading status does not", () => {
    for (const call of ["StopLogging", "DeleteTrail", "PutEventSelectors", "PutAdvancedEventSelectors"]) {
      expect(firing(trailCall(call)), call).toEqual([ruleNamed("-cloudtrail").name]);
    }
    for (const call of ["StartLogging", "GetTrailStatus", "CreateTrail"]) expect(firing(trailCall(call)), call).toEqual([]);
  });

  test("the trail rule is in the fleet's region and pages P0 with the key rule", () => {
    const r = ruleNamed("-cloudtrail");
    expect(r.name).toBe("prover-dev-p0-attestation-enforcement-changed-cloudtrail");
    expect(prop(r, "region")).toBeUndefined();
    const target = ofType(resources, TARGET).find((t) => t.name === r.name)!;
    expect(prop(target, "arn")).toBe(one(resources, TOPIC, "prover-dev-p0").state["arn"]);
  });
});

describe("host-role-changed (P0): IAM's events arrive in us-east-1 only", () => {
  test("PutRolePolicy on the host role fires; on another role it does not", () => {
    expect(firing(putRolePolicy(roleName))).toEqual([ruleNamed("-host-role").name]);
    expect(firing(putRolePolicy("someone-elses-role"))).toEqual([]);
  });

  test("the rule, its topic (with the P0 subscriptions) and the topic's policy live in us-east-1", () => {
    const r = ruleNamed("-host-role");
    expect(prop(r, "region")).toBe(IAM_EVENTS_REGION);
    const remote = ofType(resources, TOPIC).filter((t) => prop(t, "region") === IAM_EVENTS_REGION);
    expect(remote.map((t) => t.name)).toEqual([`prover-dev-p0-${IAM_EVENTS_REGION}`]);
    const target = ofType(resources, TARGET).find((t) => t.name === r.name)!;
    expect([prop(target, "region"), prop(target, "arn")]).toEqual([IAM_EVENTS_REGION, remote[0]!.state["arn"]]);
    const subs = ofType(resources, "aws:sns/topicSubscription:TopicSubscription").filter((s) => prop(s, "region") === IAM_EVENTS_REGION);
    expect(subs.map((s) => [prop(s, "topic"), prop(s, "protocol"), prop(s, "endpoint")])).toEqual([[remote[0]!.state["arn"], "email", "oncall@example.com"]]);
    const policy = ofType(resources, POLICY).find((p) => prop(p, "region") === IAM_EVENTS_REGION)!;
    expect(prop(policy, "arn")).toBe(remote[0]!.state["arn"]);
    // Its dashboard tile reads EventBridge's metrics where the rule is.
    const dashboard = JSON.parse(prop<string>(one(resources, "aws:cloudwatch/dashboard:Dashboard"), "dashboardBody")) as { widgets: Array<{ properties: { region: string; metrics: unknown[][] } }> };
    const tile = dashboard.widgets.find((w) => w.properties.metrics[0]![3] === r.state["name"])!;
    expect(tile.properties.region).toBe(IAM_EVENTS_REGION);
  });
});

describe("network-rules-changed (P3): the fleet's security groups", () => {
  test("authorize / revoke / modify on the fleet's groups fire; on another group they do not", () => {
    for (const g of groups) {
      expect(firing(sgChange("AuthorizeSecurityGroupIngress", g))).toEqual([ruleNamed("-sg-rules").name]);
      expect(firing(sgChange("RevokeSecurityGroupEgress", g))).toEqual([ruleNamed("-sg-rules").name]);
      expect(firing(sgChange("ModifySecurityGroupRules", g))).toEqual([ruleNamed("-sg-modify").name]);
    }
    expect(groups).toHaveLength(2);
    expect(firing(sgChange("AuthorizeSecurityGroupIngress", "sg-0123456789abcdef0"))).toEqual([]);
    expect(firing(sgChange("ModifySecurityGroupRules", "sg-0123456789abcdef0"))).toEqual([]);
    expect(firing(sgChange("DescribeSecurityGroups", groups[0]!))).toEqual([]);
  });

  test("P3 rules publish to the P3 topic", () => {
    for (const suffix of ["-sg-rules", "-sg-modify"]) {
      const target = ofType(resources, TARGET).find((t) => t.name === ruleNamed(suffix).name)!;
      expect(prop(target, "arn")).toBe(one(resources, TOPIC, "prover-dev-p3").state["arn"]);
    }
  });
});

describe("topic policies: EventBridge may publish, the account keeps its default rights", () => {
  test("one policy per topic a rule publishes to; events.amazonaws.com may sns:Publish from those rules only", () => {
    const policies = ofType(resources, POLICY);
    expect(policies.map((p) => p.name).sort()).toEqual(["prover-dev-p0-events", "prover-dev-p0-us-east-1-events", "prover-dev-p3-events"]);
    const p3 = policies.find((p) => p.name === "prover-dev-p3-events")!;
    const topicArn = one(resources, TOPIC, "prover-dev-p3").state["arn"];
    expect(prop(p3, "arn")).toBe(topicArn);
    const doc = JSON.parse(prop<string>(p3, "policy")) as { Statement: Array<Record<string, unknown>> };
    expect(doc.Statement).toEqual([
      expect.objectContaining({ Sid: "OwnerAccount", Principal: { AWS: "*" }, Resource: topicArn, Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } } }),
      { Sid: "EventBridgeAuditRules", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: topicArn, Condition: { ArnEquals: { "aws:SourceArn": [ruleNamed("-sg-rules").state["arn"], ruleNamed("-sg-modify").state["arn"]] } } },
    ]);
    expect((doc.Statement[0]!["Action"] as string[])).toContain("SNS:Publish");
    expect(ruleNamed("-sg-rules").state["arn"]).toMatch(new RegExp(`^arn:aws:events:${REGION}:123456789012:rule/prover-dev-p3-network-rules-changed-sg-rules`));
    // The us-east-1 topic admits only the us-east-1 rule.
    const remote = JSON.parse(prop<string>(policies.find((p) => p.name === "prover-dev-p0-us-east-1-events")!, "policy")) as { Statement: Array<{ Condition: { ArnEquals?: Record<string, string[]> } }> };
    expect(remote.Statement[1]!.Condition.ArnEquals).toEqual({ "aws:SourceArn": [ruleNamed("-host-role").state["arn"]] });
    expect(ruleNamed("-host-role").state["arn"]).toMatch(new RegExp(`^arn:aws:events:${IAM_EVENTS_REGION}:`));
  });
});

describe("limits and fallbacks", () => {
  test("every declared pattern fits EventBridge's default 2048-character pattern size", () => {
    // The provider's EventRule docs: "The event pattern size is 2048 by default" (EventBridge quotas).
    expect(rules()).toHaveLength(5);
    for (const r of rules()) expect(prop<string>(r, "eventPattern").length).toBeLessThanOrEqual(2048);
  });

  test("without audit targets the three audit-trail alarms are reported, not faked", () => {
    const targets: AlarmTargets = { mode: "terminate", region: REGION, fleetName: "f", metricNamespace: "TeeProver/f", loadBalancerArnSuffix: "app/x/1", targetGroupArnSuffix: "targetgroup/y/2", autoScalingGroupName: "asg" };
    for (const signal of ["attestation-enforcement-change", "host-role-change", "network-rule-change"] as const) {
      expect(awsMetricSource(signal, targets)).toEqual({ kind: "unobservable", reason: NO_AUDIT_TARGETS });
    }
  });
});
