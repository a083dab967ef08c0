/**
 * Workload Identity Federation pins for GCP Confidential Space (docs/gcp-attestation-condition.md).
 *
 * The Confidential Space launcher fetches an OIDC attestation token from Google Cloud Attestation
 * and exchanges it at STS through our Workload Identity pool provider. The provider's attribute
 * condition is the gate: only a token whose claims say "production Confidential Space image, never
 * debuggable since boot, still supported, running in our project as our workload service account,
 * running one of our pinned containers" gets federated credentials. Secrets are then bound to the
 * principal set of the pinned image digest(s).
 *
 * The issuer and the default audience are the same for every GCP project, so any project can
 * present a Confidential Space token at our provider. The proof-server image is public, so a digest
 * pin alone would admit anyone who runs that image on a production Confidential Space VM in their
 * own project; the project and service-account pins are what make the workload ours.
 *
 * Claim names: https://cloud.google.com/confidential-computing/confidential-space/docs/reference/token-claims
 * and .../reference/attestation-assertions.
 */

/** Issuer URI for the pool's OIDC provider, as Google's Confidential Space guides configure it. */
export const CONFIDENTIAL_SPACE_ISSUER = "https://confidentialcomputing.googleapis.com/";

/** Audience of the default token the launcher fetches for Workload Identity Federation. */
export const CONFIDENTIAL_SPACE_AUDIENCE = "https://sts.googleapis.com";

/** GCP's limit on a provider's attributeCondition. */
export const ATTRIBUTE_CONDITION_MAX_LENGTH = 4096;

/** Container image digest as Confidential Space reports it in `submods.container.image_digest`. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Custom attribute we bind secrets on: principalSet://.../attribute.image_digest/<digest>. */
export const IMAGE_DIGEST_ATTRIBUTE = "attribute.image_digest";

/** Confidential technologies Confidential Space runs on (config refuses anything else). */
export type ConfidentialSpaceTechnology = "SEV" | "TDX";

/**
 * The token's `hwmodel` per technology, as the token-claims reference lists the values
 * (GCP_AMD_SEV, GCP_AMD_SEV_ES, GCP_SHIELDED_VM, GCP_INTEL_TDX):
 * https://cloud.google.com/confidential-computing/confidential-space/docs/reference/token-claims
 * GCP_SHIELDED_VM (no memory encryption) and GCP_AMD_SEV_ES (not what the template asks for) are
 * never accepted. See docs/gcp-attestation-condition.md.
 */
export const HWMODEL: Readonly<Record<ConfidentialSpaceTechnology, string>> = { SEV: "GCP_AMD_SEV", TDX: "GCP_INTEL_TDX" };

/** An environment variable name as config accepts it for `tee-env-*`. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** A GCP project ID: 6-30 characters, lower-case letters, digits and hyphens, starting with a letter. */
export const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** A user-managed service account of a project: <account id>@<project id>.iam.gserviceaccount.com. */
export const USER_MANAGED_SERVICE_ACCOUNT_EMAIL =
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;

/**
 * The pins, as already-resolved plain strings. The component holds them as Pulumi Outputs and calls
 * {@link buildConfidentialSpaceAttributeCondition} inside `pulumi.all([...]).apply(...)`; nothing
 * here touches Pulumi, so the builder stays pure and is tested directly.
 */
export interface ConfidentialSpacePins {
  /** Container image digests (sha256:<64 hex>) of the accepted releases; two during a rotation. */
  imageDigests: string[];
  /** The project the workload VMs run in: `assertion.submods.gce.project_id == "<projectId>"`. */
  projectId: string;
  /** The workload's service account: `"<email>" in assertion.google_service_accounts`. */
  serviceAccountEmail: string;
  /** The instance template's confidential technology: `assertion.hwmodel == HWMODEL[technology]`. */
  technology: ConfidentialSpaceTechnology;
  /**
   * Exactly the variables the stack sets with `tee-env-*` (proofServer.env): the token's
   * `submods.container.env_override` must equal them, no more, no fewer, same values.
   */
  envOverride: Readonly<Record<string, string>>;
}

