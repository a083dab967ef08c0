import type { PolicyResource } from "@pulumi/policy";
import { AwsEc2Instance as Ec2Instance, AwsEc2LaunchTemplate as LaunchTemplate, GcpComputeInstance as GceInstance, GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate, AzureComputeVirtualMachine as VirtualMachine, AzureComputeVirtualMachineScaleSet as VirtualMachineScaleSet } from "./resource-types";
import { bool, rec, recs, str, type Props } from "./baseline-props";

// What a proof-server host looks like by its properties alone, so the pack judges any program:
// an EC2 launch template or instance with Nitro Enclaves on, a GCE template or instance that is a
// Confidential VM (or boots the Confidential Space image), an Azure VM or scale set whose security
// type is ConfidentialVM.

export function awsEnclaveHost(props: Props): boolean {
  return bool(rec(props["enclaveOptions"])?.["enabled"]) === true;
}

export function gcpConfidentialHost(props: Props): boolean {
  const cc = rec(props["confidentialInstanceConfig"]);
  if (bool(cc?.["enableConfidentialCompute"]) === true || str(cc?.["confidentialInstanceType"]) !== undefined) return true;
  const images = [...recs(props["disks"]).map((d) => str(d["sourceImage"])), str(rec(rec(props["bootDisk"])?.["initializeParams"])?.["image"])];
  return images.some((i) => i?.includes("confidential-space-images") === true);
}

/** The VM profile of a scale set (`virtualMachineProfile`) or the VM itself. */
export function azureVmProfile(props: Props): Props {
  return rec(props["virtualMachineProfile"]) ?? props;
}

export function azureConfidentialHost(props: Props): boolean {
  return str(rec(azureVmProfile(props)["securityProfile"])?.["securityType"])?.toLowerCase() === "confidentialvm";
}

export function proofServerHosts(resources: readonly PolicyResource[], cloud: "aws" | "gcp" | "azure"): PolicyResource[] {
  return resources.filter((r) => {
    const props = r.props as Props;
    if (cloud === "aws") return (r.isType(LaunchTemplate) || r.isType(Ec2Instance)) && awsEnclaveHost(props);
    if (cloud === "gcp") return (r.isType(InstanceTemplate) || r.isType(RegionInstanceTemplate) || r.isType(GceInstance)) && gcpConfidentialHost(props);
    return (r.isType(VirtualMachineScaleSet) || r.isType(VirtualMachine)) && azureConfidentialHost(props);
  });
}
