import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { buildNitroKmsKeyPolicy } from "../../src/attestation/aws-kms-policy";
import type { NitroRelease } from "../../src/config/types";
import { AWS_NAME_LIMITS, autoNamed } from "../../src/naming";

/** `s3://bucket/key` -> the object's ARN. */
export function s3ObjectArn(partition: string, s3Uri: string): string {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
  if (!match) throw new Error(`not an s3:// URI: ${s3Uri}`);
  return `arn:${partition}:s3:::${match[1]}/${match[2]}`;
}

export interface HostIdentityInputs {
  readonly partition: pulumi.Output<string>;
  readonly releases: readonly NitroRelease[];
  readonly logGroup: cloudwatch.LogGroup;
  readonly metricNamespace: string;
  readonly tags: Record<string, string>;
}

export interface HostIdentity {
  readonly role: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
}

/**
 * The parent instance's role: SSM Session Manager (no SSH), read of the pinned EIF objects, its own
 * log group, PutMetricData in its own namespace. No KMS permission: the key policy names this role
 * directly, with attestation conditions, so no identity policy can widen it.
 */
export function hostIdentity(name: string, inputs: HostIdentityInputs, parent: pulumi.Resource): HostIdentity {
  const opts = { parent };
  const role = new iam.Role(autoNamed(`${name}-host`, AWS_NAME_LIMITS.iamRole), {
    description: `Nitro Enclave parent instances of ${name}`,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags: inputs.tags,
  }, opts);
  new iam.RolePolicyAttachment(`${name}-host-ssm`, {
    role: role.name,
    policyArn: pulumi.interpolate`arn:${inputs.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
  }, opts);
  const policy = pulumi.all([inputs.partition, inputs.logGroup.arn]).apply(([partition, logGroupArn]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadPinnedEifs", Effect: "Allow", Action: "s3:GetObject", Resource: inputs.releases.map((r) => s3ObjectArn(partition, r.eifS3Uri)) },
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [logGroupArn, `${logGroupArn}:log-stream:*`] },
        { Sid: "PublishOwnMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": inputs.metricNamespace } } },
      ],
    }),
  );
  new iam.RolePolicy(`${name}-host`, { role: role.id, policy }, opts);
  const instanceProfile = new iam.InstanceProfile(autoNamed(`${name}-host`, AWS_NAME_LIMITS.instanceProfile), { role: role.name, tags: inputs.tags }, opts);
  return { role, instanceProfile };
}

export interface AttestationKeyInputs {
  readonly partition: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly hostRole: iam.Role;
  readonly keyAdministratorArns: readonly string[];
  readonly releases: readonly NitroRelease[];
  readonly deletionWindowDays: number;
  /** prod: `protect`, so `pulumi destroy` cannot schedule the key's deletion. */
  readonly protect: boolean;
  readonly tags: Record<string, string>;
}

/** The KMS key that only an enclave running a pinned release can decrypt with (DESIGN.md section 5). */
export function attestationKey(name: string, inputs: AttestationKeyInputs, parent: pulumi.Resource): { key: kms.Key; alias: kms.Alias } {
  const policy = pulumi.all([inputs.partition, inputs.accountId, inputs.hostRole.arn]).apply(([partition, accountId, hostRoleArn]) =>
    JSON.stringify(
      buildNitroKmsKeyPolicy({
        partition,
        accountId,
        hostRoleArn,
        keyAdministratorArns: [...inputs.keyAdministratorArns],
        releases: inputs.releases.map((r) => r.pins),
      }),
    ),
  );
  const key = new kms.Key(`${name}-attested`, {
    description: `Secrets of ${name}, released only to enclaves running ${inputs.releases.map((r) => r.version).join(" or ")}`,
    keyUsage: "ENCRYPT_DECRYPT",
    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: inputs.deletionWindowDays,
    policy,
    tags: inputs.tags,
  }, { parent, protect: inputs.protect });
  const alias = new kms.Alias(`${name}-attested`, { name: `alias/tee-prover/${name}`, targetKeyId: key.keyId }, { parent });
  return { key, alias };
}
