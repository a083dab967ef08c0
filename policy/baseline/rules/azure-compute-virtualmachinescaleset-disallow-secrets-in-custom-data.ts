import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { AzureComputeVirtualMachine as VirtualMachine, AzureComputeVirtualMachineScaleSet as VirtualMachineScaleSet } from "../../common/resource-types";
import { azureVmProfile } from "../../common/baseline-hosts";
import { decodeUserData, secretsIn } from "../../common/baseline-secrets";
import { forTypes, rec, str, type Props } from "../../common/baseline-props";

// Why (mandatory): user data is readable through the VM's instance metadata service and by
// anyone who can read the VM model; custom data lands in Pulumi state and on disk
// (https://learn.microsoft.com/azure/virtual-machines/user-data advises against confidential data);
// secrets belong in Key Vault behind the attested release policy.

function check(props: Props, report: ReportViolation): void {
  const profile = azureVmProfile(props);
  for (const [label, value] of [["customData", str(rec(profile["osProfile"])?.["customData"])], ["userData", str(profile["userData"])]] as const) {
    if (value === undefined) continue;
    for (const why of secretsIn(decodeUserData(value, true))) report(`${label} holds ${why}; release secrets from Key Vault to the attested VM instead`);
  }
}

export const azureComputeVirtualMachineScaleSetDisallowSecretsInCustomData: ResourceValidationPolicy = {
  name: "azure-compute-virtualmachinescaleset-disallow-secrets-in-custom-data",
  description: "Scale set and VM custom data and user data (decoded from base64 and gzip) hold no secrets.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove the secret from customData/userData; keep it in Key Vault with a release policy and fetch it after attestation.",
  validateResource: forTypes([
    [VirtualMachineScaleSet, (props, _args, report) => check(props, report)],
    [VirtualMachine, (props, _args, report) => check(props, report)],
  ]),
};
