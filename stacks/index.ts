import * as pulumi from "@pulumi/pulumi";
import type { ConfidentialSpaceReviewFacts } from "../components/gcp/confidentialSpaceProofServer";
import type { NitroReviewFacts } from "../components/aws/nitroProofServer";
import type { AzureReviewFacts } from "../components/azure/confidentialProofServer";
import { resolveStackConfig, type ConfigSource } from "../src/config/resolve";
import { stackComponentArgs } from "../src/config/stack-args";
import { fleetName } from "../src/naming";

export { fleetName } from "../src/naming";

/** What every stack exports, whatever the cloud; each cloud adds its own resource outputs. */
interface CommonOutputs {
  readonly endpoint: pulumi.Output<string>;
  readonly ingressMode: string;
  readonly plaintextSeenBy: string[];
}

export interface AwsStackOutputs extends CommonOutputs {
  readonly loadBalancerDnsName: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly autoScalingGroupName: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly topicArns: Record<string, pulumi.Output<string>>;
  /** With aws.interactiveAccess: the session document operators pass to `aws ssm start-session`. */
  readonly sessionDocumentName?: pulumi.Output<string>;
  /** With aws.interactiveAccess: the policy to attach to the people on call. */
  readonly sessionOperatorPolicyArn?: pulumi.Output<string>;
  readonly review: NitroReviewFacts;
}

export interface GcpStackOutputs extends CommonOutputs {
  readonly ipAddress: pulumi.Output<string>;
  readonly backendServiceName: pulumi.Output<string>;
  readonly instanceGroupManagerName: pulumi.Output<string>;
  readonly workloadIdentityProviderName: pulumi.Output<string>;
  readonly serviceAccountEmail: pulumi.Output<string>;
  readonly secretIds: Record<string, pulumi.Output<string>>;
  readonly review: ConfidentialSpaceReviewFacts;
}

export interface AzureStackOutputs extends CommonOutputs {
  readonly ipAddress: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly scaleSetId: pulumi.Output<string>;
  /** passthrough: the Standard Load Balancer's id; terminate: the Application Gateway's id. */
  readonly loadBalancerId: pulumi.Output<string>;
  /** The VMs' identity: the only principal a key release policy may name. */
  readonly identityPrincipalId: pulumi.Output<string>;
  /** terminate: the gateway's identity, to grant Key Vault Secrets User on the certificate's vault. */
  readonly gatewayIdentityPrincipalId?: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  /** The attestation-bound vault: wrap the hosts' secrets under its release key. */
  readonly keyVaultUri: pulumi.Output<string>;
  readonly releaseKeyName: pulumi.Output<string>;
  readonly review: AzureReviewFacts;
}

export type StackOutputs = AwsStackOutputs | GcpStackOutputs | AzureStackOutputs;

/**
 * Compose the environment's components for its cloud. The configuration is validated first, in
 * the stack's own terms (config keys, `pulumi config set` fixes), before any resource exists.
 *
 * Bad config throws here, synchronously. Only then is the chosen cloud's component loaded (a
 * dynamic import, hence the promise; Pulumi awaits a program that exports one): each component
 * pulls in its provider's modules, and a one-cloud stack has no use for the other two
 * (docs/testing.md, the offline plan's CPU).
 */
export function deployStack(source: ConfigSource, stack: string = pulumi.getStack()): Promise<StackOutputs> {
  const config = resolveStackConfig(source);
  const name = fleetName(config.namePrefix, stack);
  const common = { ingressMode: config.ingress.mode };
  const component = stackComponentArgs(source);
  // A renamed prefix: the old fleet name as an alias. The engine carries each child over too,
  // since every child's name is the fleet's name plus a suffix (docs/architecture.md, Renaming).
  const opts = config.previousNamePrefix !== undefined ? { aliases: [{ name: fleetName(config.previousNamePrefix, stack) }] } : undefined;
  return declare(name, component, common, opts);
}

/** What every cloud's component exports alike. */
function commonOutputs(server: { readonly endpoint: pulumi.Output<string>; readonly review: { readonly plaintext: { readonly seenBy: readonly string[] } } }, common: { ingressMode: string }): CommonOutputs {
  return { ...common, endpoint: server.endpoint, plaintextSeenBy: server.review.plaintext.seenBy.slice() };
}

async function declare(name: string, component: ReturnType<typeof stackComponentArgs>, common: { ingressMode: string }, opts: pulumi.ComponentResourceOptions | undefined): Promise<StackOutputs> {
  if (component.cloud === "aws") {
    const { NitroProofServer } = await import("../components/aws/nitroProofServer");
    const server = new NitroProofServer(name, component.args, opts);
    return {
      ...commonOutputs(server, common),
      loadBalancerDnsName: server.loadBalancerDnsName,
      targetGroupArn: server.targetGroupArn,
      autoScalingGroupName: server.autoScalingGroupName,
      kmsKeyArn: server.kmsKeyArn,
      topicArns: server.topicArns,
      ...(server.sessionDocumentName ? { sessionDocumentName: server.sessionDocumentName } : {}),
      ...(server.sessionOperatorPolicyArn ? { sessionOperatorPolicyArn: server.sessionOperatorPolicyArn } : {}),
      review: server.review,
    };
  }
  if (component.cloud === "azure") {
    const { AzureConfidentialProofServer } = await import("../components/azure/confidentialProofServer");
    const server = new AzureConfidentialProofServer(name, component.args, opts);
    return {
      ...commonOutputs(server, common),
      ipAddress: server.ipAddress,
      resourceGroupName: server.resourceGroupName,
      scaleSetId: server.scaleSetId,
      loadBalancerId: server.loadBalancerId,
      identityPrincipalId: server.identityPrincipalId,
      ...(server.gatewayIdentityPrincipalId ? { gatewayIdentityPrincipalId: server.gatewayIdentityPrincipalId } : {}),
      tenantId: server.tenantId,
      keyVaultUri: server.keyVaultUri,
      releaseKeyName: server.releaseKeyName,
      review: server.review,
    };
  }
  const { ConfidentialSpaceProofServer } = await import("../components/gcp/confidentialSpaceProofServer");
  const server = new ConfidentialSpaceProofServer(name, component.args, opts);
  return {
    ...commonOutputs(server, common),
    ipAddress: server.ipAddress,
    backendServiceName: server.backendServiceName,
    instanceGroupManagerName: server.instanceGroupManagerName,
    workloadIdentityProviderName: server.workloadIdentityProviderName,
    serviceAccountEmail: server.serviceAccountEmail,
    secretIds: server.secretIds,
    review: server.review,
  };
}
