import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { GcpComputeRegionTargetHttpProxy as RegionTargetHttpProxy, GcpComputeRegionTargetHttpsProxy as RegionTargetHttpsProxy, GcpComputeRegionUrlMap as RegionUrlMap, GcpComputeTargetHttpProxy as TargetHttpProxy, GcpComputeTargetHttpsProxy as TargetHttpsProxy, GcpComputeTargetSSLProxy as TargetSSLProxy, GcpComputeURLMap as URLMap } from "../../common/resource-types";
import { ACCEPTANCE_SCHEMA, bool, configOf, dependsOn, namedIn, ofClasses, rec, referencesByName, str, type Acceptance } from "../../common/baseline-props";

// Why (mandatory): a target proxy without an SSL policy negotiates Google's default (COMPATIBLE,
// TLS 1.0, https://cloud.google.com/load-balancing/docs/ssl-policies-concepts#defaultsslpolicy),
// and an HTTP proxy carries witnesses in plaintext unless its URL map only redirects to HTTPS.

/** A URL map whose default action is a redirect to HTTPS serves nothing in plaintext. */
function redirectOnly(map: PolicyResource): boolean {
  const redirect = rec(map.props["defaultUrlRedirect"]);
  return redirect !== undefined && bool(redirect["httpsRedirect"]) === true && map.props["hostRules"] === undefined && map.props["pathMatchers"] === undefined;
}

export const gcpComputeTargetHttpsProxyRequireModernTls: StackValidationPolicy = {
  name: "gcp-compute-targethttpsproxy-require-modern-tls",
  description: "HTTPS and SSL target proxies name an SSL policy; HTTP target proxies only redirect to HTTPS (their URL map's default action) unless accepted in writing.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set sslPolicy on every HTTPS/SSL proxy (a MODERN, TLS 1.2 policy); give an HTTP proxy a URL map with defaultUrlRedirect { httpsRedirect: true } only, or list it with a reason in plaintextAccepted.",
  configSchema: { properties: { plaintextAccepted: { ...ACCEPTANCE_SCHEMA, default: [], description: "HTTP proxies accepted in writing: resource is the proxy's name or URN, reason why." } } },
  validateStack: (args, report) => {
    const { plaintextAccepted } = configOf(args, { plaintextAccepted: [] as readonly Acceptance[] });
    for (const proxy of ofClasses(args.resources, TargetHttpsProxy, RegionTargetHttpsProxy, TargetSSLProxy)) {
      // A proxy may instead take TLS settings from a Certificate Manager / server TLS policy.
      if (str(proxy.props["sslPolicy"]) === undefined && str(proxy.props["serverTlsPolicy"]) === undefined) report("the proxy names no sslPolicy, so Google's default (COMPATIBLE, TLS 1.0) applies; attach a MODERN policy with minTlsVersion TLS_1_2", proxy.urn);
    }
    const maps = ofClasses(args.resources, URLMap, RegionUrlMap);
    for (const proxy of ofClasses(args.resources, TargetHttpProxy, RegionTargetHttpProxy)) {
      if (namedIn(plaintextAccepted, proxy.name, proxy.urn)) continue;
      const ref = str(proxy.props["urlMap"]) ?? "";
      const map = maps.find((m) => dependsOn(proxy, m)) ?? maps.find((m) => referencesByName(ref, m));
      if (map && redirectOnly(map)) continue;
      report(`plaintext HTTP proxy ${map ? `routes to URL map ${map.name}, which serves requests` : `uses URL map ${ref || "(unknown)"}, not found in this stack as a redirect to HTTPS`}: redirect to HTTPS only, or state the acceptance in plaintextAccepted`, proxy.urn);
    }
  },
};
