import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureComputeVirtualMachine as VirtualMachine, AzureComputeVirtualMachineScaleSet as VirtualMachineScaleSet } from "../../common/resource-types";
import { azureVmProfile } from "../../common/baseline-hosts";
import { forTypes, rec, recs, str, type Props } from "../../common/baseline-props";
import type { ReportViolation } from "@pulumi/policy";

// Why (mandatory): a publicIPAddressConfiguration gives every instance a public IP, reachable
// around the Application Gateway's WAF and TLS
// (https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-networking#public-ipv4-per-virtual-machine).

function check(props: Props, report: ReportViolation): void {
  const nics = recs(rec(azureVmProfile(props)["networkProfile"])?.["networkInterfaceConfigurations"]);
  for (const nic of nics) {
    for (const ip of recs(nic["ipConfigurations"])) {
      if (rec(ip["publicIPAddressConfiguration"]) !== undefined) report(`NIC ${str(nic["name"]) ?? "(unnamed)"} ip configuration ${str(ip["name"]) ?? "(unnamed)"} has a publicIPAddressConfiguration: every instance gets a public IP`);
    }
  }
}

export const azureComputeVirtualMachineScaleSetDisallowPublicIp: ResourceValidationPolicy = {
  name: "azure-compute-virtualmachinescaleset-disallow-public-ip",
  description: "Scale sets and VMs give their NICs no public IP address configuration.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove publicIPAddressConfiguration from the NIC ip configurations; reach the internet through a NAT gateway on the subnet.",
  validateResource: forTypes([
    [VirtualMachineScaleSet, (props, _args, report) => check(props, report)],
    [VirtualMachine, (props, _args, report) => check(props, report)],
  ]),
};
