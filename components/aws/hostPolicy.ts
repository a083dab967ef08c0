/**
 * The parent instance role's identity policy, as a pure function so the tests can evaluate it with
 * an IAM simulator (docs/aws-host-privilege-and-parent-identity.md).
 *
 * It replaces the managed policy AmazonSSMManagedInstanceCore, which grants ssm:GetParameter(s)
 * and ssm:GetDocument on "*" and ec2messages/Run Command: a parent could read every parameter of
 * the account (and, with the usual aws/ssm key policy, decrypt every SecureString). The host needs
 * none of that: it reads its EIFs, writes its own log group and metrics and, when interactive access
 * is on, serves Session Manager shells.
 */

/** `s3://bucket/key` -> the object's ARN. */
export function s3ObjectArn(partition: string, s3Uri: string): string {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
  if (!match) throw new Error(`not an s3:// URI: ${s3Uri}`);
  return `arn:${partition}:s3:::${match[1]}/${match[2]}`;
}

/**
 * What the SSM Agent needs to serve Session Manager and nothing else, as AWS lists it in "Create a
 * custom IAM role for Session Manager"
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html;
 * the same five actions make up the AWS managed policy AWSCloud9SSMInstanceProfile). These actions
 * support no resource scoping, hence "*". No ec2messages:* (Run Command), no ssm:GetParameter(s),
 * no ssm:GetDocument; s3:GetEncryptionConfiguration is only for S3 session logs, which we do not use.
 */
export const SESSION_MANAGER_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
] as const;

export interface HostPolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface HostPolicyDocument {
  Version: "2012-10-17";
  Statement: HostPolicyStatement[];
}

export interface HostPolicyInput {
  readonly partition: string;
  /** S3 URIs of the pinned EIFs (every accepted release). */
  readonly eifS3Uris: readonly string[];
  readonly logGroupArn: string;
  readonly metricNamespace: string;
  /** Session Manager shells on the host (aws.interactiveAccess). */
  readonly interactiveAccess: boolean;
}

export function buildHostRolePolicy(input: HostPolicyInput): HostPolicyDocument {
  if (input.eifS3Uris.length === 0) throw new Error("no EIF to read: pin at least one release");
  const logGroup = input.logGroupArn.replace(/:\*$/, "");
  const statements: HostPolicyStatement[] = [
    { Sid: "ReadPinnedEifs", Effect: "Allow", Action: "s3:GetObject", Resource: input.eifS3Uris.map((u) => s3ObjectArn(input.partition, u)) },
    // Host agent, vsock-proxy and, when on, the session transcripts (Session Manager writes them
    // with the instance's credentials, as streams of the group named in the session document).
    { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [logGroup, `${logGroup}:log-stream:*`] },
    { Sid: "PublishOwnMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": input.metricNamespace } } },
  ];
  if (input.interactiveAccess) {
    statements.push(
      { Sid: "SessionManagerAgent", Effect: "Allow", Action: [...SESSION_MANAGER_AGENT_ACTIONS], Resource: "*" },
      // The agent checks that the session document's log group exists before it streams to it
      // (Session Manager's CloudWatch logging permissions list logs:DescribeLogGroups). It returns
      // names and settings of groups, never their events. The action has no resource type in the
      // service authorization reference, so only "*" matches it (a log-group ARN would be dead).
      { Sid: "SessionLogGroupLookup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The fleet's Session document (Standard_Stream): the preferences of AWS's account-wide
 * SSM-SessionManagerRunShell, but only for sessions started with `--document-name <this>`, so one
 * fleet's logging does not change (or depend on) the account's defaults. Schema:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-schema.html
 */
export function sessionDocumentContent(input: { logGroupName: string; idleSessionTimeoutMinutes: number; maxSessionDurationMinutes: number }): string {
  return JSON.stringify({
    schemaVersion: "1.0",
    description: "Shell on a Nitro Enclave parent instance; the transcript is streamed to the fleet's log group",
    sessionType: "Standard_Stream",
    inputs: {
      cloudWatchLogGroupName: input.logGroupName,
      // true would require a log group encrypted with a customer KMS key (the schema's rule); the
      // fleet's group uses CloudWatch Logs' default encryption at rest.
      cloudWatchEncryptionEnabled: false,
      cloudWatchStreamingEnabled: true,
      s3BucketName: "",
      s3EncryptionEnabled: false,
      // Session data is TLS between the client, the service and the agent; a kmsKeyId would add a
      // second key the host role must be allowed to use (kms:Decrypt), for no gain here.
      kmsKeyId: "",
      runAsEnabled: false,
      idleSessionTimeout: String(input.idleSessionTimeoutMinutes),
      maxSessionDuration: String(input.maxSessionDurationMinutes),
      shellProfile: { linux: "", windows: "" },
    },
  });
}

export interface SessionOperatorPolicyInput {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The fleet's name: its instances carry the tag `tee-prover:fleet` = this. */
  readonly fleetName: string;
  /** The fleet's Session document. */
  readonly documentName: string;
}

/** Tag every host carries (the ASG propagates it at launch); the operator policy matches on it. */
export const FLEET_TAG_KEY = "tee-prover:fleet";

/**
 * What an operator needs to open a logged shell on this fleet's hosts and nothing more: the
 * customer managed policy the stack creates for administrators to attach to their operators.
 * - StartSession on this fleet's instances only (by tag, AWS's documented pattern:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html),
 *   with `ssm:SessionDocumentAccessCheck`, so the session document is authorised too;
 * - StartSession with this fleet's document only: the default SSM-SessionManagerRunShell (whose
 *   logging the account decides) is not allowed, so every session this policy permits is logged
 *   to the fleet's log group (a default shell needs the default document in the policy:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-default-session-document.html;
 *   a named document is checked against the policy:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-specify-session-document.html);
 * - Terminate/Resume only the operator's own sessions.
 * An operator who also holds broad SSM rights elsewhere can still bypass it; that is what the
 * CloudTrail detection is for.
 */
export function buildSessionOperatorPolicy(input: SessionOperatorPolicyInput): HostPolicyDocument {
  const { partition, region, accountId } = input;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StartSessionOnThisFleet",
        Effect: "Allow",
        Action: "ssm:StartSession",
        Resource: `arn:${partition}:ec2:${region}:${accountId}:instance/*`,
        Condition: {
          StringEquals: { [`ssm:resourceTag/${FLEET_TAG_KEY}`]: input.fleetName },
          BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" },
        },
      },
      { Sid: "WithTheFleetsLoggedDocument", Effect: "Allow", Action: "ssm:StartSession", Resource: `arn:${partition}:ssm:${region}:${accountId}:document/${input.documentName}` },
      {
        Sid: "OwnSessionsOnly",
        Effect: "Allow",
        Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
        Resource: `arn:${partition}:ssm:${region}:${accountId}:session/\${aws:userid}-*`,
      },
    ],
  };
}
