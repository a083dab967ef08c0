import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeInstance as Instance, GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate } from "../../common/resource-types";
import { arr, forTypes, recs, type Props } from "../../common/baseline-props";
import type { ReportViolation } from "@pulumi/policy";

// Why (mandatory): an access config gives the VM an external IP, reachable around the load
// balancer and Cloud Armor; hosts reach the internet through Cloud NAT
// (https://cloud.google.com/compute/docs/ip-addresses#externaladdresses).

function check(props: Props, report: ReportViolation): void {
  recs(props["networkInterfaces"]).forEach((nic, i) => {
    if (arr(nic["accessConfigs"]).length > 0) report(`networkInterfaces[${i}] has accessConfigs: the VM gets an external IPv4 address`);
    if (arr(nic["ipv6AccessConfigs"]).length > 0) report(`networkInterfaces[${i}] has ipv6AccessConfigs: the VM gets an external IPv6 address`);
  });
}

export const gcpComputeInstanceTemplateDisallowPublicIp: ResourceValidationPolicy = {
  name: "gcp-compute-instancetemplate-disallow-public-ip",
  description: "Instance templates and instances have no external IP (no accessConfigs or ipv6AccessConfigs on their network interfaces).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove accessConfigs / ipv6AccessConfigs from networkInterfaces; give the subnet a Cloud NAT for egress.",
  validateResource: forTypes([
    [InstanceTemplate, (props, _args, report) => check(props, report)],
    [RegionInstanceTemplate, (props, _args, report) => check(props, report)],
    [Instance, (props, _args, report) => check(props, report)],
  ]),
};
