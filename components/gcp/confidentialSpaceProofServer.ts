import * as pulumi from "@pulumi/pulumi";
import { fleetComponentOptions } from "../../src/rename";
import { activeRelease, resolveConfidentialSpaceArgs } from "../../src/config/args";
import type { ConfidentialSpaceProofServerArgs } from "./args";
import { plaintextExposure, PROOF_SERVER_PORT } from "../../src/ingress/model";
import type { ReviewFacts } from "../../src/review";
import { quarantineReview } from "../../src/quarantine";
import { confidentialFleet } from "./fleet";
import { attestedSecrets, workloadServiceAccount } from "./identity";
import { gcpHealthCheck, gcpIngress } from "./ingress";
import { gcpMonitoring } from "./monitoring";
import { fleetBudgets } from "./budget";
import { getProjectOutput } from "@pulumi/gcp/organizations/getProject";
import { gcpFleetNetwork } from "./network";
import { gcpFleetProber } from "./prober";
import { ENVIRONMENTS } from "../../src/config/environments";

export type { ConfidentialSpaceProofServerArgs } from "./args";

/** What the offline plan and reviewers need that is not a cloud resource property. */
export interface ConfidentialSpaceReviewFacts extends ReviewFacts {
  /** Pinned image digests per release. */
  readonly imageDigests: Record<string, string>;
}

/**
 * The Midnight proof server on GCP Confidential VMs (AMD SEV or Intel TDX) running Confidential Space,
 * behind a global load balancer, with secrets released only to attested, pinned workloads.
 * Type token `tee-prover:gcp:ConfidentialSpaceProofServer`.
 */
export class ConfidentialSpaceProofServer extends pulumi.ComponentResource {
  /** URL clients send proofs to. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly ipAddress: pulumi.Output<string>;
  public readonly backendServiceName: pulumi.Output<string>;
  public readonly instanceGroupManagerName: pulumi.Output<string>;
  public readonly workloadIdentityProviderName: pulumi.Output<string>;
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** Secret Manager ids of the API-key and TLS-key secrets. */
  public readonly secretIds: Record<"apiKeys" | "tlsKey", pulumi.Output<string>>;
  public readonly review: ConfidentialSpaceReviewFacts;

  /**
   * @param name The fleet's name: every child's name starts with it (1-28 characters).
   * @param inputs Validated before anything is declared; see ConfidentialSpaceProofServerArgs.
   */
  constructor(name: string, inputs: ConfidentialSpaceProofServerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component itself registers: bad arguments declare nothing.
    const args = resolveConfidentialSpaceArgs(name, inputs);
    super("tee-prover:gcp:ConfidentialSpaceProofServer", name, {}, fleetComponentOptions(name, opts));
    const active = activeRelease(name, args.releases);
    const { gcp } = args;
    const labels = { ...args.tags, "tee-prover-environment": args.environment, "tee-prover-fleet": name };
    const targetTag = `${name}-prover`;

    const network = gcpFleetNetwork(name, gcp.network, gcp.region, targetTag, PROOF_SERVER_PORT, this);
    const account = workloadServiceAccount(name, gcp.project, this);
    const attested = attestedSecrets(name, {
      project: gcp.project,
      releases: args.releases,
      workloadServiceAccountEmail: account.email,
      technology: gcp.confidentialInstanceType,
      envOverride: args.proofServer.env,
      protect: ENVIRONMENTS[args.environment].deletionProtection,
      labels,
    }, this);
    const healthCheck = gcpHealthCheck(name, args.ingress.backendProtocol, this);
    const fleet = confidentialFleet(name, {
      settings: gcp,
      release: active,
      env: args.proofServer.env,
      subnetwork: network.subnetwork,
      serviceAccountEmail: account.email,
      healthCheck,
      targetTag,
      quarantined: args.quarantine !== undefined,
      labels,
    }, this);
    const ingress = gcpIngress(name, {
      settings: args.ingress,
      project: gcp.project,
      instanceGroup: fleet.group.instanceGroup,
      healthCheck,
      ...(gcp.certificate ? { certificate: gcp.certificate } : {}),
      quarantined: args.quarantine !== undefined,
      labels,
    }, this);
    const prober = gcpFleetProber(name, {
      project: gcp.project,
      region: gcp.region,
      zone: gcp.zones[0]!,
      network: network.network,
      subnetwork: network.subnetwork,
      instanceGroupManagerName: fleet.group.name,
      targetTag,
      port: PROOF_SERVER_PORT,
      serverTls: active.servesTls,
      labels,
    }, this);
    const monitoring = gcpMonitoring(name, {
      mode: args.ingress.mode,
      project: gcp.project,
      region: gcp.region,
      fleetName: name,
      backendServiceName: ingress.backendService.name,
      ...(ingress.urlMap ? { urlMapName: ingress.urlMap.name } : {}),
      instanceGroupManagerName: fleet.group.name,
      endpointHost: ingress.checkHost,
      validateSsl: ingress.checkValidatesSsl,
      listenerPort: args.ingress.listenerPort,
      workloadIdentityPoolId: attested.poolId,
      proberMetrics: prober.metrics,
      // What a deployer can change around attestation: made loud (docs/tamper-detection.md).
      audit: {
        workloadIdentityPoolId: attested.poolId,
        secretIds: [attested.secrets.apiKeys.secretId, attested.secrets.tlsKey.secretId],
        network: network.network,
      },
    }, args.alarms, labels, this);
    // The monthly budget, one per routed threshold (docs/budgets.md); resolve.ts requires the billing account with it.
    const budget = args.budget;
    if (budget?.billingAccount !== undefined) {
      const projectNumber = getProjectOutput({ projectId: gcp.project }, { parent: this }).apply((p) => p.number);
      fleetBudgets(name, { budget: { ...budget, billingAccount: budget.billingAccount }, projectNumber, emailChannels: monitoring.emailChannels }, this);
    }

    this.endpoint = ingress.endpoint;
    this.ipAddress = ingress.address.address;
    this.backendServiceName = ingress.backendService.name;
    this.instanceGroupManagerName = fleet.group.name;
    this.workloadIdentityProviderName = attested.provider.name;
    this.serviceAccountEmail = account.email;
    this.secretIds = { apiKeys: attested.secrets.apiKeys.secretId, tlsKey: attested.secrets.tlsKey.secretId };
    this.review = {
      environment: args.environment,
      ingressMode: args.ingress.mode,
      plaintext: plaintextExposure("gcp", args.ingress),
      activeRelease: active.version,
      acceptedReleases: args.releases.map((r) => r.version),
      imageDigests: Object.fromEntries(args.releases.map((r) => [r.version, r.digest])),
      unobservableAlarms: monitoring.unobservable,
      ...quarantineReview(args.quarantine, "gcp", args.ingress.mode),
    };
    this.registerOutputs({
      endpoint: this.endpoint,
      ipAddress: this.ipAddress,
      backendServiceName: this.backendServiceName,
      instanceGroupManagerName: this.instanceGroupManagerName,
      workloadIdentityProviderName: this.workloadIdentityProviderName,
      serviceAccountEmail: this.serviceAccountEmail,
      secretIds: this.secretIds,
    });
  }
}
