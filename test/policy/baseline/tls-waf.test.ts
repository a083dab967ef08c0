import { describe, expect, it } from "vitest";
import { runResourcePolicy, runStackPolicy } from "../../../src/policy/evaluate";
import { gcpComputeSslPolicyRequireModernTls as sslRule } from "../../../policy/baseline/rules/gcp-compute-sslpolicy-require-modern-tls";
import { gcpComputeTargetHttpsProxyRequireModernTls as proxyRule } from "../../../policy/baseline/rules/gcp-compute-targethttpsproxy-require-modern-tls";
import { gcpComputeBackendServiceRequireCloudArmor as armorRule } from "../../../policy/baseline/rules/gcp-compute-backendservice-require-cloud-armor";
import { awsLbLoadBalancerRequireWaf as wafRule } from "../../../policy/baseline/rules/aws-lb-loadbalancer-require-waf";
import { azureNetworkApplicationGatewayRequireModernTls as agwTlsRule } from "../../../policy/baseline/rules/azure-network-applicationgateway-require-modern-tls";
import { azureNetworkApplicationGatewayRequireWaf as agwWafRule } from "../../../policy/baseline/rules/azure-network-applicationgateway-require-waf";
import { awsDev, gcpDev, NONE, pick, resource, violations, withProps } from "./dev-stacks";

const stackViolations = (...v: [string, string][]) => ({ kind: "violations", violations: v.map(([message, urn]) => ({ message, urn })) });

describe("gcp-compute-sslpolicy-require-modern-tls", () => {
  const policy = pick(gcpDev, "gcp:compute/sSLPolicy:SSLPolicy", "prover-dev-gcp-tls");

  it("passes the dev policy (MODERN, TLS_1_2) and refuses Google's defaults", async () => {
    expect(await runResourcePolicy(sslRule, policy)).toEqual(NONE);
    expect(await runResourcePolicy(sslRule, withProps(policy, { profile: undefined, minTlsVersion: undefined }))).toEqual(
      violations("profile is COMPATIBLE (the default); use MODERN or RESTRICTED", "minTlsVersion is TLS_1_0 (the default); use TLS_1_2 or TLS_1_3"),
    );
    expect(await runResourcePolicy(sslRule, withProps(policy, { minTlsVersion: "TLS_1_1" }))).toEqual(violations("minTlsVersion is TLS_1_1; use TLS_1_2 or TLS_1_3"));
  });
});

describe("gcp-compute-targethttpsproxy-require-modern-tls", () => {
  const https = pick(gcpDev, "gcp:compute/targetHttpsProxy:TargetHttpsProxy", "prover-dev-gcp-https");
  const serving = pick(gcpDev, "gcp:compute/uRLMap:URLMap", "prover-dev-gcp-urls");
  const redirect = resource("gcp:compute/uRLMap:URLMap", "redirect", { defaultUrlRedirect: { httpsRedirect: true, stripQuery: false } });
  const http = resource("gcp:compute/targetHttpProxy:TargetHttpProxy", "http", { urlMap: "projects/p/global/urlMaps/redirect-1a2b3c4" });

  it("passes the dev stack, and an HTTP proxy that only redirects", async () => {
    expect(await runStackPolicy(proxyRule, gcpDev)).toEqual(NONE);
    expect(await runStackPolicy(proxyRule, [...gcpDev, redirect, http])).toEqual(NONE);
  });

  it("refuses an HTTPS proxy without SSL policy and an HTTP proxy that serves, unless accepted", async () => {
    const bare = withProps(https, { sslPolicy: undefined });
    expect(await runStackPolicy(proxyRule, gcpDev.map((r) => (r.urn === https.urn ? bare : r)))).toEqual(
      stackViolations(["the proxy names no sslPolicy, so Google's default (COMPATIBLE, TLS 1.0) applies; attach a MODERN policy with minTlsVersion TLS_1_2", https.urn]),
    );
    const plain = withProps(http, { urlMap: "projects/example-tee-prover-dev/global/uRLMaps/prover-dev-gcp-urls-a5233b6" });
    expect(await runStackPolicy(proxyRule, [...gcpDev, plain])).toEqual(stackViolations([`plaintext HTTP proxy routes to URL map ${serving.name}, which serves requests: redirect to HTTPS only, or state the acceptance in plaintextAccepted`, plain.urn]));
    expect(await runStackPolicy(proxyRule, [...gcpDev, plain], { plaintextAccepted: [{ resource: "http", reason: "health probes of a legacy monitor" }] })).toEqual(NONE);
  });
});

