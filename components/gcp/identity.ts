import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/gcp/iam";
import * as projects from "@pulumi/gcp/projects";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import { RandomId } from "@pulumi/random/randomId";
import {
  attestedPrincipalSets,
  buildConfidentialSpaceAttributeCondition,
  CONFIDENTIAL_SPACE_AUDIENCE,
  CONFIDENTIAL_SPACE_ISSUER,
  confidentialSpaceAttributeMapping,
  type ConfidentialSpaceTechnology,
} from "../../src/attestation/gcp-workload-identity";
import type { ContainerRelease } from "../../src/config/types";
import { fitName } from "../../src/naming";

/**
 * What the workload VM runs as: only what the workload needs to run and be observed. It can NOT
 * read the secrets: those go to the attested principal sets (pinned image digests), not to this account.
 */
export function workloadServiceAccount(name: string, project: string, parent: pulumi.Resource): serviceaccount.Account {
  const opts = { parent };
  // Service account ids: 6-30 characters, [a-z][a-z0-9-]*[a-z0-9].
  const account = new serviceaccount.Account(`${name}-workload`, {
    accountId: fitName(`${name}-wl`, 30).replace(/-+$/, ""),
    displayName: `Confidential Space workload of ${name}`,
    project,
  }, opts);
  const roles = [
    // Lets the launcher obtain attestation tokens for the workload.
    "roles/confidentialcomputing.workloadUser",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
  ];
  for (const role of roles) {
    new projects.IAMMember(`${name}-workload-${role.split("/")[1]!.replace(/\./g, "-")}`, { project, role, member: pulumi.interpolate`serviceAccount:${account.email}` }, opts);
  }
  return account;
}

export interface AttestedSecretsInputs {
  readonly project: string;
  readonly releases: readonly ContainerRelease[];
  readonly workloadServiceAccountEmail: pulumi.Output<string>;
  /** The instance template's confidential technology, pinned as the token's hwmodel. */
  readonly technology: ConfidentialSpaceTechnology;
  /** proofServer.env, which the fleet passes as `tee-env-*`: pinned as the token's env_override. */
  readonly envOverride: Readonly<Record<string, string>>;
  /** prod: protect the secrets so `pulumi destroy` cannot delete the keys. */
  readonly protect: boolean;
  readonly labels: Record<string, string>;
}

export interface AttestedSecrets {
  readonly pool: iam.WorkloadIdentityPool;
  /** The pool's id: the fleet name and a suffix drawn once per deployment (see workloadIdentityIds). */
  readonly poolId: pulumi.Output<string>;
  /** The random suffix of the pool and provider ids; drawn on create, kept by every update. */
  readonly idSuffix: RandomId;
  readonly provider: iam.WorkloadIdentityPoolProvider;
  readonly attributeCondition: pulumi.Output<string>;
  readonly secrets: Record<"apiKeys" | "tlsKey", secretmanager.Secret>;
}

/** Hex characters of the per-deployment suffix (3 random bytes: 16.7 million values). */
export const WIF_SUFFIX_BYTES = 3;
/** Longest fleet-name head that leaves room for "-pool-" and the suffix within 32 characters. */
const WIF_HEAD_MAX = 32 - "-pool-".length - 2 * WIF_SUFFIX_BYTES;

/**
 * Workload Identity pool and provider ids for one deployment. Ids are 4-32 characters of [a-z0-9-]
 * and may not start with "gcp-" (reserved by Google). A deleted pool or provider stays soft-deleted
 * for 30 days and its id cannot be reused, so a fleet name alone would make `pulumi destroy` then
 * `pulumi up` fail with 409 for a month (pulumi/pulumi-gcp#1149): the suffix is drawn once per
 * deployment by a RandomId without keepers, so updates keep it and a new deployment gets a new one.
 */
export function workloadIdentityIds(name: string, suffixHex: string): { pool: string; provider: string } {
  const head = fitName(name, WIF_HEAD_MAX).replace(/-+$/, "");
  const unreserved = (id: string) => id.replace(/^gcp-/, "g-");
  return { pool: unreserved(`${head}-pool-${suffixHex}`), provider: unreserved(`${head}-cs-${suffixHex}`) };
}

