import * as pulumi from "@pulumi/pulumi";
import { ApplicationGateway } from "@pulumi/azure-native/network/applicationGateway";
import { LoadBalancer } from "@pulumi/azure-native/network/loadBalancer";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { WebApplicationFirewallPolicy } from "@pulumi/azure-native/network/webApplicationFirewallPolicy";
import { AZURE_LIMITS } from "../../src/config/resolve-azure";
import type { AzureSettings } from "../../src/config/types";
import { HEALTH_PATH, PROOF_SERVER_PORT, type IngressSettings } from "../../src/ingress/model";
import { QUARANTINE_RULE_PRIORITY } from "../../src/quarantine";

// Sources of every setting here: docs/azure-facts.md.

/** The Standard Load Balancer's rule idle timeout: the request timeout in whole minutes (4-100). */
export function lbIdleTimeoutMinutes(requestTimeoutSeconds: number): number {
  const { min, max } = AZURE_LIMITS.lbIdleTimeoutMinutes;
  return Math.min(max, Math.max(min, Math.ceil(requestTimeoutSeconds / 60)));
}

/** WAF custom rules: the per-client rate limit (a RateLimitRule needs a match condition: this one matches every address). */
export function wafRateLimitRules(perFiveMinutes: number) {
  return [{
    name: "PerClientRateLimit",
    priority: 10,
    ruleType: "RateLimitRule",
    rateLimitDuration: "FiveMins",
    rateLimitThreshold: perFiveMinutes,
    groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
    // The API spells it negationConditon.
    matchConditions: [{ matchVariables: [{ variableName: "RemoteAddr" }], operator: "IPMatch", negationConditon: true, matchValues: ["255.255.255.255/32"] }],
    action: "Block",
    state: "Enabled",
  }];
}

/**
 * Quarantine, terminate mode: a WAF custom rule before the rate limit that blocks every request
 * (403; the same every-address match). The WAF judges client requests only; the gateway's probes
 * to the backends keep running. The policy is updated in place.
 */
export function wafQuarantineRule() {
  return {
    name: "Quarantine",
    priority: QUARANTINE_RULE_PRIORITY.azureWafCustomRule,
    ruleType: "MatchRule",
    matchConditions: [{ matchVariables: [{ variableName: "RemoteAddr" }], operator: "IPMatch", negationConditon: true, matchValues: ["255.255.255.255/32"] }],
    action: "Block",
    state: "Enabled",
  };
}

/** An ARM id under a parent resource that is named explicitly (sub-resources reference each other by id). */
function childId(parentId: pulumi.Input<string>, collection: string, child: string): pulumi.Output<string> {
  return pulumi.interpolate`${parentId}/${collection}/${child}`;
}

export interface AzureIngressInputs {
  readonly settings: IngressSettings;
  readonly azure: AzureSettings;
  readonly resourceGroupName: pulumi.Input<string>;
  /** `/subscriptions/<id>/resourceGroups/<name>`: parent of the explicitly named load balancer / gateway. */
  readonly resourceGroupId: pulumi.Input<string>;
  readonly appGatewaySubnetId?: pulumi.Input<string>;
  /** terminate: the gateway's user-assigned identity (reads the listener's certificate from Key Vault). */
  readonly gatewayIdentityId?: pulumi.Input<string>;
  readonly prod: boolean;
  /** Quarantine (src/quarantine.ts): refuse every client; frontend, public IP, pools and probes stay. */
  readonly quarantined?: boolean;
  readonly tags: Record<string, string>;
}

export interface AzureIngress {
  readonly publicIp: PublicIPAddress;
  /** passthrough: the Standard Load Balancer; terminate: the Application Gateway. */
  readonly loadBalancer?: LoadBalancer;
  readonly appGateway?: ApplicationGateway;
  readonly wafPolicy?: WebApplicationFirewallPolicy;
  /** The id the scale set's NICs join. */
  readonly backendPoolId: pulumi.Output<string>;
  /** The LB's or gateway's id (for monitoring). */
  readonly frontId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
}

