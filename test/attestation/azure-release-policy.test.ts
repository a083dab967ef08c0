/**
 * The fleet key's Secure Key Release policy, checked by evaluating it (src/attestation/
 * azure-release-policy-eval.ts) against MAA guest-token claims (test/helpers/azure-maa-tokens.ts),
 * never by comparing strings.
 *
 * Every negative is the compliant token of the right technology with exactly one thing changed, and
 * that token itself is released, so no negative fails for an unrelated reason; each asserts the
 * reason, so removing the matching condition from the builder makes exactly that test fail.
 */
import { describe, expect, it } from "vitest";
import {
  ATTESTATION_TYPE_CLAIM,
  COMPLIANCE_STATUS_CLAIM,
  NOT_DEBUGGABLE_CLAIM,
  SHARED_MAA_REGION_CODE,
  buildAzureReleasePolicy,
  decodeReleasePolicyData,
  encodeReleasePolicy,
  normalizeAuthority,
  releasePolicyHash,
  sharedAttestationAuthority,
  type AzureCvmTechnology,
} from "../../src/attestation/azure-release-policy";
import { evaluateReleasePolicy, type ReleaseVerdict } from "../../src/attestation/azure-release-policy-eval";
import { sevSnpToken, tdxToken, withTee, type Claims } from "../helpers/azure-maa-tokens";

const AUTH = "https://sharedweu.weu.attest.azure.net";
const OTHER_AUTH = "https://sharedeus.eus.attest.azure.net";

const verdict = (technology: AzureCvmTechnology, claims: Claims): ReleaseVerdict =>
  evaluateReleasePolicy(buildAzureReleasePolicy({ technology, authority: AUTH }), claims);

/** Refused, for this one reason. */
function refusedBecause(v: ReleaseVerdict, reason: string): void {
  expect(v).toEqual({ released: false, reasons: [`${AUTH}: ${reason}`] });
}

describe("SEV-SNP policy", () => {
  it("releases to a compliant, non-debug SEV-SNP CVM attested by the configured authority", () => {
    expect(verdict("SEV_SNP", sevSnpToken(AUTH))).toEqual({ released: true, reasons: [] });
  });

  it("does not release to a TDX CVM (x-ms-isolation-tee.x-ms-attestation-type tdxvm)", () => {
    refusedBecause(verdict("SEV_SNP", tdxToken(AUTH)), `${ATTESTATION_TYPE_CLAIM} is "tdxvm", not "sevsnpvm"`);
    // The same with only the type changed on the SEV-SNP token.
    const relabelled = withTee(sevSnpToken(AUTH), (tee) => (tee["x-ms-attestation-type"] = "tdxvm"));
    refusedBecause(verdict("SEV_SNP", relabelled), `${ATTESTATION_TYPE_CLAIM} is "tdxvm", not "sevsnpvm"`);
  });

  it("does not release to a VM MAA does not call an Azure-compliant CVM", () => {
    const azureVm = withTee(sevSnpToken(AUTH), (tee) => (tee["x-ms-compliance-status"] = "azure-vm"));
    refusedBecause(verdict("SEV_SNP", azureVm), `${COMPLIANCE_STATUS_CLAIM} is "azure-vm", not "azure-compliant-cvm"`);
    const missing = withTee(sevSnpToken(AUTH), (tee) => delete tee["x-ms-compliance-status"]);
    refusedBecause(verdict("SEV_SNP", missing), `${COMPLIANCE_STATUS_CLAIM} is absent`);
  });

  it("does not release to a debuggable SEV-SNP guest, nor to one whose token does not say", () => {
    const debug = withTee(sevSnpToken(AUTH), (tee) => (tee["x-ms-sevsnpvm-is-debuggable"] = true));
    refusedBecause(verdict("SEV_SNP", debug), `${NOT_DEBUGGABLE_CLAIM.SEV_SNP} is true, not false`);
    const silent = withTee(sevSnpToken(AUTH), (tee) => delete tee["x-ms-sevsnpvm-is-debuggable"]);
    refusedBecause(verdict("SEV_SNP", silent), `${NOT_DEBUGGABLE_CLAIM.SEV_SNP} is absent`);
  });

  it("does not release to a token from another authority, even a shared MAA provider", () => {
    expect(verdict("SEV_SNP", sevSnpToken(OTHER_AUTH))).toEqual({ released: false, reasons: [`${AUTH}: the token was issued by "${OTHER_AUTH}"`] });
  });

  it("does not release to a Trusted Launch VM's token (no x-ms-isolation-tee at all)", () => {
    const trustedLaunch = sevSnpToken(AUTH);
    delete trustedLaunch["x-ms-isolation-tee"];
    refusedBecause(verdict("SEV_SNP", trustedLaunch), `${ATTESTATION_TYPE_CLAIM} is absent`);
  });

  it("ignores the top-level x-ms-attestation-type: a platform (HCL) token with sevsnpvm at the top does not pass", () => {
    // Microsoft's CVM disk-key policy tests the top-level claims; the guest token nests them.
    const platformShaped = sevSnpToken(AUTH);
    delete platformShaped["x-ms-isolation-tee"];
    Object.assign(platformShaped, { "x-ms-attestation-type": "sevsnpvm", "x-ms-compliance-status": "azure-compliant-cvm", "x-ms-sevsnpvm-is-debuggable": false });
    expect(verdict("SEV_SNP", platformShaped).released).toBe(false);
  });
});

