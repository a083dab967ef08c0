/**
 * Confidential Space helpers for the attestation pack: the accepted-digest config, and the token
 * claims a Workload Identity provider's attribute condition is evaluated against (shape from
 * https://cloud.google.com/confidential-computing/confidential-space/docs/reference/token-claims,
 * as in test/attestation/gcp-workload-identity.test.ts).
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

export const acceptedImageDigestsSchema: PolicyConfigJSONSchema = {
  type: "array",
  items: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
  description: "Container image digests accepted now (two during a rotation). Empty: every pinned sha256 digest is accepted.",
  default: [],
};

export const CONFIDENTIAL_SPACE_ISSUER = /^https:\/\/confidentialcomputing\.googleapis\.com\/?$/;

export interface TokenFacts {
  readonly digest: string;
  readonly projectId: string;
  readonly projectNumber: string;
  readonly serviceAccount: string;
  readonly hwmodel: string;
}

/** Claims of a production Confidential Space token for the given workload. */
export function productionClaims(f: TokenFacts): Record<string, unknown> {
  return {
    aud: "https://sts.googleapis.com",
    iss: "https://confidentialcomputing.googleapis.com",
    sub: `https://www.googleapis.com/compute/v1/projects/${f.projectId}/zones/us-central1-a/instances/prover-1`,
    secboot: true,
    oemid: 11129,
    hwmodel: f.hwmodel,
    swname: "CONFIDENTIAL_SPACE",
    swversion: ["250301"],
    dbgstat: "disabled-since-boot",
    google_service_accounts: [f.serviceAccount],
    submods: {
      confidential_space: { support_attributes: ["LATEST", "STABLE", "USABLE"], monitoring_enabled: { memory: false } },
      container: {
        image_reference: `us-docker.pkg.dev/${f.projectId}/prover/proof-server@${f.digest}`,
        image_digest: f.digest,
        image_id: "sha256:5d41402abc4b2a76b9719d911017c592ae2f5b8b3e1c6d7f8a9b0c1d2e3f4a5b",
        restart_policy: "Always",
        cmd_override: [],
        env_override: {},
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        args: ["midnight-proof-server"],
      },
      gce: { zone: "us-central1-a", project_id: f.projectId, project_number: f.projectNumber, instance_name: "prover-1", instance_id: "7333251546816446069" },
    },
  };
}

export const HWMODELS = ["GCP_AMD_SEV", "GCP_INTEL_TDX", "GCP_AMD_SEV_SNP"] as const;