/** The client-facing entry: a Standard Load Balancer (passthrough) or an Application Gateway WAF_v2 (terminate). */
export function azureIngress(name: string, inputs: AzureIngressInputs, parent: pulumi.Resource): AzureIngress {
  const opts = { parent, ...(inputs.prod ? { protect: true } : {}) };
  const { settings, azure, resourceGroupName, tags } = inputs;
  const publicIp = new PublicIPAddress(`${name}-ip`, {
    resourceGroupName,
    location: azure.location,
    sku: { name: "Standard", tier: "Regional" },
    publicIPAllocationMethod: "Static",
    ...(azure.zones.length > 0 ? { zones: [...azure.zones] } : {}),
    tags,
  }, opts);
  const port = settings.listenerPort;
  const endpoint = pulumi.interpolate`https://${publicIp.ipAddress}${port === 443 ? "" : `:${port}`}`;
  return settings.mode === "passthrough"
    ? passthrough(name, inputs, publicIp, endpoint, opts)
    : terminate(name, inputs, publicIp, endpoint, opts);
}

function passthrough(name: string, inputs: AzureIngressInputs, publicIp: PublicIPAddress, endpoint: pulumi.Output<string>, opts: pulumi.CustomResourceOptions): AzureIngress {
  const lbName = `${name}-lb`;
  const lbId = pulumi.interpolate`${inputs.resourceGroupId}/providers/Microsoft.Network/loadBalancers/${lbName}`;
  const loadBalancer = new LoadBalancer(lbName, {
    resourceGroupName: inputs.resourceGroupName,
    location: inputs.azure.location,
    loadBalancerName: lbName,
    sku: { name: "Standard", tier: "Regional" },
    frontendIPConfigurations: [{ name: "public", publicIPAddress: { id: publicIp.id } }],
    backendAddressPools: [{ name: "provers" }],
    probes: [{
      name: "health",
      // HTTPS answered by the VM itself (TLS ends there); certificates are not checked by probes.
      protocol: "Https",
      port: PROOF_SERVER_PORT,
      requestPath: HEALTH_PATH,
      intervalInSeconds: 5,
      probeThreshold: 2,
      // A busy TEE build answers 429 to everyone behind an L4 load balancer: if every VM reads as
      // down, keep sending to all rather than to none.
      noHealthyBackendsBehavior: "AllProbedUp",
    }],
    // Quarantine in passthrough closes the hosts' NSG to clients instead (components/azure/network.ts):
    // the rule stays, so the probe keeps judging the hosts.
    loadBalancingRules: [{
      name: "tls-passthrough",
      protocol: "Tcp",
      frontendPort: inputs.settings.listenerPort,
      backendPort: PROOF_SERVER_PORT,
      frontendIPConfiguration: { id: childId(lbId, "frontendIPConfigurations", "public") },
      backendAddressPool: { id: childId(lbId, "backendAddressPools", "provers") },
      probe: { id: childId(lbId, "probes", "health") },
      idleTimeoutInMinutes: lbIdleTimeoutMinutes(inputs.settings.requestTimeoutSeconds),
      enableTcpReset: true,
      // Outbound goes through the NAT gateway.
      disableOutboundSnat: true,
      loadDistribution: "Default",
    }],
    tags: inputs.tags,
  }, opts);
  // From the resource's own id, so the scale set that joins the pool waits for the load balancer.
  return { publicIp, loadBalancer, backendPoolId: childId(loadBalancer.id, "backendAddressPools", "provers"), frontId: loadBalancer.id, endpoint };
}

