import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeRegionSslPolicy as RegionSslPolicy, GcpComputeSSLPolicy as SSLPolicy } from "../../common/resource-types";
import { forTypes, str, type Props } from "../../common/baseline-props";
import type { ReportViolation } from "@pulumi/policy";

// Why (mandatory): SSL policies default to profile COMPATIBLE and minimum TLS 1.0
// (https://cloud.google.com/load-balancing/docs/ssl-policies-concepts); witnesses need TLS 1.2+
// with forward-secret ciphers only (MODERN or RESTRICTED).

const PROFILES = ["MODERN", "RESTRICTED"];
const VERSIONS = ["TLS_1_2", "TLS_1_3"];

function check(props: Props, report: ReportViolation): void {
  const profile = str(props["profile"]) ?? "COMPATIBLE";
  const min = str(props["minTlsVersion"]) ?? "TLS_1_0";
  if (!PROFILES.includes(profile)) report(`profile is ${profile}${props["profile"] === undefined ? " (the default)" : ""}; use MODERN or RESTRICTED`);
  if (!VERSIONS.includes(min)) report(`minTlsVersion is ${min}${props["minTlsVersion"] === undefined ? " (the default)" : ""}; use TLS_1_2 or TLS_1_3`);
}

export const gcpComputeSslPolicyRequireModernTls: ResourceValidationPolicy = {
  name: "gcp-compute-sslpolicy-require-modern-tls",
  description: "SSL policies use profile MODERN or RESTRICTED with minimum TLS 1.2.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set profile: "MODERN" (or "RESTRICTED") and minTlsVersion: "TLS_1_2" on the SSL policy.',
  validateResource: forTypes([
    [SSLPolicy, (props, _args, report) => check(props, report)],
    [RegionSslPolicy, (props, _args, report) => check(props, report)],
  ]),
};
