import * as pulumi from "@pulumi/pulumi";

/**
 * EventBridge patterns over CloudTrail management events ("AWS API Call via CloudTrail") for the
 * changes a deployer can make but must not make silently: the attestation key's policy and grants,
 * the host role, the fleet's security groups. docs/tamper-detection.md has the sources.
 * EventBridge receives these events only when the account has a CloudTrail trail with logging on
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html); the
 * stack creates none: a deployment prerequisite.
 */

/** An EventBridge event pattern (the subset this module writes: exact values and nested objects). */
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly string[];
}

/** One EventBridge rule of an audit-trail alarm. */
export interface AuditEventRule {
  /** Suffix of the rule's logical name. */
  readonly id: string;
  readonly description: string;
  readonly pattern: pulumi.Output<EventPattern>;
  /**
   * Where the rule must live when not in the fleet's region: IAM is a global service and CloudTrail
   * delivers its events to EventBridge in us-east-1 only.
   */
  readonly region?: string;
}

/** EventBridge PutRule: a rule's Name is 1 to 64 characters (EventBridge API reference, PutRule). */
export const EVENT_RULE_NAME_MAX = 64;

export const CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail";

/** The region whose default event bus receives IAM's events (https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region). */
export const IAM_EVENTS_REGION = "us-east-1";

/**
 * KMS calls that change who may decrypt with the key, or end its use:
 * - PutKeyPolicy replaces the attestation condition itself;
 * - CreateGrant gives a principal decrypt without the key policy's attestation condition;
 * - ScheduleKeyDeletion / DisableKey stop the fleet (a denial the operator must hear about at once).
 * Left out: RetireGrant / RevokeGrant / CancelKeyDeletion / EnableKey only narrow access or undo one
 * of the above (which already paged); read-only calls (Decrypt, DescribeKey, GetKeyPolicy) are not
 * changes and read-only management events do not even reach a rule in the ENABLED state
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
 */
export const KMS_ENFORCEMENT_EVENTS = ["PutKeyPolicy", "CreateGrant", "ScheduleKeyDeletion", "DisableKey"] as const;

/**
 * IAM calls that change what the host role may do or who may assume it. PCR3 pins the role's ARN in
 * the key policy, not its permissions, so these are invisible to the attestation check.
 */
export const IAM_ROLE_EVENTS = [
  "PutRolePolicy",
  "DeleteRolePolicy",
  "AttachRolePolicy",
  "DetachRolePolicy",
  "UpdateAssumeRolePolicy",
  "PutRolePermissionsBoundary",
  "DeleteRolePermissionsBoundary",
] as const;

/** EC2 calls that change a security group's rules; each records the group as requestParameters.groupId. */
export const SECURITY_GROUP_RULE_EVENTS = [
  "AuthorizeSecurityGroupIngress",
  "AuthorizeSecurityGroupEgress",
  "RevokeSecurityGroupIngress",
  "RevokeSecurityGroupEgress",
] as const;

/**
 * CloudTrail calls that blind these rules themselves: logging stopped, the trail deleted, or its
 * event selectors changed (which can drop management events). Any trail of the account, since
 * whichever trail feeds EventBridge is not ours to know. A trail is managed from its home region
 * and a rule sees only its own region's events (CloudTrail user guide, "Managing trails with the
 * AWS CLI"; EventBridge user guide, "Tutorial: Create an Amazon EventBridge rule for AWS
 * CloudTrail API calls"), so this catches trails homed in the fleet's region. The call that stops
 * logging is itself still delivered: the trail was logging when it was made.
 */
export const CLOUDTRAIL_TAMPER_EVENTS = ["StopLogging", "DeleteTrail", "PutEventSelectors", "PutAdvancedEventSelectors"] as const;

function apiCalls(service: "kms" | "iam" | "ec2" | "cloudtrail", events: readonly string[], detail: EventPattern): EventPattern {
  return {
    source: [`aws.${service}`],
    "detail-type": [CLOUDTRAIL_API_CALL],
    detail: { eventSource: [`${service}.amazonaws.com`], eventName: events, ...detail },
  };
}

/**
 * This key's policy, grants, deletion or disabling. Each of these APIs takes the key as its key ID or
 * key ARN only (no alias), and CloudTrail records the value as given in requestParameters.keyId
 * (KMS developer guide, "Logging AWS KMS API calls with AWS CloudTrail": PutKeyPolicy, CreateGrant,
 * ScheduleKeyDeletion examples), so both forms are listed.
 */
export function kmsKeyRule(keyId: pulumi.Input<string>, keyArn: pulumi.Input<string>): AuditEventRule {
  return {
    id: "kms-key",
    description: "Attestation key policy, grants, deletion or disabling",
    pattern: pulumi.all([keyId, keyArn]).apply(([id, arn]) => apiCalls("kms", KMS_ENFORCEMENT_EVENTS, { requestParameters: { keyId: [id, arn] } })),
  };
}

/** The audit trail that feeds every rule here being stopped, deleted or narrowed (any trail of the account). */
export function auditTrailRule(): AuditEventRule {
  return {
    id: "cloudtrail",
    description: "CloudTrail logging stopped, a trail deleted or its event selectors changed",
    pattern: pulumi.output(apiCalls("cloudtrail", CLOUDTRAIL_TAMPER_EVENTS, {})),
  };
}

/** Changes to the host role's inline or managed policies, boundary or trust policy (by role name). */
export function hostRoleRule(roleName: pulumi.Input<string>, fleetRegion: string): AuditEventRule {
  return {
    id: "host-role",
    description: "Host IAM role policies or trust policy",
    pattern: pulumi.output(roleName).apply((name) => apiCalls("iam", IAM_ROLE_EVENTS, { requestParameters: { roleName: [name] } })),
    ...(fleetRegion === IAM_EVENTS_REGION ? {} : { region: IAM_EVENTS_REGION }),
  };
}

/**
 * Rule changes on the fleet's security groups. ModifySecurityGroupRules records the group under
 * requestParameters.ModifySecurityGroupRulesRequest.GroupId (aws-samples/cloud-trail-lake-query-samples,
 * ec2-security-historical-changes.sql), hence a second rule.
 */
export function securityGroupRules(groupIds: ReadonlyArray<pulumi.Input<string>>): AuditEventRule[] {
  const ids = pulumi.all([...groupIds]);
  return [
    {
      id: "sg-rules",
      description: "Security group rules authorized or revoked",
      pattern: ids.apply((g) => apiCalls("ec2", SECURITY_GROUP_RULE_EVENTS, { requestParameters: { groupId: g } })),
    },
    {
      id: "sg-modify",
      description: "Security group rules modified",
      pattern: ids.apply((g) => apiCalls("ec2", ["ModifySecurityGroupRules"], { requestParameters: { ModifySecurityGroupRulesRequest: { GroupId: g } } })),
    },
  ];
}
