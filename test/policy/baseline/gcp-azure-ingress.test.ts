import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { gcpComputeFirewallDisallowPublicIngress as fwRule } from "../../../policy/baseline/rules/gcp-compute-firewall-disallow-public-ingress";
import { azureNetworkNetworkSecurityGroupDisallowPublicIngress as nsgRule } from "../../../policy/baseline/rules/azure-network-networksecuritygroup-disallow-public-ingress";
import { azureDev, gcpDev, NONE, ofType, pick, resource, violations, withProps } from "./dev-stacks";

const FIREWALL = "gcp:compute/firewall:Firewall";

describe("gcp-compute-firewall-disallow-public-ingress", () => {
  const lbToHosts = pick(gcpDev, FIREWALL, "prover-dev-gcp-lb-to-hosts");

  it("passes the dev firewalls (Google front ends and the prober's tag only)", async () => {
    for (const fw of ofType(gcpDev, FIREWALL)) expect(await runResourcePolicy(fwRule, fw)).toEqual(NONE);
  });

  it("refuses the proof-server port or SSH open to the internet, and an ingress rule with no source at all", async () => {
    expect(await runResourcePolicy(fwRule, withProps(lbToHosts, { sourceRanges: ["0.0.0.0/0"] }))).toEqual(violations("allow tcp: port 6300 open to 0.0.0.0/0: these rules govern the hosts themselves, which take traffic from the load balancer only"));
    const ssh = resource(FIREWALL, "ssh", { network: "default", allows: [{ protocol: "tcp", ports: ["22"] }], sourceRanges: ["0.0.0.0/0", "::/0"] });
    const admin = "allow tcp: port 22 (admin port 22) open to %s: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range";
    expect(await runResourcePolicy(fwRule, ssh)).toEqual(violations(admin.replace("%s", "0.0.0.0/0"), admin.replace("%s", "::/0")));
    const sourceless = resource(FIREWALL, "all", { network: "default", allows: [{ protocol: "all" }] });
    expect(await runResourcePolicy(fwRule, sourceless)).toEqual(violations("allow all: all ports (admin ports 22, 3389) open to 0.0.0.0/0 (no source given): use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
  });

  it("does not judge egress or disabled rules, and opens configured ports", async () => {
    const open = withProps(lbToHosts, { sourceRanges: ["0.0.0.0/0"] });
    expect(await runResourcePolicy(fwRule, withProps(open, { direction: "EGRESS" }))).toEqual(NONE);
    expect(await runResourcePolicy(fwRule, withProps(open, { disabled: true }))).toEqual(NONE);
    expect(await runResourcePolicy(fwRule, open, { publicPorts: [6300], adminPorts: [22, 3389] })).toEqual(NONE);
  });
});

describe("azure-network-networksecuritygroup-disallow-public-ingress", () => {
  const gatewaySubnet = resource("azure-native:network:NetworkSecurityGroup", "prover-agw-nsg", {
    securityRules: [
      { name: "clients", direction: "Inbound", access: "Allow", protocol: "Tcp", priority: 100, sourceAddressPrefix: "Internet", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRanges: ["80", "443"] },
      { name: "gateway-manager", direction: "Inbound", access: "Allow", protocol: "Tcp", priority: 110, sourceAddressPrefix: "GatewayManager", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "65200-65535" },
      { name: "deny-rdp", direction: "Inbound", access: "Deny", protocol: "*", priority: 120, sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "3389" },
    ],
  });

  it("passes listener ports from Internet, the gateway manager range and deny rules", async () => {
    expect(await runResourcePolicy(nsgRule, gatewaySubnet)).toEqual(NONE);
  });

  it("refuses RDP from anywhere and the proof-server port from Internet", async () => {
    const rdp = resource("azure-native:network:SecurityRule", "rdp", { name: "rdp", direction: "Inbound", access: "Allow", protocol: "Tcp", priority: 200, sourceAddressPrefix: "*", destinationPortRange: "3389", networkSecurityGroupName: "nsg", resourceGroupName: "rg" });
    expect(await runResourcePolicy(nsgRule, rdp)).toEqual(violations("rule rdp: port 3389 (admin port 3389) open to *: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
    const direct = withProps(gatewaySubnet, { securityRules: [{ name: "prover", direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefixes: ["10.0.0.0/8", "0.0.0.0/0"], destinationPortRange: "6300" }] });
    expect(await runResourcePolicy(nsgRule, direct)).toEqual(violations("securityRules[0] (prover): port 6300 open to 0.0.0.0/0: only the load balancer's listener ports (80, 443) may face the internet; hosts take traffic from the load balancer only"));
  });
});

describe("Azure dev network security groups", () => {
  it("pass (443 from Internet to the gateway only, 6300 from its subnet), and refuse SSH from Internet", async () => {
    const hosts = pick(azureDev, "azure-native:network:NetworkSecurityGroup", "prover-dev-azure-hosts-nsg");
    for (const nsg of ofType(azureDev, "azure-native:network:NetworkSecurityGroup")) expect(await runResourcePolicy(nsgRule, nsg)).toEqual(NONE);
    const rules = hosts.props["securityRules"] as Record<string, unknown>[];
    const ssh = { access: "Allow", destinationAddressPrefix: "*", destinationPortRange: "22", direction: "Inbound", name: "ssh", priority: 200, protocol: "Tcp", sourceAddressPrefix: "Internet", sourcePortRange: "*" };
    expect(await runResourcePolicy(nsgRule, withProps(hosts, { securityRules: [...rules, ssh] }))).toEqual(violations("securityRules[3] (ssh): port 22 (admin port 22) open to Internet: use a bastion-free access path (SSM Session Manager, IAP, Bastion) or a narrow source range"));
  });
});