/**
 * CEL attribute condition of the Workload Identity Pool OIDC provider.
 *
 * - swname: the same issuer also signs plain Confidential VM tokens (swname "GCE"), whose owner
 *   controls the guest; only the Confidential Space image enforces the launch policy.
 * - dbgstat: a debug image lets the operator into the VM (and so to the secrets).
 * - STABLE: the image is supported and monitored for vulnerabilities; USABLE-only images are out
 *   of support, and debug images carry no support attribute at all.
 * - project_id: the VM runs in our project. Every project gets tokens from the same issuer with the
 *   same audience, and the image is public, so without this anyone could run our digest and pass.
 * - google_service_accounts: the VM runs as our workload service account, so another VM in our
 *   project (other owners, other purposes) does not pass either. `in` matches the exact e-mail.
 * - image_digest: the container must be one of the pinned releases.
 * - hwmodel: the hardware the template asks for; never a Shielded VM without memory encryption.
 * - cmd_override: none. The stack never sets `tee-cmd`; with an override the pinned image could run
 *   `sh -c ...` and hand out the secrets. Absent, null or empty all mean "no override" (see
 *   {@link noOverride}).
 * - env_override: exactly proofServer.env. An operator who can create a VM as the workload account
 *   could otherwise turn TLS or auth off with `tee-env-*`, if the image's launch policy allows it.
 *
 * Takes resolved strings and is pure: the component calls it inside `pulumi.all(...).apply`.
 */
export function buildConfidentialSpaceAttributeCondition(pins: ConfidentialSpacePins): string {
  const digests = validateImageDigests(pins);
  const projectId = validateProjectId(pins);
  const serviceAccountEmail = validateServiceAccountEmail(pins);
  const hwmodel = validateTechnology(pins);
  const envOverride = validateEnvOverride(pins);
  const condition = [
    `assertion.swname == ${celStringLiteral("CONFIDENTIAL_SPACE")}`,
    `assertion.dbgstat == ${celStringLiteral("disabled-since-boot")}`,
    `${celStringLiteral("STABLE")} in assertion.submods.confidential_space.support_attributes`,
    `assertion.submods.gce.project_id == ${celStringLiteral(projectId)}`,
    `${celStringLiteral(serviceAccountEmail)} in assertion.google_service_accounts`,
    `assertion.submods.container.image_digest in [${digests.map(celStringLiteral).join(", ")}]`,
    `assertion.hwmodel == ${celStringLiteral(hwmodel)}`,
    noOverride("assertion.submods.container.cmd_override"),
    envOverride.length === 0
      ? noOverride("assertion.submods.container.env_override")
      : `assertion.submods.container.env_override == {${envOverride.map(([k, v]) => `${celStringLiteral(k)}: ${celStringLiteral(v)}`).join(", ")}}`,
  ].join(" && ");
  // Only long proofServer.env values can get here (two digests and the longest project and account
  // take about 800 characters), but the API would refuse the provider, so fail at plan time.
  if (condition.length > ATTRIBUTE_CONDITION_MAX_LENGTH) {
    throw new Error(
      `attribute condition is ${condition.length} characters; GCP accepts at most ${ATTRIBUTE_CONDITION_MAX_LENGTH}: ` +
        "shorten the proofServer.env values the condition pins",
    );
  }
  return condition;
}

/**
 * "No override" for an override claim, whichever way the token says it. The token-claims reference
 * types cmd_override as a string array and env_override as an object, and the attestation-assertions
 * reference checks "not overridden" with `size(...) == 0`; tokens without any override have been seen
 * to omit the claims altogether, and a nil Go slice or map serialises as null. `size()` alone would
 * be an evaluation error (a refusal) on an absent or null claim, so an un-overridden production VM
 * would never get its secrets. CEL's `||` is commutative for errors: if any operand is true the
 * result is true, and a non-empty list or map makes every operand false (or an error), a refusal.
 */
function noOverride(claim: string): string {
  return `(!has(${claim}) || ${claim} == null || size(${claim}) == 0)`;
}

/**
 * The IAM members that may read the secrets: one principal set per pinned digest, by the
 * `attribute.image_digest` this provider maps, in this pool only. Format from
 * https://cloud.google.com/iam/docs/principal-identifiers ("All identities with a specific
 * attribute value": principalSet://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/
 * workloadIdentityPools/POOL_ID/attribute.ATTRIBUTE_NAME/ATTRIBUTE_VALUE). Never `<pool>/*`: a
 * provider added to the pool later would inherit the secrets (docs/gcp-attestation-condition.md).
 *
 * @param poolName the pool's resource name, `projects/<number>/locations/global/workloadIdentityPools/<id>`
 */
export function attestedPrincipalSets(poolName: string, imageDigests: readonly string[]): string[] {
  if (!/^projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}$/.test(poolName)) {
    throw new Error(
      `pool name ${JSON.stringify(poolName)} is not projects/<project number>/locations/global/workloadIdentityPools/<pool id>`,
    );
  }
  const digests = validateImageDigests({ imageDigests: [...imageDigests] });
  return digests.map((digest) => `principalSet://iam.googleapis.com/${poolName}/${IMAGE_DIGEST_ATTRIBUTE}/${digest}`);
}

