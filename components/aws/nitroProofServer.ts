import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { warnOnlyPcrs } from "../../src/attestation/pins";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";
import { assertValidNitroInput, encodeNitroUserData, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import type { NitroBootstrapInput } from "../../src/bootstrap/nitro-input";
import { fleetComponentOptions } from "../../src/rename";
import { activeRelease, resolveNitroArgs } from "../../src/config/args";
import type { NitroProofServerArgs } from "./args";
import { plaintextExposure, PROOF_SERVER_PORT } from "../../src/ingress/model";
import type { ReviewFacts } from "../../src/review";
import { quarantineReview } from "../../src/quarantine";
import type { Severity } from "../../src/monitoring/catalogue";
import { fleetAlarms } from "./alarms";
import { enclaveFleet, hostSecurityGroup } from "./fleet";
import { attestationKey, hostIdentity } from "./identity";
import { allowLoadBalancerToHosts, fleetIngress } from "./ingress";
import { fleetNetwork } from "./network";
import { ENVIRONMENTS } from "../../src/config/environments";

/** Enclave CID of every host's enclave; fixed so the forwarder and agent can address it. */
export const ENCLAVE_CID = 16;
/** Parent-side vsock port of the KMS proxy (AWS's convention). */
export const KMS_PROXY_VSOCK_PORT = 8000;
/** Host agent sampling interval. */
export const AGENT_INTERVAL_SECONDS = 60;


/** What the offline plan and reviewers need that is not a cloud resource property. */
export interface NitroReviewFacts extends ReviewFacts {
  /** PCRs reported but left out of the KMS condition, per release. */
  readonly warnOnlyPcrs: Record<string, number[]>;
  readonly enclave: { cpuCount: number; memoryMiB: number; cid: number; parentVcpus: number; parentMemoryMiB: number };
}

/**
 * The Midnight proof server in AWS Nitro Enclaves behind a load balancer, with attestation-bound
 * secrets and the alarm catalogue. Type token `tee-prover:aws:NitroProofServer`.
 */
export type { NitroProofServerArgs } from "./args";

export class NitroProofServer extends pulumi.ComponentResource {
  /** URL clients send proofs to. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly loadBalancerDnsName: pulumi.Output<string>;
  /** Default target group (health and all routes but /prove in terminate mode). */
  public readonly targetGroupArn: pulumi.Output<string>;
  public readonly autoScalingGroupName: pulumi.Output<string>;
  /** The attestation-bound KMS key. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /**
   * `aws ssm start-session --target <instance> --document-name <this>` opens a logged shell on a
   * host; undefined when aws.interactiveAccess is off (the hosts then accept no session at all).
   */
  public readonly sessionDocumentName: pulumi.Output<string> | undefined;
  /** ARN of the policy to attach to operators who may open those sessions; undefined when interactive access is off. */
  public readonly sessionOperatorPolicyArn: pulumi.Output<string> | undefined;
  public readonly topicArns: Record<Severity, pulumi.Output<string>>;
  public readonly review: NitroReviewFacts;

  /**
   * @param name The fleet's name: every child's name starts with it, and the log group, KMS alias
   *   and session document carry it (1-28 characters).
   * @param inputs Validated before anything is declared; see NitroProofServerArgs.
   */
  constructor(name: string, inputs: NitroProofServerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component itself registers: bad arguments declare nothing.
    const args = resolveNitroArgs(name, inputs);
    super("tee-prover:aws:NitroProofServer", name, {}, fleetComponentOptions(name, opts));
    const active = activeRelease(name, args.releases);
    // Protection and retention per environment: the profile (docs/environments.md).
    const profile = ENVIRONMENTS[args.environment];
    const tags = { ...args.tags, "tee-prover:environment": args.environment, "tee-prover:fleet": name, "tee-prover:release": active.version };
    const metricNamespace = `TeeProver/${name}`;
    const invoke = { parent: this };
    const partition = getPartitionOutput({}, invoke).partition;
    const accountId = getCallerIdentityOutput({}, invoke).accountId;

    const network = fleetNetwork(name, args.aws.vpc, tags, this);
    const logGroup = new cloudwatch.LogGroup(`${name}-host-logs`, {
      name: `/tee-prover/${name}/host`,
      retentionInDays: args.logRetentionDays,
      // prod logs outlive the stack; they are evidence for incident review.
      skipDestroy: profile.retainLogs,
      tags,
    }, { parent: this, retainOnDelete: profile.retainLogs });
    const identity = hostIdentity(name, {
      partition,
      region: args.aws.region,
      accountId,
      releases: args.releases,
      logGroup,
      metricNamespace,
      interactiveAccess: args.aws.interactiveAccess,
      tags,
    }, this);
    const key = attestationKey(name, {
      partition,
      accountId,
      hostRole: identity.role,
      keyAdministratorArns: args.aws.keyAdministratorArns,
      releases: args.releases,
      parentRolePin: args.aws.parentRolePin,
      deletionWindowDays: args.aws.kmsDeletionWindowDays,
      protect: profile.deletionProtection,
      tags,
    }, this);

    const ingress = fleetIngress(name, {
      settings: args.ingress,
      network,
      ...(args.aws.certificateArn ? { certificateArn: args.aws.certificateArn } : {}),
      tlsPolicy: args.aws.tlsPolicy,
      deletionProtection: profile.deletionProtection,
      quarantined: args.quarantine !== undefined,
      tags,
    }, this);
    const hostSg = hostSecurityGroup(name, network.vpcId, tags, this);
    allowLoadBalancerToHosts(name, ingress.loadBalancerSecurityGroup, hostSg, this);

    const bootstrap: NitroBootstrapInput = {
      fleetName: name,
      region: args.aws.region,
      hostPort: PROOF_SERVER_PORT,
      enclaveVsockPort: PROOF_SERVER_PORT,
      enclaveCid: ENCLAVE_CID,
      enclave: args.aws.enclave,
      release: { version: active.version, eifS3Uri: active.eifS3Uri, pins: active.pins },
      acceptedReleases: args.releases.map((r) => r.pins),
      parentRolePcr3: null,
      eifServesTls: active.eifServesTls,
      kmsProxyVsockPort: KMS_PROXY_VSOCK_PORT,
      metricNamespace,
      logGroupName: `/tee-prover/${name}/host`,
      agentIntervalSeconds: AGENT_INTERVAL_SECONDS,
    };
    // Refuse bad input now, not inside the apply below (which only adds a valid PCR3).
    assertValidNitroInput(bootstrap);
    // The host agent checks PCR3 exactly as the KMS condition does: the role's ARN is known only once created.
    const userDataBase64 = identity.role.arn.apply((roleArn) =>
      encodeNitroUserData(
        renderNitroCloudInit({ ...bootstrap, parentRolePcr3: args.aws.parentRolePin.pinned ? nitroParentRolePcr3(roleArn) : null }),
      ),
    );
    const fleet = enclaveFleet(name, {
      settings: args.aws,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
      hostSecurityGroup: hostSg,
      instanceProfile: identity.instanceProfile,
      targetGroups: ingress.targetGroups,
      // gzip: the scripts and units exceed EC2's 16 KiB user-data limit uncompressed.
      userDataBase64,
      metricNamespace,
      fleetName: name,
      quarantined: args.quarantine !== undefined,
      tags,
    }, this);

    const alarmSet = fleetAlarms(name, {
      mode: args.ingress.mode,
      region: args.aws.region,
      fleetName: name,
      metricNamespace,
      loadBalancerArnSuffix: ingress.loadBalancer.arnSuffix,
      targetGroupArnSuffix: ingress.targetGroup.arnSuffix,
      ...(ingress.proveTargetGroup ? { proveTargetGroupArnSuffix: ingress.proveTargetGroup.arnSuffix } : {}),
      autoScalingGroupName: fleet.group.name,
      ...(args.aws.certificateArn ? { certificateArn: args.aws.certificateArn } : {}),
      // What a deployer can change around attestation: made loud (docs/tamper-detection.md).
      audit: {
        accountId,
        kmsKeyId: key.key.keyId,
        kmsKeyArn: key.key.arn,
        hostRoleName: identity.role.name,
        securityGroupIds: [ingress.loadBalancerSecurityGroup.id, hostSg.id],
      },
    }, args.alarms, tags, this, args.budget ? { settings: args.budget, accountId } : undefined);

    this.endpoint = ingress.endpoint;
    this.loadBalancerDnsName = ingress.loadBalancer.dnsName;
    this.targetGroupArn = ingress.targetGroup.arn;
    this.autoScalingGroupName = fleet.group.name;
    this.kmsKeyArn = key.key.arn;
    this.sessionDocumentName = identity.sessionDocument?.name;
    this.sessionOperatorPolicyArn = identity.sessionOperatorPolicy?.arn;
    this.topicArns = { P0: alarmSet.topics.P0.arn, P1: alarmSet.topics.P1.arn, P2: alarmSet.topics.P2.arn, P3: alarmSet.topics.P3.arn };
    this.review = {
      environment: args.environment,
      ingressMode: args.ingress.mode,
      plaintext: plaintextExposure("aws", args.ingress),
      activeRelease: active.version,
      acceptedReleases: args.releases.map((r) => r.version),
      warnOnlyPcrs: Object.fromEntries(args.releases.map((r) => [r.version, warnOnlyPcrs(r.pins)])),
      unobservableAlarms: alarmSet.unobservable,
      ...quarantineReview(args.quarantine, "aws", args.ingress.mode),
      enclave: {
        ...args.aws.enclave,
        cid: ENCLAVE_CID,
        parentVcpus: args.aws.instanceShape.vcpus - args.aws.enclave.cpuCount,
        parentMemoryMiB: args.aws.instanceShape.memoryMiB - args.aws.enclave.memoryMiB,
      },
    };
    this.registerOutputs({
      endpoint: this.endpoint,
      loadBalancerDnsName: this.loadBalancerDnsName,
      targetGroupArn: this.targetGroupArn,
      autoScalingGroupName: this.autoScalingGroupName,
      kmsKeyArn: this.kmsKeyArn,
      topicArns: this.topicArns,
      ...(this.sessionDocumentName ? { sessionDocumentName: this.sessionDocumentName } : {}),
      ...(this.sessionOperatorPolicyArn ? { sessionOperatorPolicyArn: this.sessionOperatorPolicyArn } : {}),
    });
  }
}
