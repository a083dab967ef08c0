import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeBackendService as BackendService } from "../../common/resource-types";
import { str } from "../../common/baseline-props";

// Why (mandatory): an internet-facing HTTP(S) load balancer that terminates TLS (our terminate
// mode) can filter and rate-limit requests only through a Cloud Armor policy on the backend
// service (https://cloud.google.com/armor/docs/security-policy-overview); passthrough load
// balancers do not see requests and are not judged.

const EXTERNAL = ["EXTERNAL", "EXTERNAL_MANAGED"];
const HTTP = ["HTTP", "HTTPS", "HTTP2"];

export const gcpComputeBackendServiceRequireCloudArmor: ResourceValidationPolicy = {
  name: "gcp-compute-backendservice-require-cloud-armor",
  description: "External HTTP(S) backend services have a Cloud Armor security policy attached.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Create a gcp.compute.SecurityPolicy (rate limit, deny rules) and set securityPolicy on the backend service.",
  validateResource: (args, report) => {
    if (!args.isType(BackendService)) return args.notApplicable("applies to gcp:compute/backendService:BackendService");
    const scheme = str(args.props["loadBalancingScheme"]) ?? "EXTERNAL";
    const protocol = str(args.props["protocol"]) ?? "HTTP";
    if (!EXTERNAL.includes(scheme) || !HTTP.includes(protocol)) return;
    if (str(args.props["securityPolicy"]) === undefined) report(`external ${protocol} backend service has no Cloud Armor securityPolicy: nothing filters or rate-limits requests before they reach the TEE`);
  },
};