describe("gcp-compute-backendservice-require-cloud-armor", () => {
  const backend = pick(gcpDev, "gcp:compute/backendService:BackendService", "prover-dev-gcp-backend");

  it("passes the dev backend (Cloud Armor attached) and refuses one without", async () => {
    expect(await runResourcePolicy(armorRule, backend)).toEqual(NONE);
    expect(await runResourcePolicy(armorRule, withProps(backend, { securityPolicy: undefined }))).toEqual(violations("external HTTP backend service has no Cloud Armor securityPolicy: nothing filters or rate-limits requests before they reach the TEE"));
    expect(await runResourcePolicy(armorRule, withProps(backend, { securityPolicy: undefined, loadBalancingScheme: "INTERNAL_MANAGED" }))).toEqual(NONE);
  });
});

describe("aws-lb-loadbalancer-require-waf", () => {
  const alb = pick(awsDev, "aws:lb/loadBalancer:LoadBalancer", "prover-dev-alb");

  it("passes the dev ALB (web ACL associated by its ARN) and refuses it without the association", async () => {
    expect(await runStackPolicy(wafRule, awsDev)).toEqual(NONE);
    const without = awsDev.filter((r) => r.type !== "aws:wafv2/webAclAssociation:WebAclAssociation");
    expect(await runStackPolicy(wafRule, without)).toEqual(stackViolations(["internet-facing application load balancer prover-dev-alb has no WAFv2 web ACL association", alb.urn]));
    // Internal ALBs and NLBs are not judged.
    expect(await runStackPolicy(wafRule, without.map((r) => (r.urn === alb.urn ? withProps(r, { internal: true }) : r)))).toEqual(NONE);
    expect(await runStackPolicy(wafRule, without.map((r) => (r.urn === alb.urn ? withProps(r, { loadBalancerType: "network" }) : r)))).toEqual(NONE);
  });
});

describe("azure application gateway TLS and WAF", () => {
  const listenerId = (n: string) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/agw/httpListeners/${n}`;
  const agw = resource("azure-native:network:ApplicationGateway", "prover-agw", {
    sku: { name: "WAF_v2", tier: "WAF_v2", capacity: 2 },
    sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20220101" },
    firewallPolicy: { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/waf" },
    httpListeners: [
      { name: "https", protocol: "Https", frontendPort: { id: "p443" } },
      { name: "http", protocol: "Http", frontendPort: { id: "p80" } },
    ],
    requestRoutingRules: [
      { name: "proof", httpListener: { id: listenerId("https") }, backendAddressPool: { id: "pool" }, backendHttpSettings: { id: "s" } },
      { name: "to-https", httpListener: { id: listenerId("http") }, redirectConfiguration: { id: "r" } },
    ],
  });

  it("passes a WAF_v2 gateway with AppGwSslPolicy20220101 and a redirect-only HTTP listener", async () => {
    expect(await runResourcePolicy(agwTlsRule, agw)).toEqual(NONE);
    expect(await runResourcePolicy(agwWafRule, agw)).toEqual(NONE);
  });

  it("refuses a legacy TLS policy and an HTTP listener that serves", async () => {
    const serving = withProps(agw, { sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20150501" }, requestRoutingRules: [{ name: "plain", httpListener: { id: listenerId("http") }, backendAddressPool: { id: "pool" } }] });
    expect(await runResourcePolicy(agwTlsRule, serving)).toEqual(
      violations("sslPolicy AppGwSslPolicy20150501 is not a modern predefined policy; use AppGwSslPolicy20220101 or AppGwSslPolicy20220101S", "HTTP listener http routes requests to a backend in plaintext: redirect it to HTTPS, or state the acceptance in plaintextAccepted"),
    );
    expect(await runResourcePolicy(agwTlsRule, withProps(agw, { sslPolicy: { policyType: "CustomV2", minProtocolVersion: "TLSv1_0" } }))).toEqual(violations("sslPolicy (CustomV2) has minProtocolVersion TLSv1_0; use TLSv1_2 or TLSv1_3"));
  });

  it("refuses the Standard_v2 tier without a WAF, and a WAF policy in Detection mode", async () => {
    expect(await runResourcePolicy(agwWafRule, withProps(agw, { sku: { name: "Standard_v2", tier: "Standard_v2" }, firewallPolicy: undefined }))).toEqual(
      violations("sku tier is Standard_v2; only WAF_v2 runs a web application firewall", "no WAF policy attached (firewallPolicy) and no enabled Prevention-mode webApplicationFirewallConfiguration"),
    );
    const policy = resource("azure-native:network:WebApplicationFirewallPolicy", "waf", { policySettings: { state: "Enabled", mode: "Prevention" }, managedRules: { managedRuleSets: [] } });
    expect(await runResourcePolicy(agwWafRule, policy)).toEqual(NONE);
    expect(await runResourcePolicy(agwWafRule, withProps(policy, { policySettings: { state: "Enabled" } }))).toEqual(violations("WAF policy mode is Detection (the default): it logs attacks without blocking them; use Prevention"));
  });
});
