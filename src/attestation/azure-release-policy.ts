/**
 * Azure Key Vault Secure Key Release (SKR) policy for the proof server's confidential VMs
 * (docs/azure-key-release.md).
 *
 * A key with a release policy is handed out by Key Vault only to a caller that (1) holds the
 * `release` key permission and (2) presents a Microsoft Azure Attestation (MAA) token whose issuer
 * and claims satisfy the policy. The policy is JSON in the grammar Microsoft documents as "Secure
 * key release policy grammar" (https://learn.microsoft.com/azure/key-vault/keys/policy-grammar):
 *
 *   policy    = { "version": "1.0.0", "anyOf": [ authority, ... ] }
 *   authority = { "authority": "<issuer>", "allOf" | "anyOf": [ condition, ... ] }   (not both)
 *   condition = { "claim": "<dotted.name>", "equals": string | number | boolean }
 *             | { "allOf": [ condition, ... ] } | { "anyOf": [ condition, ... ] }
 *
 * The grammar also lists `notEquals`, `less`, `lessOrEquals`, `greater`, `greaterOrEquals` and
 * `exists`, but the same page says "in the first iteration, the only allowed condition is
 * equals": we use `equals` only, and the types below admit nothing else. A claim the token lacks
 * fails its condition; claim names navigate JSON objects with dots; arrays cannot be addressed.
 *
 * The claims are those of the guest attestation token a confidential VM obtains from MAA through
 * its vTPM (`x-ms-attestation-type: azurevm`), where the hardware verdict is nested under
 * `x-ms-isolation-tee`. Microsoft's guest SKR samples use exactly these dotted names
 * (Azure/confidential-computing-cvm-guest-attestation, cvm-securekey-release-app/README.md).
 *
 * Pure: no Pulumi here, so the builder is tested by evaluating it against token claims
 * (src/attestation/azure-release-policy-eval.ts).
 */
import { createHash } from "node:crypto";

/** The confidential technology of the scale set's VM size. */
export type AzureCvmTechnology = "SEV_SNP" | "TDX";

/** A JSON scalar, the only kind of value the grammar compares a claim with (no objects, no arrays). */
export type ClaimValue = string | number | boolean;

export interface ClaimEquals {
  /** Dotted path into the token's claims, e.g. `x-ms-isolation-tee.x-ms-attestation-type`. */
  readonly claim: string;
  readonly equals: ClaimValue;
}
export interface AllOfCondition {
  readonly allOf: readonly ReleaseCondition[];
}
export interface AnyOfCondition {
  readonly anyOf: readonly ReleaseCondition[];
}
export type ReleaseCondition = ClaimEquals | AllOfCondition | AnyOfCondition;

/** One attestation authority (the token's `iss`) with the conditions its tokens must meet. */
export type AuthorityRule = { readonly authority: string } & (AllOfCondition | AnyOfCondition);

/** A whole release policy: one of its authorities suffices. */
export interface AzureReleasePolicy {
  readonly version: "1.0.0";
  readonly anyOf: readonly AuthorityRule[];
}

/** `releasePolicy` of an azure-native `keyvault.Key` (KeyReleasePolicyArgs: contentType, data). */
export interface EncodedReleasePolicy {
  readonly contentType: "application/json; charset=utf-8";
  /** BASE64URL(JSON serialization of the policy), as the grammar page's "Encoding" section says. */
  readonly data: string;
}

/** The hardware verdict's claims in the guest (vTPM) attestation token. */
export const ISOLATION_TEE = "x-ms-isolation-tee";
export const ATTESTATION_TYPE_CLAIM = `${ISOLATION_TEE}.x-ms-attestation-type`;
export const COMPLIANCE_STATUS_CLAIM = `${ISOLATION_TEE}.x-ms-compliance-status`;
/** MAA issues this status only for a VM it recognises as an Azure confidential VM. */
export const AZURE_COMPLIANT_CVM = "azure-compliant-cvm";

