import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as ssm from "@pulumi/aws/ssm";
import { buildNitroKmsKeyPolicy } from "../../src/attestation/aws-kms-policy";
import type { NitroRelease } from "../../src/config/types";
import { AWS_NAME_LIMITS, autoNamed } from "../../src/naming";
import type { AwsSettings } from "../../src/config/types";
import { buildHostRolePolicy, buildSessionOperatorPolicy, sessionDocumentContent } from "./hostPolicy";

export interface HostIdentityInputs {
  readonly partition: pulumi.Output<string>;
  readonly region: string;
  readonly accountId: pulumi.Output<string>;
  readonly releases: readonly NitroRelease[];
  readonly logGroup: cloudwatch.LogGroup;
  readonly metricNamespace: string;
  /** Session Manager shells on the hosts: the agent's permissions and a per-fleet session document. */
  readonly interactiveAccess: boolean;
  readonly tags: Record<string, string>;
}

export interface HostIdentity {
  readonly role: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  /** The document operators pass to `aws ssm start-session --document-name`; absent when interactive access is off. */
  readonly sessionDocument?: ssm.Document;
  /** Customer managed policy for operators (attach it to their role); absent when interactive access is off. */
  readonly sessionOperatorPolicy?: iam.Policy;
}

/** Name of the fleet's Session document: `aws ssm start-session --document-name <this>`. */
export function sessionDocumentName(fleetName: string): string {
  return `TeeProver-${fleetName}-Shell`;
}

/** IAM managed policy names: at most 128 characters (IAM CreatePolicy, PolicyName). */
const IAM_POLICY_NAME_MAX = 128;

/** Session limits of the fleet's session document (minutes). */
export const SESSION_IDLE_TIMEOUT_MINUTES = 20;
export const SESSION_MAX_DURATION_MINUTES = 60;

/**
 * The parent instance's role: read of the pinned EIF objects, its own log group, PutMetricData in
 * its own namespace and, only when interactive access is on, Session Manager's agent channel (see
 * hostPolicy.ts; no AWS managed policy). No KMS permission: the key policy names this role
 * directly, with attestation conditions, so no identity policy can widen it.
 */
export function hostIdentity(name: string, inputs: HostIdentityInputs, parent: pulumi.Resource): HostIdentity {
  const opts = { parent };
  const role = new iam.Role(autoNamed(`${name}-host`, AWS_NAME_LIMITS.iamRole), {
    description: `Nitro Enclave parent instances of ${name}`,
    // "/" explicitly: the role ARN (arn:...:role/<name>) is what the hypervisor measures into PCR3
    // and the key policy pins, so its form must not depend on a default.
    path: "/",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags: inputs.tags,
  }, opts);
  const policy = pulumi.all([inputs.partition, inputs.logGroup.arn]).apply(([partition, logGroupArn]) =>
    JSON.stringify(
      buildHostRolePolicy({
        partition,
        eifS3Uris: inputs.releases.map((r) => r.eifS3Uri),
        logGroupArn,
        metricNamespace: inputs.metricNamespace,
        interactiveAccess: inputs.interactiveAccess,
      }),
    ),
  );
  new iam.RolePolicy(`${name}-host`, { role: role.id, policy }, opts);
  const instanceProfile = new iam.InstanceProfile(autoNamed(`${name}-host`, AWS_NAME_LIMITS.instanceProfile), { role: role.name, tags: inputs.tags }, opts);
  const sessionDocument = inputs.interactiveAccess
    ? new ssm.Document(`${name}-shell`, {
        // A fixed, predictable name operators can type (SSM refuses names starting with aws,
        // amazon or amzn, which a name prefix could).
        name: sessionDocumentName(name),
        documentType: "Session",
        documentFormat: "JSON",
        content: inputs.logGroup.name.apply((logGroupName) =>
          sessionDocumentContent({ logGroupName, idleSessionTimeoutMinutes: SESSION_IDLE_TIMEOUT_MINUTES, maxSessionDurationMinutes: SESSION_MAX_DURATION_MINUTES }),
        ),
        tags: inputs.tags,
      }, opts)
    : undefined;
  const sessionOperatorPolicy = inputs.interactiveAccess
    ? new iam.Policy(autoNamed(`${name}-session-operator`, IAM_POLICY_NAME_MAX), {
        description: `Open logged Session Manager shells on the hosts of ${name} (document ${sessionDocumentName(name)}) and nothing else`,
        policy: pulumi.all([inputs.partition, inputs.accountId]).apply(([partition, accountId]) =>
          JSON.stringify(buildSessionOperatorPolicy({ partition, region: inputs.region, accountId, fleetName: name, documentName: sessionDocumentName(name) })),
        ),
        tags: inputs.tags,
      }, opts)
    : undefined;
  return { role, instanceProfile, ...(sessionDocument ? { sessionDocument } : {}), ...(sessionOperatorPolicy ? { sessionOperatorPolicy } : {}) };
}

export interface AttestationKeyInputs {
  readonly partition: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly hostRole: iam.Role;
  readonly keyAdministratorArns: pulumi.Input<pulumi.Input<string>[]>;
  readonly releases: readonly NitroRelease[];
  /** PCR3 (the host role) in the condition, or why not. */
  readonly parentRolePin: AwsSettings["parentRolePin"];
  readonly deletionWindowDays: number;
  /** prod: `protect`, so `pulumi destroy` cannot schedule the key's deletion. */
  readonly protect: boolean;
  readonly tags: Record<string, string>;
}

/** The KMS key that only an enclave running a pinned release can decrypt with. */
export function attestationKey(name: string, inputs: AttestationKeyInputs, parent: pulumi.Resource): { key: kms.Key; alias: kms.Alias } {
  const policy = pulumi.all([inputs.partition, inputs.accountId, inputs.hostRole.arn, pulumi.output(inputs.keyAdministratorArns)]).apply(([partition, accountId, hostRoleArn, keyAdministratorArns]) =>
    JSON.stringify(
      buildNitroKmsKeyPolicy({
        partition,
        accountId,
        hostRoleArn,
        keyAdministratorArns,
        releases: inputs.releases.map((r) => r.pins),
        // The same role object the instance profile holds, so the ARN hashed here is the one the
        // parents present.
        pinParentRole: inputs.parentRolePin.pinned,
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
