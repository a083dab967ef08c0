import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeFirewall as Firewall } from "../../common/resource-types";
import { arr, bool, configOf, parsePortRange, publicIngressProblem, PUBLIC_INGRESS_CONFIG, recs, str, strs } from "../../common/baseline-props";

// Why (mandatory): VPC firewall rules govern the VMs themselves (Google's HTTPS load balancers
// reach them from 35.191.0.0/16 and 130.211.0.0/22); a rule open to the internet bypasses the
// load balancer, Cloud Armor and TLS. An ingress rule without sourceRanges, sourceTags or source
// service accounts applies to 0.0.0.0/0: https://cloud.google.com/firewall/docs/firewalls#sources_for_ingress_rules

const DEFAULTS = { publicPorts: [] as readonly number[], adminPorts: [22, 3389] as readonly number[] };

export const gcpComputeFirewallDisallowPublicIngress: ResourceValidationPolicy = {
  name: "gcp-compute-firewall-disallow-public-ingress",
  description: "VPC firewall rules allow nothing from 0.0.0.0/0 or ::/0 (by default not even 443: firewalls govern the hosts, not the load balancer), and never SSH/RDP.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Allow the proof-server port from the load balancer's ranges (35.191.0.0/16, 130.211.0.0/22) or by source tag; reach VMs through IAP (35.235.240.0/20) instead of SSH from anywhere.",
  configSchema: { properties: { ...PUBLIC_INGRESS_CONFIG.properties, publicPorts: { ...PUBLIC_INGRESS_CONFIG.properties!["publicPorts"], minItems: 0, default: [], description: "Ports a firewall rule may open to 0.0.0.0/0 or ::/0 (none by default)." } } },
  validateResource: (args, report) => {
    if (!args.isType(Firewall)) return args.notApplicable("applies to gcp:compute/firewall:Firewall");
    const props = args.props;
    if ((str(props["direction"]) ?? "INGRESS") !== "INGRESS" || bool(props["disabled"]) === true) return;
    const cfg = configOf(args, DEFAULTS);
    const ranges = strs(props["sourceRanges"]);
    const sourceless = ranges.length === 0 && arr(props["sourceTags"]).length === 0 && arr(props["sourceServiceAccounts"]).length === 0;
    const world = sourceless ? ["0.0.0.0/0 (no source given)"] : ranges.filter((s) => s === "0.0.0.0/0" || s === "::/0");
    for (const source of world) {
      recs(props["allows"]).forEach((allow) => {
        const protocol = (str(allow["protocol"]) ?? "all").toLowerCase();
        if (protocol === "icmp" || protocol === "ipv6-icmp") return;
        const ports = strs(allow["ports"]);
        for (const range of ports.length === 0 || protocol === "all" ? [parsePortRange(undefined)] : ports.map(parsePortRange)) {
          const problem = publicIngressProblem(source, range, cfg);
          if (problem) report(`allow ${protocol}: ${problem}`);
        }
      });
    }
  },
};