/** `x-ms-attestation-type` inside `x-ms-isolation-tee`, per technology (MAA token examples). */
export const ATTESTATION_TYPE: Readonly<Record<AzureCvmTechnology, string>> = { SEV_SNP: "sevsnpvm", TDX: "tdxvm" };

/**
 * The claim that says the guest's memory is open to the host (a debug guest), per technology.
 * SEV-SNP: `x-ms-sevsnpvm-is-debuggable`, "Boolean value indicating whether AMD SEV-SNP debugging
 * is enabled" (MAA claim sets, https://learn.microsoft.com/azure/attestation/claim-sets), present
 * under `x-ms-isolation-tee` in Microsoft's sample CVM guest token.
 * TDX: `tdx_td_attributes_debug`, "in TD debug mode, the CPU state and private memory are
 * accessible by the host VMM" (MAA TDX EAT profile,
 * https://learn.microsoft.com/azure/attestation/trust-domain-extensions-eat-profile). Microsoft
 * publishes that claim for its tdxvm token but no sample of the vTPM guest token of a TDX CVM; if
 * that token does not carry it under `x-ms-isolation-tee`, the key is never released (a missing
 * claim fails its condition): fail closed. docs/azure-key-release.md says how to check a real token.
 */
export const NOT_DEBUGGABLE_CLAIM: Readonly<Record<AzureCvmTechnology, string>> = {
  SEV_SNP: `${ISOLATION_TEE}.x-ms-sevsnpvm-is-debuggable`,
  TDX: `${ISOLATION_TEE}.tdx_td_attributes_debug`,
};

/**
 * An MAA endpoint: `https://<provider>.<region code>.attest.azure.net`, the shared providers'
 * (`sharedeus2.eus2`) and one's own `attestation.AttestationProvider` alike. Key Vault trusts only
 * issuers with OpenID metadata rooted in DigiCert (policy-grammar page, "Attestation Token
 * Requirements"); we accept MAA only.
 */
export const MAA_AUTHORITY = /^https:\/\/[a-z0-9]{3,24}\.[a-z0-9]{2,8}\.attest\.azure\.net$/;

/**
 * Shared MAA providers by region. The endpoint names are those of Microsoft's own confidential-VM
 * key release policy (Azure/confidential-computing-cvm, cvm_deployment/key/skr-policy.json), which
 * lists `https://shared<code>.<code>.attest.azure.net/` per region code; the region name -> code
 * pairing is Azure's region short code (`Get-AzAttestationDefaultProvider -Location "East US"`
 * answers `sharedeus`). A region missing here needs `attestationAuthority` set explicitly:
 * `az attestation show` / `Get-AzAttestationDefaultProvider -Location <region>` names it.
 */
export const SHARED_MAA_REGION_CODE: Readonly<Record<string, string>> = {
  eastus: "eus",
  eastus2: "eus2",
  westus: "wus",
  westus2: "wus2",
  westus3: "wus3",
  centralus: "cus",
  northcentralus: "ncus",
  southcentralus: "scus",
  westcentralus: "wcus",
  canadacentral: "cac",
  canadaeast: "cae",
  northeurope: "neu",
  westeurope: "weu",
  uksouth: "uks",
  ukwest: "ukw",
  francecentral: "frc",
  germanywestcentral: "dewc",
  switzerlandnorth: "swn",
  italynorth: "itn",
  norwayeast: "noe",
  japaneast: "jpe",
  japanwest: "jpw",
  koreacentral: "krc",
  centralindia: "cin",
  eastasia: "easia",
  southeastasia: "sasia",
  australiaeast: "eau",
  uaenorth: "uaen",
};

/** The region's shared MAA provider; throws for a region we have no endpoint for. */
export function sharedAttestationAuthority(location: string): string {
  const region = location.toLowerCase().replace(/\s+/g, "");
  const code = SHARED_MAA_REGION_CODE[region];
  if (code === undefined) {
    throw new Error(
      `attestationAuthority: no shared Microsoft Azure Attestation provider is known for region "${location}"; ` +
        "set attestationAuthority to the MAA endpoint (Get-AzAttestationDefaultProvider -Location <region>, or the attestUri of an attestation.AttestationProvider)",
    );
  }
  return `https://shared${code}.${code}.attest.azure.net`;
}