/**
 * attributeMapping for the provider.
 *
 * google.subject follows Google's Confidential Space guide ("gcpcs::<digest>::<project number>::
 * <instance id>") rather than `assertion.sub`: `sub` is the instance's self link, which can exceed
 * the 127-byte limit on google.subject and then fails every token exchange. Ours is at most
 * 7 + 71 + 2 + 20 + 2 + 20 = 122 bytes (both numbers are decimal uint64s, 12 digits in practice),
 * unique per instance and image, and stable for the instance's life.
 */
export function confidentialSpaceAttributeMapping(): Record<string, string> {
  return {
    "google.subject":
      '"gcpcs::" + assertion.submods.container.image_digest + "::" + assertion.submods.gce.project_number + ' +
      '"::" + assertion.submods.gce.instance_id',
    [IMAGE_DIGEST_ATTRIBUTE]: "assertion.submods.container.image_digest",
  };
}

/**
 * A CEL string literal for any string: double quotes, with `"` and `\` escaped and everything
 * outside printable ASCII written as \u/\U escapes, so no input can end the literal early.
 */
export function celStringLiteral(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate (for...of yields paired ones as one code point); CEL has no escape for it.
      throw new Error(`cannot quote ${JSON.stringify(value)} in CEL: it contains a lone UTF-16 surrogate`);
    }
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

function validateImageDigests(pins: Pick<ConfidentialSpacePins, "imageDigests">): string[] {
  const digests: unknown = pins.imageDigests;
  if (!Array.isArray(digests)) {
    throw new Error("imageDigests must be an array of image digests (sha256:<64 lowercase hex>)");
  }
  if (digests.length === 0) {
    throw new Error("imageDigests is empty: no workload could ever obtain credentials; pin at least one image digest");
  }
  if (digests.length > 2) {
    throw new Error(
      `imageDigests lists ${digests.length} digests; at most two are accepted at once (the running release and ` +
        "the next during a rotation) — drop the old release",
    );
  }
  const seen = new Set<string>();
  return digests.map((digest: unknown, i) => {
    if (typeof digest !== "string" || !IMAGE_DIGEST.test(digest)) {
      throw new Error(
        `imageDigests[${i}] ${JSON.stringify(digest)} is not an image digest: must be "sha256:" followed by 64 ` +
          "lowercase hex characters, exactly as the token's submods.container.image_digest reports it " +
          "(not a tag, which can be moved, and not a full image reference)",
      );
    }
    if (seen.has(digest)) throw new Error(`imageDigests lists ${digest} twice`);
    seen.add(digest);
    return digest;
  });
}

function validateTechnology(pins: ConfidentialSpacePins): string {
  const technology: unknown = pins.technology;
  if (technology !== "SEV" && technology !== "TDX") {
    throw new Error(
      `technology ${JSON.stringify(technology)} is not a technology Confidential Space runs on: must be "SEV" or "TDX"`,
    );
  }
  return HWMODEL[technology];
}

/** The overrides as sorted [name, value] pairs (sorted so the condition does not churn on key order). */
function validateEnvOverride(pins: ConfidentialSpacePins): Array<[string, string]> {
  const env: unknown = pins.envOverride;
  if (!env || typeof env !== "object" || Array.isArray(env)) {
    throw new Error("envOverride must be an object of environment variable names to values (proofServer.env)");
  }
  return Object.entries(env as Record<string, unknown>)
    .map(([name, value]): [string, string] => {
      if (!ENV_NAME.test(name)) throw new Error(`envOverride: ${JSON.stringify(name)} is not an environment variable name (A-Z, 0-9, _)`);
      if (typeof value !== "string") throw new Error(`envOverride.${name} must be a string, got ${JSON.stringify(value)}`);
      return [name, value];
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function validateProjectId(pins: ConfidentialSpacePins): string {
  const projectId: unknown = pins.projectId;
  if (typeof projectId !== "string" || !GCP_PROJECT_ID.test(projectId)) {
    throw new Error(
      `projectId ${JSON.stringify(projectId)} is not a GCP project ID: must be 6-30 characters of lowercase ` +
        "letters, digits and hyphens, start with a letter and not end with a hyphen, exactly as the token's " +
        "submods.gce.project_id reports it (the project ID, not the project number or display name)",
    );
  }
  return projectId;
}

function validateServiceAccountEmail(pins: ConfidentialSpacePins): string {
  const email: unknown = pins.serviceAccountEmail;
  if (typeof email !== "string" || !USER_MANAGED_SERVICE_ACCOUNT_EMAIL.test(email)) {
    throw new Error(
      `serviceAccountEmail ${JSON.stringify(email)} is not a user-managed service account e-mail: must be ` +
        '"<account id>@<project id>.iam.gserviceaccount.com" in lowercase, each id 6-30 characters of letters, ' +
        "digits and hyphens (not a default compute or Google-managed service account, not a user)",
    );
  }
  return email;
}
