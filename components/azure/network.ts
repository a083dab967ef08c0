import * as pulumi from "@pulumi/pulumi";
import { NatGateway } from "@pulumi/azure-native/network/natGateway";
import { NetworkSecurityGroup } from "@pulumi/azure-native/network/networkSecurityGroup";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { Subnet } from "@pulumi/azure-native/network/subnet";
import { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { subnetCidr } from "../../src/cidr";
import type { AzureNetworkSettings } from "../../src/config/types";
import type { IngressSettings } from "../../src/ingress/model";

// Sources of every rule and limit here: docs/azure-facts.md.

/** Azure's health probe and load balancer source (service tag AzureLoadBalancer, 168.63.129.16). */
export const AZURE_LB_SERVICE_TAG = "AzureLoadBalancer";
/** Application Gateway v2 infrastructure ports, admitted from the GatewayManager service tag. */
export const APP_GATEWAY_MANAGER_PORTS = "65200-65535";
/** The last rule before Azure's defaults: refuses what no rule above admitted (AllowVnetInBound included). */
export const DENY_ALL_PRIORITY = 4096;

/** One NSG rule as the provider takes it. */
export type NsgRule = azureInputs.network.SecurityRuleArgs;

export interface AzureFleetNetworkInputs {
  readonly settings: AzureNetworkSettings;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  readonly ingress: IngressSettings;
  readonly port: number;
  readonly zones: readonly string[];
  /** Private ranges admitted to SSH (azure.ssh), if any. */
  readonly sshSourceCidrs?: readonly string[];
  /** Quarantine (passthrough): the hosts' NSG stops admitting clients; probes still reach 6300. */
  readonly quarantined?: boolean;
  readonly tags: Record<string, string>;
}

export interface AzureFleetNetwork {
  readonly hostsSubnetId: pulumi.Output<string>;
  /** terminate mode: the Application Gateway's dedicated subnet. */
  readonly appGatewaySubnetId?: pulumi.Output<string>;
  readonly hostsNsg: NetworkSecurityGroup;
  readonly appGatewayNsg?: NetworkSecurityGroup;
  readonly natGateway?: NatGateway;
}

/** Client sources as NSG prefixes: the Internet service tag for "anywhere", else the CIDRs. */
function clientSources(cidrs: readonly string[]): Pick<NsgRule, "sourceAddressPrefix" | "sourceAddressPrefixes"> {
  return cidrs.includes("0.0.0.0/0") ? { sourceAddressPrefix: "Internet" } : { sourceAddressPrefixes: [...cidrs] };
}

/**
 * The hosts' rules: 6300 only from the clients through the load balancer (passthrough: the Standard
 * LB keeps client addresses, and the hosts have no public address, so the LB is the only way in) or
 * from the gateway's subnet (terminate); the platform's probes; SSH only from the private ranges
 * given; everything else refused before Azure's default AllowVnetInBound.
 */
export function hostsSecurityRules(ingress: IngressSettings, port: number, appGatewayCidr: string | undefined, sshSourceCidrs: readonly string[] | undefined, quarantined = false): NsgRule[] {
  // Quarantined in passthrough, the clients' rule goes and only the probes' rule admits 6300: the
  // load balancer keeps its rule and with it the probe that rule uses
  // (https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview), and the
  // NSG is updated in place. Connections already open are not cut: "existing connections may not
  // be interrupted when you remove a security rule that enabled the flow"
  // (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview).
  // (terminate: the WAF refuses clients; the gateway's own probes and requests need this rule.)
  const clientsClosed = quarantined && ingress.mode === "passthrough";
  const rules: NsgRule[] = clientsClosed ? [] : [
    {
      name: "proof-server-from-ingress",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      ...(ingress.mode === "terminate" ? { sourceAddressPrefix: appGatewayCidr ?? "VirtualNetwork" } : clientSources(ingress.allowedClientCidrs)),
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: String(port),
      description: ingress.mode === "terminate" ? "The Application Gateway's subnet to the proof server" : "Clients through the Standard Load Balancer to the proof server (TLS ends in the VM)",
    },
  ];
  rules.push(
    {
      name: "proof-server-probes",
      priority: 110,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: AZURE_LB_SERVICE_TAG,
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: String(port),
      description: "Azure's load balancer health probes (168.63.129.16)",
    },
  );
  if (sshSourceCidrs && sshSourceCidrs.length > 0) {
    rules.push({
      name: "ssh-from-private-ranges",
      priority: 120,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefixes: [...sshSourceCidrs],
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "22",
      description: "Break-glass SSH from private ranges only; never from the internet",
    });
  }
  rules.push({
    name: "deny-all-inbound",
    priority: DENY_ALL_PRIORITY,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "*",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
    description: "Nothing else reaches the confidential VMs",
  });
  return rules;
}

/** The gateway subnet's rules: GatewayManager's infrastructure ports, Azure's probes, the clients on the listener ports. */
export function appGatewaySecurityRules(ingress: IngressSettings): NsgRule[] {
  const ports = ingress.httpRedirect ? [String(ingress.listenerPort), "80"] : [String(ingress.listenerPort)];
  return [
    { name: "gateway-manager", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefix: "GatewayManager", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: APP_GATEWAY_MANAGER_PORTS, description: "Application Gateway v2 infrastructure (required)" },
    { name: "azure-load-balancer", priority: 110, direction: "Inbound", access: "Allow", protocol: "*", sourceAddressPrefix: AZURE_LB_SERVICE_TAG, sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*", description: "Azure's load balancer (required)" },
    { name: "clients", priority: 120, direction: "Inbound", access: "Allow", protocol: "Tcp", ...clientSources(ingress.allowedClientCidrs), sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRanges: ports, description: "Clients to the listener" },
    { name: "deny-all-inbound", priority: DENY_ALL_PRIORITY, direction: "Inbound", access: "Deny", protocol: "*", sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*", description: "Nothing else reaches the gateway's subnet" },
  ];
}

/**
 * The virtual network (or the given subnets), the NSGs, and a NAT gateway: confidential VMs in a
 * flexible scale set have no default outbound access, and the hosts pull the image and the proving
 * parameters.
 */
export function azureFleetNetwork(name: string, inputs: AzureFleetNetworkInputs, parent: pulumi.Resource): AzureFleetNetwork {
  const opts = { parent };
  const { settings, resourceGroupName, location, tags } = inputs;
  const terminate = inputs.ingress.mode === "terminate";
  const appGatewayCidr = settings.mode === "create" ? subnetCidr(settings.addressSpace, 24, 1) : settings.appGatewaySubnetCidr;
  const hostsNsg = new NetworkSecurityGroup(`${name}-hosts-nsg`, {
    resourceGroupName,
    location,
    securityRules: hostsSecurityRules(inputs.ingress, inputs.port, appGatewayCidr, inputs.sshSourceCidrs, inputs.quarantined === true),
    tags,
  }, opts);
  // An existing gateway subnet keeps its owner's NSG (it needs the rules of appGatewaySecurityRules;
  // docs/azure-facts.md): a subnet's NSG cannot be partly managed from here.
  const appGatewayNsg = terminate && settings.mode === "create"
    ? new NetworkSecurityGroup(`${name}-agw-nsg`, { resourceGroupName, location, securityRules: appGatewaySecurityRules(inputs.ingress), tags }, opts)
    : undefined;
  let natGateway: NatGateway | undefined;
  if (settings.mode === "create" || settings.natGateway) {
    // Standard NAT gateways are zonal; "no zone" (gateway and address) lets Azure pick the zone
    // (docs/azure-facts.md, outbound).
    const ip = new PublicIPAddress(`${name}-nat-ip`, {
      resourceGroupName,
      location,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      tags,
    }, opts);
    natGateway = new NatGateway(`${name}-nat`, {
      resourceGroupName,
      location,
      sku: { name: "Standard" },
      idleTimeoutInMinutes: 10,
      publicIpAddresses: [{ id: ip.id }],
      tags,
    }, opts);
  }
  if (settings.mode === "existing") {
    // The given subnets keep their own NSG associations; the hosts' NSG still applies, on every
    // VM's network interface (components/azure/fleet.ts).
    return {
      hostsSubnetId: pulumi.output(settings.hostsSubnetId),
      ...(settings.appGatewaySubnetId ? { appGatewaySubnetId: pulumi.output(settings.appGatewaySubnetId) } : {}),
      hostsNsg,
      ...(appGatewayNsg ? { appGatewayNsg } : {}),
      ...(natGateway ? { natGateway } : {}),
    };
  }
  const vnet = new VirtualNetwork(`${name}-vnet`, {
    resourceGroupName,
    location,
    addressSpace: { addressPrefixes: [settings.addressSpace] },
    tags,
  }, { parent, ignoreChanges: ["subnets"] });
  const hosts = new Subnet(`${name}-hosts`, {
    resourceGroupName,
    virtualNetworkName: vnet.name,
    addressPrefix: subnetCidr(settings.addressSpace, 24, 0),
    networkSecurityGroup: { id: hostsNsg.id },
    ...(natGateway ? { natGateway: { id: natGateway.id } } : {}),
    // Outbound only through the NAT gateway, never through an implicit address.
    defaultOutboundAccess: false,
  }, opts);
  let appGatewaySubnetId: pulumi.Output<string> | undefined;
  if (terminate && appGatewayNsg) {
    const gw = new Subnet(`${name}-agw`, {
      resourceGroupName,
      virtualNetworkName: vnet.name,
      addressPrefix: subnetCidr(settings.addressSpace, 24, 1),
      networkSecurityGroup: { id: appGatewayNsg.id },
    }, { parent, dependsOn: [hosts] });
    appGatewaySubnetId = gw.id;
  }
  return { hostsSubnetId: hosts.id, ...(appGatewaySubnetId ? { appGatewaySubnetId } : {}), hostsNsg, ...(appGatewayNsg ? { appGatewayNsg } : {}), ...(natGateway ? { natGateway } : {}) };
}