/**
 * The authority as the token's `iss` spells it: no trailing slash. Microsoft's CVM policy writes
 * `https://sharedeus.eus.attest.azure.net/` while its tokens say `"iss":
 * "https://sharedeus2.eus2.attest.azure.net"`, so Key Vault ignores the slash; we emit the `iss`
 * form and refuse anything but an https MAA endpoint.
 */
export function normalizeAuthority(authority: string): string {
  const trimmed = authority.trim().replace(/\/+$/, "").toLowerCase();
  if (!MAA_AUTHORITY.test(trimmed)) {
    throw new Error(
      `attestationAuthority: "${authority}" is not a Microsoft Azure Attestation endpoint (https://<provider>.<region>.attest.azure.net)`,
    );
  }
  return trimmed;
}

export interface AzureReleasePolicyInput {
  readonly technology: AzureCvmTechnology;
  /** MAA endpoint whose tokens are accepted, e.g. `https://sharedweu.weu.attest.azure.net`. */
  readonly authority: string;
}

/**
 * The release policy of the fleet's key: one authority, all of
 * - `x-ms-isolation-tee.x-ms-attestation-type` = sevsnpvm | tdxvm, matching the VM size: a TDX
 *   token does not release a key meant for SEV-SNP VMs, and no other attestation type (a Trusted
 *   Launch VM's vTPM token has no `x-ms-isolation-tee` at all) releases it;
 * - `x-ms-isolation-tee.x-ms-compliance-status` = azure-compliant-cvm: MAA recognised an Azure
 *   confidential VM (a non-compliant VM says `azure-vm`, or nothing);
 * - the technology's debug claim = false: a debug guest's memory is readable by the host.
 *
 * What it does NOT pin: which VM, subscription or image. Any Azure-compliant confidential VM of
 * the right technology passes; the `release` permission (only the scale set's identity holds it)
 * is what makes the caller ours. docs/azure-key-release.md spells out the trust boundary.
 */
export function buildAzureReleasePolicy(input: AzureReleasePolicyInput): AzureReleasePolicy {
  const attestationType = ATTESTATION_TYPE[input.technology];
  const debugClaim = NOT_DEBUGGABLE_CLAIM[input.technology];
  if (attestationType === undefined || debugClaim === undefined) {
    throw new Error(`technology: "${String(input.technology)}" is not a confidential VM technology (SEV_SNP or TDX)`);
  }
  return {
    version: "1.0.0",
    anyOf: [
      {
        authority: normalizeAuthority(input.authority),
        allOf: [
          { claim: ATTESTATION_TYPE_CLAIM, equals: attestationType },
          { claim: COMPLIANCE_STATUS_CLAIM, equals: AZURE_COMPLIANT_CVM },
          { claim: debugClaim, equals: false },
        ],
      },
    ],
  };
}

/** The JSON Key Vault stores: property order as built, no whitespace. */
export function releasePolicyJson(policy: AzureReleasePolicy): string {
  return JSON.stringify(policy);
}

/** `{ contentType, data: BASE64URL(JSON) }`, the KeyReleasePolicy shape ARM takes. */
export function encodeReleasePolicy(policy: AzureReleasePolicy): EncodedReleasePolicy {
  return { contentType: "application/json; charset=utf-8", data: Buffer.from(releasePolicyJson(policy), "utf8").toString("base64url") };
}

/** Inverse of {@link encodeReleasePolicy}'s data (base64url; padding tolerated). */
export function decodeReleasePolicyData(data: string): unknown {
  return JSON.parse(Buffer.from(data, "base64url").toString("utf8"));
}

/**
 * Short hash of the policy, for the key's name: ARM creates a key only if its name is free and
 * never updates an existing one, so a changed policy must be a key with a new name.
 */
export function releasePolicyHash(policy: AzureReleasePolicy, length = 8): string {
  return createHash("sha256").update(releasePolicyJson(policy)).digest("hex").slice(0, length);
}
