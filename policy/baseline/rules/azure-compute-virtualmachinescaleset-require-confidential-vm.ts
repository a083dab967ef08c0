import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { AzureComputeVirtualMachine as VirtualMachine, AzureComputeVirtualMachineScaleSet as VirtualMachineScaleSet } from "../../common/resource-types";
import { azureVmProfile } from "../../common/baseline-hosts";
import { bool, forTypes, rec, str, type Props } from "../../common/baseline-props";

// Why (mandatory): a proof-server VM must be a Confidential VM (memory encrypted by the CPU),
// boot with secure boot and a vTPM (the attestation measures them), and encrypt its OS disk and
// VM guest state with the confidential key (securityEncryptionType)
// (https://learn.microsoft.com/azure/confidential-computing/confidential-vm-overview).

const ENCRYPTION_TYPES = ["VMGuestStateOnly", "DiskWithVMGuestState"];

function check(props: Props, report: ReportViolation): void {
  const profile = azureVmProfile(props);
  const security = rec(profile["securityProfile"]);
  const type = str(security?.["securityType"]);
  if (type !== "ConfidentialVM") report(`securityProfile.securityType is ${type ?? "unset"}; set ConfidentialVM`);
  const uefi = rec(security?.["uefiSettings"]);
  const missing = [bool(uefi?.["secureBootEnabled"]) !== true ? "secureBootEnabled" : undefined, bool(uefi?.["vTpmEnabled"]) !== true ? "vTpmEnabled" : undefined].filter((m): m is string => m !== undefined);
  if (missing.length > 0) report(`securityProfile.uefiSettings lacks ${missing.join(", ")}`);
  const encryption = str(rec(rec(rec(rec(profile["storageProfile"])?.["osDisk"])?.["managedDisk"])?.["securityProfile"])?.["securityEncryptionType"]);
  if (encryption === undefined || !ENCRYPTION_TYPES.includes(encryption)) report(`storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType is ${encryption ?? "unset"}; set VMGuestStateOnly or DiskWithVMGuestState`);
}

export const azureComputeVirtualMachineScaleSetRequireConfidentialVm: ResourceValidationPolicy = {
  name: "azure-compute-virtualmachinescaleset-require-confidential-vm",
  description: "Scale sets and VMs are Confidential VMs with secure boot and vTPM, and their OS disk uses confidential encryption (VMGuestStateOnly or DiskWithVMGuestState).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Set securityProfile { securityType: ConfidentialVM, uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } and storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType (DiskWithVMGuestState or VMGuestStateOnly) on a DCasv5/ECasv5-class size.",
  validateResource: forTypes([
    [VirtualMachineScaleSet, (props, _args, report) => check(props, report)],
    [VirtualMachine, (props, _args, report) => check(props, report)],
  ]),
};
