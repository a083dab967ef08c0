/**
 * Probe tokens for Azure Secure Key Release policies: the claims of an MAA guest attestation
 * token of a confidential VM (`x-ms-isolation-tee` carrying the hardware verdict, as in Microsoft's
 * sample in Azure/confidential-computing-cvm-guest-attestation; full samples in
 * test/helpers/azure-maa-tokens.ts), reduced to what release policies read, plus the RSA key Key
 * Vault wraps the released key to.
 */
export const RUNTIME_KEYS = { keys: [{ kty: "RSA", e: "AQAB", key_ops: ["encrypt"], kid: "TpmEphemeralEncryptionKey", n: "probe" }] };

/** A compliant, non-debug confidential VM's token of this attestation type, issued by `iss`. */
export function compliantCvmToken(iss: string, attestationType: string, complianceStatus = "azure-compliant-cvm"): Record<string, unknown> {
  return {
    iss,
    "x-ms-ver": "1.0",
    "x-ms-attestation-type": "azurevm",
    secureboot: true,
    "x-ms-isolation-tee": {
      "x-ms-attestation-type": attestationType,
      "x-ms-compliance-status": complianceStatus,
      "x-ms-sevsnpvm-is-debuggable": false,
      tdx_td_attributes_debug: false,
      "x-ms-runtime": RUNTIME_KEYS,
    },
    "x-ms-runtime": RUNTIME_KEYS,
  };
}