describe("TDX policy", () => {
  it("releases to a compliant, non-debug TDX CVM attested by the configured authority", () => {
    expect(verdict("TDX", tdxToken(AUTH))).toEqual({ released: true, reasons: [] });
  });

  it("does not release to an SEV-SNP CVM", () => {
    refusedBecause(verdict("TDX", sevSnpToken(AUTH)), `${ATTESTATION_TYPE_CLAIM} is "sevsnpvm", not "tdxvm"`);
  });

  it("does not release to a non-compliant TDX VM", () => {
    const azureVm = withTee(tdxToken(AUTH), (tee) => (tee["x-ms-compliance-status"] = "azure-vm"));
    refusedBecause(verdict("TDX", azureVm), `${COMPLIANCE_STATUS_CLAIM} is "azure-vm", not "azure-compliant-cvm"`);
  });

  it("does not release to a TD in debug mode, nor when the token does not carry the debug bit (fail closed)", () => {
    const debug = withTee(tdxToken(AUTH), (tee) => (tee["tdx_td_attributes_debug"] = true));
    refusedBecause(verdict("TDX", debug), `${NOT_DEBUGGABLE_CLAIM.TDX} is true, not false`);
    const silent = withTee(tdxToken(AUTH), (tee) => delete tee["tdx_td_attributes_debug"]);
    refusedBecause(verdict("TDX", silent), `${NOT_DEBUGGABLE_CLAIM.TDX} is absent`);
  });

  it("does not release to a token from another authority", () => {
    expect(verdict("TDX", tdxToken(OTHER_AUTH)).released).toBe(false);
  });
});

describe("authority", () => {
  it("is written as the token's iss: lower case, no trailing slash", () => {
    const policy = buildAzureReleasePolicy({ technology: "SEV_SNP", authority: "https://SharedWEU.weu.attest.azure.net/" });
    expect(policy.anyOf.map((a) => a.authority)).toEqual([AUTH]);
    expect(evaluateReleasePolicy(policy, sevSnpToken(AUTH)).released).toBe(true);
  });

  it("refuses anything but an https MAA endpoint", () => {
    for (const bad of ["http://sharedweu.weu.attest.azure.net", "https://attest.example.com", "https://sharedweu.weu.attest.azure.net.evil.io", "sharedweu.weu.attest.azure.net"]) {
      expect(() => normalizeAuthority(bad), bad).toThrow(/^attestationAuthority: /);
    }
  });

  it("defaults per region to the shared provider, and refuses a region it has no endpoint for", () => {
    expect(sharedAttestationAuthority("westeurope")).toBe(AUTH);
    expect(sharedAttestationAuthority("East US 2")).toBe("https://sharedeus2.eus2.attest.azure.net");
    for (const region of Object.keys(SHARED_MAA_REGION_CODE)) expect(() => normalizeAuthority(sharedAttestationAuthority(region))).not.toThrow();
    expect(() => sharedAttestationAuthority("atlantis")).toThrow(/^attestationAuthority: no shared Microsoft Azure Attestation provider is known for region "atlantis"/);
  });
});

describe("encoding for Key Vault", () => {
  it("is { contentType: application/json; charset=utf-8, data: base64url(JSON) } and decodes to the same policy", () => {
    const policy = buildAzureReleasePolicy({ technology: "SEV_SNP", authority: AUTH });
    const encoded = encodeReleasePolicy(policy);
    expect(encoded.contentType).toBe("application/json; charset=utf-8");
    expect(encoded.data).toMatch(/^[A-Za-z0-9_-]+$/); // base64url: no +, /, or = padding
    const decoded = decodeReleasePolicyData(encoded.data);
    expect(decoded).toEqual(policy);
    expect(evaluateReleasePolicy(decoded, sevSnpToken(AUTH)).released).toBe(true);
  });

  it("has a hash that changes with every pin (technology, authority) and only with them", () => {
    const h = (technology: AzureCvmTechnology, authority: string) => releasePolicyHash(buildAzureReleasePolicy({ technology, authority }));
    expect(h("SEV_SNP", AUTH)).toMatch(/^[0-9a-f]{8}$/);
    expect(h("SEV_SNP", AUTH)).toBe(h("SEV_SNP", `${AUTH}/`));
    expect(new Set([h("SEV_SNP", AUTH), h("TDX", AUTH), h("SEV_SNP", OTHER_AUTH)]).size).toBe(3);
  });
});
