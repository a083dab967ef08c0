import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkApplicationGateway as ApplicationGateway } from "../../common/resource-types";
import { ACCEPTANCE_SCHEMA, configOf, namedIn, rec, recs, str, type Acceptance, type Props } from "../../common/baseline-props";

// Why (mandatory): witnesses must not cross the internet in plaintext or over TLS 1.0/1.1. The
// predefined AppGwSslPolicy20220101/20220101S policies and Custom(V2) policies with minimum
// TLSv1_2 qualify (https://learn.microsoft.com/azure/application-gateway/application-gateway-ssl-policy-overview);
// the default policy depends on the API version, so the rule asks for one explicitly.

const MODERN_PREDEFINED = ["AppGwSslPolicy20220101", "AppGwSslPolicy20220101S"];
const MODERN_MIN = ["TLSv1_2", "TLSv1_3"];

function sslPolicyProblem(policy: Props | undefined): string | undefined {
  if (!policy) return "sets no sslPolicy (the default depends on the API version); set policyType Predefined with AppGwSslPolicy20220101 or 20220101S";
  const type = str(policy["policyType"]) ?? "";
  if (type === "Predefined") {
    const name = str(policy["policyName"]) ?? "";
    return MODERN_PREDEFINED.includes(name) ? undefined : `sslPolicy ${name || "(no name)"} is not a modern predefined policy; use AppGwSslPolicy20220101 or AppGwSslPolicy20220101S`;
  }
  const min = str(policy["minProtocolVersion"]) ?? "";
  return MODERN_MIN.includes(min) ? undefined : `sslPolicy (${type || "no type"}) has minProtocolVersion ${min || "unset"}; use TLSv1_2 or TLSv1_3`;
}

/** An HTTP listener is fine when every routing rule using it redirects (no backend). */
function redirectOnly(props: Props, listenerName: string): boolean {
  const rules = recs(props["requestRoutingRules"]).filter((r) => str(rec(r["httpListener"])?.["id"])?.endsWith(`/httpListeners/${listenerName}`) === true);
  return rules.length > 0 && rules.every((r) => rec(r["redirectConfiguration"]) !== undefined && rec(r["backendAddressPool"]) === undefined);
}

export const azureNetworkApplicationGatewayRequireModernTls: ResourceValidationPolicy = {
  name: "azure-network-applicationgateway-require-modern-tls",
  description: "Application Gateways use a TLS 1.2+ SSL policy, and HTTP listeners only redirect to HTTPS unless the gateway is accepted in writing.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set sslPolicy { policyType: Predefined, policyName: AppGwSslPolicy20220101 } (or CustomV2 with minProtocolVersion TLSv1_2); route HTTP listeners only to a redirect configuration, or list the gateway with a reason in plaintextAccepted.",
  configSchema: { properties: { plaintextAccepted: { ...ACCEPTANCE_SCHEMA, default: [], description: "Gateways whose plaintext listeners are accepted in writing: resource is the gateway's name or URN, reason why." } } },
  validateResource: (args, report) => {
    if (!args.isType(ApplicationGateway)) return args.notApplicable("applies to azure-native:network:ApplicationGateway");
    const { plaintextAccepted } = configOf(args, { plaintextAccepted: [] as readonly Acceptance[] });
    const problem = sslPolicyProblem(rec(args.props["sslPolicy"]));
    if (problem) report(problem);
    if (namedIn(plaintextAccepted, args.name, args.urn)) return;
    for (const listener of recs(args.props["httpListeners"])) {
      const name = str(listener["name"]) ?? "unnamed";
      if ((str(listener["protocol"]) ?? "").toLowerCase() === "http" && !redirectOnly(args.props, name)) report(`HTTP listener ${name} routes requests to a backend in plaintext: redirect it to HTTPS, or state the acceptance in plaintextAccepted`);
    }
  },
};
