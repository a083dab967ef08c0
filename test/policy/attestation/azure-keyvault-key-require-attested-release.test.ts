/**
 * azure-keyvault-key-require-attested-release: the key components/azure/keyRelease.ts declares
 * (RELEASE_KEY_SPEC + buildAzureReleasePolicy, exactly as the component builds its inputs) passes;
 * release policies with a clause removed are refused by the evaluator's verdict on probe tokens.
 */
import { describe, expect, it } from "vitest";
import { azureKeyvaultKeyRequireAttestedRelease as rule } from "../../../policy/attestation/rules/azure-keyvault-key-require-attested-release";
import { compliantCvmToken } from "../../../policy/common/attestation-azure";
import { evaluateReleasePolicy } from "../../../src/attestation/azure-release-policy-eval";
import { buildAzureReleasePolicy, encodeReleasePolicy, sharedAttestationAuthority, type AzureReleasePolicy } from "../../../src/attestation/azure-release-policy";
import { RELEASE_KEY_SPEC } from "../../../components/azure/keyRelease";
import { runResourcePolicy, type OfflineResource, type PolicyOutcome } from "../../../src/policy/evaluate";
import { sevSnpToken } from "../../helpers/azure-maa-tokens";
import { offline } from "./fixtures";

const AUTHORITY = sharedAttestationAuthority("eastus");
const OURS = buildAzureReleasePolicy({ technology: "SEV_SNP", authority: AUTHORITY });

/** The key's inputs as the component declares them, with this (raw) release policy. */
function key(policy: unknown, exportable: boolean = RELEASE_KEY_SPEC.exportable): OfflineResource {
  const releasePolicy = policy === undefined ? undefined : typeof policy === "string" ? { contentType: "application/json; charset=utf-8", data: policy } : encodeReleasePolicy(policy as AzureReleasePolicy);
  return offline("azure-native:keyvault:Key", "prover-prod-release-key", {
    resourceGroupName: "prover-prod",
    vaultName: "prover-prod-kv",
    keyName: "prover-prod-release-1a2b3c4d",
    properties: { kty: RELEASE_KEY_SPEC.kty, keySize: RELEASE_KEY_SPEC.keySize, keyOps: [...RELEASE_KEY_SPEC.keyOps], attributes: { enabled: true, exportable }, ...(releasePolicy ? { releasePolicy } : {}) },
  });
}
const withAllOf = (allOf: unknown[], authority: string = AUTHORITY): unknown => ({ version: "1.0.0", anyOf: [{ authority, allOf }] });
const TYPE = { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "sevsnpvm" };
const COMPLIANT = { claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" };
const found = (o: PolicyOutcome): string[] => (o.kind === "violations" ? o.violations.map((v) => v.message) : [`notApplicable: ${o.reason ?? ""}`]);
const run = async (r: OfflineResource, config: Record<string, unknown> = {}): Promise<string[]> => found(await runResourcePolicy(rule, r, { authorities: [], attestationTypes: ["sevsnpvm", "tdxvm"], complianceStatus: "azure-compliant-cvm", ...config }));

describe("azure-keyvault-key-require-attested-release", () => {
  it("the probe token agrees with Microsoft's sample guest token on our policy", () => {
    expect(evaluateReleasePolicy(OURS, compliantCvmToken(AUTHORITY, "sevsnpvm")).released).toBe(true);
    expect(evaluateReleasePolicy(OURS, sevSnpToken(AUTHORITY)).released).toBe(true);
  });

  it("passes the key the component declares, also with its authority configured", async () => {
    expect(await run(key(OURS))).toEqual([]);
    expect(await run(key(OURS), { authorities: [AUTHORITY + "/"] })).toEqual([]);
    // Microsoft's CVM sample policy (type + compliance, no debug claim) passes as well.
    expect(await run(key(withAllOf([COMPLIANT, TYPE])))).toEqual([]);
  });

  it("refuses a policy without the attestation type (any VM token would do)", async () => {
    expect(await run(key(withAllOf([COMPLIANT, { claim: "x-ms-attestation-type", equals: "azurevm" }])))).toEqual([
      'release policy releases the key to attestation type "vbs": require x-ms-isolation-tee.x-ms-attestation-type equal to sevsnpvm or tdxvm',
    ]);
    expect(await run(key(withAllOf([{ claim: "x-ms-attestation-type", equals: "azurevm" }])))).toEqual([
      "release policy releases the key to a VM token without x-ms-isolation-tee (a Trusted Launch VM, not a confidential VM): require x-ms-isolation-tee.x-ms-attestation-type",
      'release policy releases the key to attestation type "vbs": require x-ms-isolation-tee.x-ms-attestation-type equal to sevsnpvm or tdxvm',
      'release policy releases the key to compliance status "azure-vm": require x-ms-isolation-tee.x-ms-compliance-status equal to azure-compliant-cvm',
    ]);
  });

  it("refuses a policy without the compliance status", async () => {
    expect(await run(key(withAllOf([TYPE])))).toEqual(['release policy releases the key to compliance status "azure-vm": require x-ms-isolation-tee.x-ms-compliance-status equal to azure-compliant-cvm']);
  });

  it("refuses an authority other than the configured one, and a non-MAA authority", async () => {
    expect(await run(key(OURS), { authorities: ["https://prover.weu.attest.azure.net"] })).toEqual([
      `release policy releases the key to tokens from ${AUTHORITY}, which is not a configured attestation authority`,
      "release policy releases the key to no compliant confidential VM token (sevsnpvm or tdxvm, azure-compliant-cvm) from https://prover.weu.attest.azure.net",
    ]);
    expect(await run(key(withAllOf([TYPE, COMPLIANT], "https://attest.example.com")))).toEqual([
      "release policy trusts https://attest.example.com, which is not a Microsoft Azure Attestation endpoint",
      "release policy releases the key to no compliant confidential VM token (sevsnpvm or tdxvm, azure-compliant-cvm) from its authorities",
    ]);
  });

  it("refuses a missing, undecodable or invalid release policy", async () => {
    expect(await run(key(undefined))).toEqual(["exportable key has no release policy (properties.releasePolicy.data): nothing ties its release to an attested confidential VM"]);
    expect(await run(key("not-json"))).toEqual(["release policy data is not base64url-encoded JSON"]);
    expect(await run(key(withAllOf([{ claim: "x-ms-isolation-tee.x-ms-compliance-status", notEquals: "azure-vm" }])))).toEqual([
      'release policy is invalid: policy.anyOf[0].allOf[0]: operator "notEquals" is in the grammar but Key Vault allows only "equals" today',
    ]);
  });

  it("ignores keys that are not exportable", async () => {
    expect(await run(key(undefined, false))).toEqual(["notApplicable: not an exportable key"]);
    expect(await run(offline("azure-native:keyvault:Key", "plain", { properties: { kty: "RSA", attributes: { enabled: true } } }))).toEqual(["notApplicable: not an exportable key"]);
  });
});