function terminate(name: string, inputs: AzureIngressInputs, publicIp: PublicIPAddress, endpoint: pulumi.Output<string>, opts: pulumi.CustomResourceOptions): AzureIngress {
  const { settings, azure } = inputs;
  if (!inputs.appGatewaySubnetId || !inputs.gatewayIdentityId || !azure.certificate) throw new Error(`${name}: terminate mode needs the gateway subnet, identity and certificate (checked in config)`);
  const https = settings.backendProtocol === "HTTPS";
  const wafPolicy = new WebApplicationFirewallPolicy(`${name}-waf`, {
    resourceGroupName: inputs.resourceGroupName,
    location: azure.location,
    policySettings: {
      state: "Enabled",
      mode: "Prevention",
      // A proof request's body is a binary witness: CRS body inspection would misread it, and its
      // size can pass the 2 MB inspection limit. The rate limit and the managed rules on headers and
      // URI still apply.
      requestBodyCheck: false,
      requestBodyEnforcement: false,
    },
    managedRules: { managedRuleSets: [{ ruleSetType: "OWASP", ruleSetVersion: "3.2" }] },
    customRules: [...(inputs.quarantined ? [wafQuarantineRule()] : []), ...wafRateLimitRules(settings.rateLimitPer5Minutes)],
    tags: inputs.tags,
  }, opts);
  const gwName = `${name}-agw`;
  const gwId = pulumi.interpolate`${inputs.resourceGroupId}/providers/Microsoft.Network/applicationGateways/${gwName}`;
  const ref = (collection: string, child: string) => ({ id: childId(gwId, collection, child) });
  const frontendPorts = [{ name: "https", port: settings.listenerPort }, ...(settings.httpRedirect ? [{ name: "http", port: 80 }] : [])];
  const appGateway = new ApplicationGateway(gwName, {
    resourceGroupName: inputs.resourceGroupName,
    location: azure.location,
    applicationGatewayName: gwName,
    sku: { name: "WAF_v2", tier: "WAF_v2" },
    autoscaleConfiguration: { minCapacity: inputs.prod ? 2 : 1, maxCapacity: 10 },
    ...(azure.zones.length > 0 ? { zones: [...azure.zones] } : {}),
    identity: { type: "UserAssigned", userAssignedIdentities: [inputs.gatewayIdentityId] },
    firewallPolicy: { id: wafPolicy.id },
    enableHttp2: false,
    sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20220101" },
    gatewayIPConfigurations: [{ name: "gateway", subnet: { id: inputs.appGatewaySubnetId } }],
    frontendIPConfigurations: [{ name: "public", publicIPAddress: { id: publicIp.id } }],
    frontendPorts,
    sslCertificates: [{ name: "listener", keyVaultSecretId: azure.certificate.keyVaultSecretId }],
    ...(https && azure.backendTls ? { trustedRootCertificates: [{ name: "backend-root", data: azure.backendTls.trustedRootCertificate }] } : {}),
    backendAddressPools: [{ name: "provers" }],
    probes: [{
      name: "health",
      protocol: https ? "Https" : "Http",
      ...(https && azure.backendTls ? { host: azure.backendTls.hostName } : { host: "127.0.0.1" }),
      path: HEALTH_PATH,
      interval: 30,
      timeout: 30,
      unhealthyThreshold: 3,
      // Alive includes busy: the TEE build answers 429 when its rate limit is spent.
      match: { statusCodes: ["200", "429"] },
    }],
    backendHttpSettingsCollection: [{
      name: "provers",
      port: PROOF_SERVER_PORT,
      protocol: https ? "Https" : "Http",
      cookieBasedAffinity: "Disabled",
      requestTimeout: settings.requestTimeoutSeconds,
      connectionDraining: { enabled: true, drainTimeoutInSec: Math.min(settings.drainTimeoutSeconds, AZURE_LIMITS.appGatewayDrainSeconds.max) },
      probe: ref("probes", "health"),
      ...(https && azure.backendTls
        ? { hostName: azure.backendTls.hostName, pickHostNameFromBackendAddress: false, trustedRootCertificates: [ref("trustedRootCertificates", "backend-root")] }
        : {}),
    }],
    httpListeners: [
      { name: "https", protocol: "Https", frontendIPConfiguration: ref("frontendIPConfigurations", "public"), frontendPort: ref("frontendPorts", "https"), sslCertificate: ref("sslCertificates", "listener") },
      ...(settings.httpRedirect ? [{ name: "http", protocol: "Http", frontendIPConfiguration: ref("frontendIPConfigurations", "public"), frontendPort: ref("frontendPorts", "http") }] : []),
    ],
    ...(settings.httpRedirect
      ? { redirectConfigurations: [{ name: "to-https", redirectType: "Permanent", targetListener: ref("httpListeners", "https"), includePath: true, includeQueryString: true }] }
      : {}),
    // Every rule needs a priority (API 2021-08-01 and later).
    requestRoutingRules: [
      { name: "provers", ruleType: "Basic", priority: 100, httpListener: ref("httpListeners", "https"), backendAddressPool: ref("backendAddressPools", "provers"), backendHttpSettings: ref("backendHttpSettingsCollection", "provers") },
      ...(settings.httpRedirect ? [{ name: "http-to-https", ruleType: "Basic", priority: 200, httpListener: ref("httpListeners", "http"), redirectConfiguration: ref("redirectConfigurations", "to-https") }] : []),
    ],
    tags: inputs.tags,
  }, opts);
  return { publicIp, appGateway, wafPolicy, backendPoolId: childId(appGateway.id, "backendAddressPools", "provers"), frontId: appGateway.id, endpoint };
}
