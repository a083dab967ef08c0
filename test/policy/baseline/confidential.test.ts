import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsEc2LaunchTemplateEnforceEnclaveInstanceType as typeRule } from "../../../policy/baseline/rules/aws-ec2-launchtemplate-enforce-enclave-instance-type";
import { gcpComputeInstanceTemplateRequireConfidentialVm as gcpRule } from "../../../policy/baseline/rules/gcp-compute-instancetemplate-require-confidential-vm";
import { azureComputeVirtualMachineScaleSetRequireConfidentialVm as azRule } from "../../../policy/baseline/rules/azure-compute-virtualmachinescaleset-require-confidential-vm";
import { awsDev, azureDev, gcpDev, NONE, pick, resource, violations, withProps } from "./dev-stacks";

describe("aws-ec2-launchtemplate-enforce-enclave-instance-type", () => {
  const lt = pick(awsDev, "aws:ec2/launchTemplate:LaunchTemplate", "prover-dev-host");

  it("passes the dev template (m6i.xlarge, enclaves on)", async () => {
    expect(await runResourcePolicy(typeRule, lt)).toEqual(NONE);
  });

  it("refuses burstable, too small and non-allowed families, and enclaves without a type", async () => {
    expect(await runResourcePolicy(typeRule, withProps(lt, { instanceType: "t3.xlarge" }))).toEqual(violations('"t3.xlarge" is burstable: burstable instances cannot run Nitro Enclaves and throttle long proofs'));
    expect(await runResourcePolicy(typeRule, withProps(lt, { instanceType: "m6i.large" }))).toEqual(violations('size "large" is too small or unknown: enclave hosts need at least 4 vCPUs (xlarge, 2xlarge, 4xlarge, ...; not large or metal)'));
    expect(await runResourcePolicy(typeRule, lt, { allowedFamilies: ["c6i", "c7i"] })).toEqual(violations('family "m6i" is not in allowedFamilies (c6i, c7i)'));
    expect(await runResourcePolicy(typeRule, withProps(lt, { instanceType: undefined }))).toEqual(violations("runs enclaves but names no instanceType (instance requirements or an override elsewhere pick the type); name an enclave-capable type"));
    // A template without enclaves is not a proof-server host.
    expect(await runResourcePolicy(typeRule, withProps(lt, { instanceType: "t3.micro", enclaveOptions: undefined }))).toEqual(NONE);
  });
});

describe("gcp-compute-instancetemplate-require-confidential-vm", () => {
  const tpl = pick(gcpDev, "gcp:compute/instanceTemplate:InstanceTemplate", "prover-dev-gcp-tpl");

  it("passes the dev template (SEV on n2d-standard-8, TERMINATE, shielded)", async () => {
    expect(await runResourcePolicy(gcpRule, tpl)).toEqual(NONE);
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { confidentialInstanceConfig: { confidentialInstanceType: "TDX" }, machineType: "c3-standard-8" }))).toEqual(NONE);
  });

  it("refuses a non-confidential VM, a mismatched family, migration and missing secure boot", async () => {
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { confidentialInstanceConfig: undefined }))).toEqual(
      violations("confidentialInstanceConfig is off: the VM's memory is not encrypted; set confidentialInstanceType (SEV, SEV_SNP or TDX)"),
    );
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { confidentialInstanceConfig: { confidentialInstanceType: "TDX" } }))).toEqual(violations("machine type n2d-standard-8 (family n2d) does not run TDX; use c3"));
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { confidentialInstanceConfig: { enableConfidentialCompute: true }, machineType: "e2-standard-8" }))).toEqual(violations("machine type e2-standard-8 (family e2) does not run SEV; use n2d, c2d"));
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { scheduling: { automaticRestart: true }, shieldedInstanceConfig: { enableVtpm: false } }))).toEqual(
      violations("scheduling.onHostMaintenance is unset (MIGRATE); Confidential VMs need TERMINATE", "shieldedInstanceConfig lacks enableSecureBoot, enableVtpm"),
    );
  });
});

describe("azure-compute-virtualmachinescaleset-require-confidential-vm", () => {
  const vmss = resource("azure-native:compute:VirtualMachineScaleSet", "prover-vmss", {
    sku: { name: "Standard_DC4as_v5", capacity: 2 },
    virtualMachineProfile: {
      securityProfile: { securityType: "ConfidentialVM", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
      storageProfile: { osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS", securityProfile: { securityEncryptionType: "DiskWithVMGuestState" } } } },
    },
  });

  it("passes a confidential scale set and refuses a Trusted Launch one", async () => {
    expect(await runResourcePolicy(azRule, vmss)).toEqual(NONE);
    const trusted = withProps(vmss, { virtualMachineProfile: { securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true } }, storageProfile: { osDisk: { managedDisk: {} } } } });
    expect(await runResourcePolicy(azRule, trusted)).toEqual(
      violations("securityProfile.securityType is TrustedLaunch; set ConfidentialVM", "securityProfile.uefiSettings lacks vTpmEnabled", "storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType is unset; set VMGuestStateOnly or DiskWithVMGuestState"),
    );
  });
});

describe("Azure dev scale set", () => {
  const vmss = pick(azureDev, "azure-native:compute:VirtualMachineScaleSet", "prover-dev-azure-vmss");

  it("is a confidential VM with confidential disk encryption, and refused as Trusted Launch", async () => {
    expect(await runResourcePolicy(azRule, vmss)).toEqual(NONE);
    const profile = vmss.props["virtualMachineProfile"] as Record<string, unknown>;
    const security = profile["securityProfile"] as Record<string, unknown>;
    expect(await runResourcePolicy(azRule, withProps(vmss, { virtualMachineProfile: { ...profile, securityProfile: { ...security, securityType: "TrustedLaunch" } } }))).toEqual(violations("securityProfile.securityType is TrustedLaunch; set ConfidentialVM"));
  });
});
