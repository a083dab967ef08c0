import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkNetworkSecurityGroup as NetworkSecurityGroup, AzureNetworkSecurityRule as SecurityRule } from "../../common/resource-types";
import { configOf, forTypes, isWorld, parsePortRange, publicIngressProblem, PUBLIC_INGRESS_CONFIG, PUBLIC_INGRESS_DEFAULTS, str, strs, recs, type Props } from "../../common/baseline-props";

// Why (mandatory): an inbound Allow from Internet/*/0.0.0.0/0 to SSH, RDP or the proof server's
// port bypasses the Application Gateway's WAF and TLS; the gateway's own subnet may open its
// listener ports (80, 443) only.

function check(rule: Props, where: string, cfg: typeof PUBLIC_INGRESS_DEFAULTS, report: (m: string) => void): void {
  if ((str(rule["direction"]) ?? "").toLowerCase() !== "inbound" || (str(rule["access"]) ?? "").toLowerCase() !== "allow") return;
  const protocol = (str(rule["protocol"]) ?? "*").toLowerCase();
  if (protocol === "icmp") return;
  const sources = [str(rule["sourceAddressPrefix"]), ...strs(rule["sourceAddressPrefixes"])].filter((s): s is string => s !== undefined && isWorld(s));
  const ranges = [str(rule["destinationPortRange"]), ...strs(rule["destinationPortRanges"])].filter((s): s is string => s !== undefined);
  for (const source of sources) {
    for (const range of (ranges.length === 0 ? ["*"] : ranges).map(parsePortRange)) {
      const problem = publicIngressProblem(source, range, cfg);
      if (problem) report(`${where}: ${problem}`);
    }
  }
}

export const azureNetworkNetworkSecurityGroupDisallowPublicIngress: ResourceValidationPolicy = {
  name: "azure-network-networksecuritygroup-disallow-public-ingress",
  description: "Network security groups allow no inbound traffic from Internet, *, 0.0.0.0/0 or ::/0 except to the gateway's listener ports, and never to SSH/RDP.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Restrict the rule's source to the Application Gateway / Load Balancer subnet or the AzureLoadBalancer service tag; reach VMs through Azure Bastion or Run Command instead of SSH/RDP from the internet.",
  configSchema: PUBLIC_INGRESS_CONFIG,
  validateResource: forTypes([
    [NetworkSecurityGroup, (props, args, report) => recs(props["securityRules"]).forEach((rule, i) => check(rule, `securityRules[${i}] (${str(rule["name"]) ?? "unnamed"})`, configOf(args, PUBLIC_INGRESS_DEFAULTS), report))],
    [SecurityRule, (props, args, report) => check(props, `rule ${str(props["name"]) ?? str(props["securityRuleName"]) ?? args.name}`, configOf(args, PUBLIC_INGRESS_DEFAULTS), report)],
  ]),
};
