import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2SecurityGroup as SecurityGroup, AwsEc2SecurityGroupRule as SecurityGroupRule, AwsVpcSecurityGroupIngressRule as SecurityGroupIngressRule } from "../../common/resource-types";
import { configOf, forTypes, num, parsePortRange, publicIngressProblem, PUBLIC_INGRESS_CONFIG, PUBLIC_INGRESS_DEFAULTS, recs, str, strs, type PortRange, type Props } from "../../common/baseline-props";

// Why (mandatory): SSH/RDP or the proof server's port open to the internet bypasses the load
// balancer, its WAF and rate limit; our hosts take traffic from the load balancer only.

/** "-1"/"all" means every protocol and port; ICMP's "ports" are ICMP types, not judged here. */
function range(protocol: unknown, from: unknown, to: unknown): PortRange | undefined {
  const p = String(protocol ?? "").toLowerCase();
  if (p === "-1" || p === "all") return { from: 0, to: 65535 };
  if (p === "icmp" || p === "1" || p === "icmpv6" || p === "58") return undefined;
  const f = num(from);
  const t = num(to);
  if (f === undefined || t === undefined) return parsePortRange(undefined);
  return { from: f, to: t };
}

function check(sources: readonly string[], r: PortRange | undefined, cfg: typeof PUBLIC_INGRESS_DEFAULTS, report: (m: string) => void, where: string): void {
  if (!r) return;
  for (const source of sources.filter((s) => s === "0.0.0.0/0" || s === "::/0")) {
    const problem = publicIngressProblem(source, r, cfg);
    if (problem) report(`${where}: ${problem}`);
  }
}

export const awsEc2SecurityGroupDisallowPublicIngress: ResourceValidationPolicy = {
  name: "aws-ec2-securitygroup-disallow-public-ingress",
  description: "Security groups open no admin port (22, 3389) and nothing but the load balancer's listener ports to 0.0.0.0/0 or ::/0.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Narrow the rule's source to the load balancer's security group (referencedSecurityGroupId / sourceSecurityGroupId) or a known CIDR; reach hosts through SSM Session Manager instead of SSH/RDP.",
  configSchema: PUBLIC_INGRESS_CONFIG,
  validateResource: forTypes([
    [
      SecurityGroup,
      (props: Props, args, report) => {
        const cfg = configOf(args, PUBLIC_INGRESS_DEFAULTS);
        recs(props["ingress"]).forEach((rule, i) => check([...strs(rule["cidrBlocks"]), ...strs(rule["ipv6CidrBlocks"])], range(rule["protocol"], rule["fromPort"], rule["toPort"]), cfg, report, `ingress[${i}]`));
      },
    ],
    [
      SecurityGroupIngressRule,
      (props: Props, args, report) => {
        const cfg = configOf(args, PUBLIC_INGRESS_DEFAULTS);
        const sources = [str(props["cidrIpv4"]), str(props["cidrIpv6"])].filter((s): s is string => s !== undefined);
        check(sources, range(props["ipProtocol"], props["fromPort"], props["toPort"]), cfg, report, "ingress rule");
      },
    ],
    [
      SecurityGroupRule,
      (props: Props, args, report) => {
        if (props["type"] !== "ingress") return;
        const cfg = configOf(args, PUBLIC_INGRESS_DEFAULTS);
        check([...strs(props["cidrBlocks"]), ...strs(props["ipv6CidrBlocks"])], range(props["protocol"], props["fromPort"], props["toPort"]), cfg, report, "ingress rule");
      },
    ],
  ]),
};
