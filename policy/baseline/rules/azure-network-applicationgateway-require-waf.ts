import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkApplicationGateway as ApplicationGateway, AzureNetworkWebApplicationFirewallPolicy as WebApplicationFirewallPolicy } from "../../common/resource-types";
import { bool, forTypes, rec, str } from "../../common/baseline-props";

// Why (mandatory): the Application Gateway terminates TLS (terminate mode) and is the only place
// requests can be filtered before the TEE; only the WAF_v2 tier runs a WAF, and a WAF in
// Detection mode logs without blocking
// (https://learn.microsoft.com/azure/web-application-firewall/ag/ag-overview).

export const azureNetworkApplicationGatewayRequireWaf: ResourceValidationPolicy = {
  name: "azure-network-applicationgateway-require-waf",
  description: "Application Gateways run the WAF_v2 tier with a WAF policy (or enabled WAF configuration) in Prevention mode; WAF policies are enabled and in Prevention mode.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Use sku { name: WAF_v2, tier: WAF_v2 } and set firewallPolicy { id } to a WebApplicationFirewallPolicy with policySettings { state: Enabled, mode: Prevention }.",
  validateResource: forTypes([
    [
      ApplicationGateway,
      (props, _args, report) => {
        const tier = str(rec(props["sku"])?.["tier"]) ?? "unset";
        if (tier !== "WAF_v2") report(`sku tier is ${tier}; only WAF_v2 runs a web application firewall`);
        const waf = rec(props["webApplicationFirewallConfiguration"]);
        const inline = waf !== undefined && bool(waf["enabled"]) === true && str(waf["firewallMode"]) === "Prevention";
        if (str(rec(props["firewallPolicy"])?.["id"]) === undefined && !inline) report("no WAF policy attached (firewallPolicy) and no enabled Prevention-mode webApplicationFirewallConfiguration");
      },
    ],
    [
      WebApplicationFirewallPolicy,
      (props, _args, report) => {
        const settings = rec(props["policySettings"]);
        if ((str(settings?.["state"]) ?? "Enabled") !== "Enabled") report("WAF policy state is Disabled");
        const mode = str(settings?.["mode"]) ?? "Detection";
        if (mode !== "Prevention") report(`WAF policy mode is ${mode}${settings?.["mode"] === undefined ? " (the default)" : ""}: it logs attacks without blocking them; use Prevention`);
      },
    ],
  ]),
};