/**
 * Workload Identity Pool + OIDC provider for Confidential Space whose attribute condition pins the
 * releases' image digests, the production image (dbgstat, STABLE), this project, the workload's
 * service account, the hardware, and no command or environment override beyond proofServer.env; and
 * the API-key and TLS-key secrets, readable only by the principal sets of the pinned digests.
 */
export function attestedSecrets(name: string, inputs: AttestedSecretsInputs, parent: pulumi.Resource): AttestedSecrets {
  const opts = { parent };
  // No keepers: nothing a routine update changes (releases, conditions) may draw a new suffix, or
  // the pool would be replaced and attested instances would lose their secrets mid-rollout.
  const idSuffix = new RandomId(`${name}-wif-suffix`, { byteLength: WIF_SUFFIX_BYTES }, opts);
  const ids = idSuffix.hex.apply((hex) => workloadIdentityIds(name, hex));
  const pool = new iam.WorkloadIdentityPool(`${name}-attested`, {
    project: inputs.project,
    workloadIdentityPoolId: ids.pool,
    displayName: fitName(`${name} attested`, 32),
    description: `Confidential Space workloads of ${name} running ${inputs.releases.map((r) => r.version).join(" or ")}`,
  }, opts);
  const attributeCondition = inputs.workloadServiceAccountEmail.apply((serviceAccountEmail) =>
    buildConfidentialSpaceAttributeCondition({
      imageDigests: inputs.releases.map((r) => r.digest),
      projectId: inputs.project,
      serviceAccountEmail,
      technology: inputs.technology,
      envOverride: inputs.envOverride,
    }),
  );
  const provider = new iam.WorkloadIdentityPoolProvider(`${name}-attested`, {
    project: inputs.project,
    workloadIdentityPoolId: pool.workloadIdentityPoolId,
    workloadIdentityPoolProviderId: ids.provider,
    displayName: "Confidential Space",
    attributeMapping: confidentialSpaceAttributeMapping(),
    attributeCondition,
    oidc: { issuerUri: CONFIDENTIAL_SPACE_ISSUER, allowedAudiences: [CONFIDENTIAL_SPACE_AUDIENCE] },
  }, opts);
  const secret = (key: "api-keys" | "tls-key") =>
    new secretmanager.Secret(`${name}-${key}`, {
      project: inputs.project,
      secretId: fitName(`${name}-${key}`, 255),
      replication: { auto: {} },
      labels: inputs.labels,
      // Values are added out of band (`gcloud secrets versions add`); only the TEE reads them.
      deletionProtection: inputs.protect,
    }, { parent, protect: inputs.protect });
  const secrets = { apiKeys: secret("api-keys"), tlsKey: secret("tls-key") };
  // Not the whole pool (`<pool>/*`): a provider added to the pool later would inherit the secrets.
  // Only identities whose attribute.image_digest is a pinned digest, which this provider maps from
  // the token it admitted (docs/gcp-attestation-condition.md). One member per release and secret,
  // named by version, so a rotation adds the next release's member and later drops the old one
  // without touching the other.
  for (const [key, s] of Object.entries(secrets)) {
    inputs.releases.forEach((release) => {
      new secretmanager.SecretIamMember(`${name}-${key}-reader-${release.version}`, {
        project: inputs.project,
        secretId: s.secretId,
        role: "roles/secretmanager.secretAccessor",
        member: pool.name.apply((poolName) => attestedPrincipalSets(poolName, [release.digest])[0]!),
      }, { parent, dependsOn: [provider] });
    });
  }
  // STS token exchanges are Data Access logs, off by default; the attestation-failure alarm counts
  // them. This config is authoritative for sts.googleapis.com only, in this project.
  new projects.IAMAuditConfig(`${name}-sts-audit`, {
    project: inputs.project,
    service: "sts.googleapis.com",
    auditLogConfigs: [{ logType: "ADMIN_READ" }],
  }, opts);
  return { pool, provider, poolId: pool.workloadIdentityPoolId, idSuffix, attributeCondition, secrets };
}
