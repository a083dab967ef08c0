import { AzureKeyvaultKey as Key } from "../../common/resource-types";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { ReleasePolicySyntaxError, evaluateReleasePolicy } from "../../../src/attestation/azure-release-policy-eval";
import { MAA_AUTHORITY } from "../../../src/attestation/azure-release-policy";
import { compliantCvmToken } from "../../common/attestation-azure";

// Why: an exportable key leaves the HSM for whoever satisfies its release policy; only a token
// from the configured attestation authority saying "Azure-compliant confidential VM of this type"
// may satisfy it (https://learn.microsoft.com/azure/key-vault/keys/policy-grammar,
// https://learn.microsoft.com/azure/confidential-computing/concept-skr-attestation).
export const azureKeyvaultKeyRequireAttestedRelease: ResourceValidationPolicy = {
  name: "azure-keyvault-key-require-attested-release",
  description: "An exportable Key Vault key carries a release policy that, evaluated against MAA tokens, releases it only to an Azure-compliant confidential VM (attestation type and compliance status under x-ms-isolation-tee) attested by a configured authority.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Give the key a release policy {"version":"1.0.0","anyOf":[{"authority":"<your MAA endpoint>","allOf":[{"claim":"x-ms-isolation-tee.x-ms-attestation-type","equals":"sevsnpvm"},{"claim":"x-ms-isolation-tee.x-ms-compliance-status","equals":"azure-compliant-cvm"}]}]} (base64url in properties.releasePolicy.data), and list the authority in `authorities`.',
  configSchema: {
    properties: {
      authorities: { type: "array", items: { type: "string", pattern: "^https://" }, description: "MAA endpoints whose tokens may release keys (no trailing slash). Empty: every Microsoft Azure Attestation endpoint is accepted.", default: [] },
      attestationTypes: { type: "array", items: { type: "string" }, description: "Accepted x-ms-isolation-tee.x-ms-attestation-type values.", default: ["sevsnpvm", "tdxvm"] },
      complianceStatus: { type: "string", description: "Required x-ms-isolation-tee.x-ms-compliance-status.", default: "azure-compliant-cvm" },
    },
  },
  validateResource: validateResourceOfType(Key, (key, args, report) => {
    const exportable: unknown = key.properties?.attributes?.exportable;
    if (exportable !== true && exportable !== "true") args.notApplicable("not an exportable key");
    const config = args.getConfig<{ authorities?: string[]; attestationTypes?: string[]; complianceStatus?: string }>();
    const configured = (config.authorities ?? []).map(trim);
    const types = config.attestationTypes ?? ["sevsnpvm", "tdxvm"];
    const compliance = config.complianceStatus ?? "azure-compliant-cvm";

    const data = key.properties?.releasePolicy?.data;
    if (typeof data !== "string" || data === "") {
      report("exportable key has no release policy (properties.releasePolicy.data): nothing ties its release to an attested confidential VM");
      return;
    }
    let policy: unknown;
    try {
      policy = JSON.parse(Buffer.from(data, "base64url").toString("utf8"));
    } catch {
      report("release policy data is not base64url-encoded JSON");
      return;
    }
    const authorities = Array.isArray((policy as { anyOf?: unknown }).anyOf) ? ((policy as { anyOf: unknown[] }).anyOf.map((a) => (a as { authority?: unknown }).authority).filter((a): a is string => typeof a === "string")) : [];
    const releases = (claims: Record<string, unknown>): boolean => evaluateReleasePolicy(policy, claims).released;
    try {
      releases(compliantCvmToken("https://probe.eus.attest.azure.net", types[0] ?? "sevsnpvm"));
    } catch (e) {
      if (!(e instanceof ReleasePolicySyntaxError)) throw e;
      report(`release policy is invalid: ${e.message}`);
      return;
    }

    const trusted: string[] = [];
    for (const authority of authorities) {
      const a = trim(authority);
      const opens = types.some((t) => releases(compliantCvmToken(a, t, compliance)));
      if (configured.length > 0 ? !configured.includes(a) : !MAA_AUTHORITY.test(a)) {
        if (opens) report(configured.length > 0 ? `release policy releases the key to tokens from ${a}, which is not a configured attestation authority` : `release policy trusts ${a}, which is not a Microsoft Azure Attestation endpoint`);
        continue;
      }
      trusted.push(a);
    }
    const base = trusted.flatMap((a) => types.map((t) => compliantCvmToken(a, t, compliance))).find(releases);
    if (base === undefined) {
      report(`release policy releases the key to no compliant confidential VM token (${types.join(" or ")}, ${compliance}) from ${configured.length > 0 ? configured.join(", ") : "its authorities"}`);
      return;
    }
    const probe = (edit: (tee: Record<string, unknown>, token: Record<string, unknown>) => void): boolean => {
      const token = structuredClone(base);
      edit(token["x-ms-isolation-tee"] as Record<string, unknown>, token);
      return releases(token);
    };
    if (probe((_tee, token) => delete token["x-ms-isolation-tee"])) report("release policy releases the key to a VM token without x-ms-isolation-tee (a Trusted Launch VM, not a confidential VM): require x-ms-isolation-tee.x-ms-attestation-type");
    if (probe((tee) => (tee["x-ms-attestation-type"] = "vbs"))) report(`release policy releases the key to attestation type "vbs": require x-ms-isolation-tee.x-ms-attestation-type equal to ${types.join(" or ")}`);
    if (probe((tee) => (tee["x-ms-compliance-status"] = "azure-vm"))) report(`release policy releases the key to compliance status "azure-vm": require x-ms-isolation-tee.x-ms-compliance-status equal to ${compliance}`);
  }),
};

const trim = (s: string): string => s.trim().replace(/\/+$/, "").toLowerCase();
