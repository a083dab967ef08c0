import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeBackendService as BackendService, GcpComputeRegionBackendService as RegionBackendService } from "../../common/resource-types";
import { configOf, forTypes, JOB_TIMEOUT_CONFIG, num, str, timeoutProblem, type Props } from "../../common/baseline-props";
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";

// Why (mandatory): for HTTP(S) load balancers timeoutSec is how long the proxy waits for the
// whole response (default 30 s: a proof takes 15-60 s and may queue); connection draining (the
// provider's default 300 s) is how long a removed VM may finish in-flight proofs.
// https://cloud.google.com/load-balancing/docs/backend-service#timeout-setting (the provider's
// timeoutSec docs: "The default is 30 seconds"),
// https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_backend_service

/** Passthrough load balancers forward packets: no proxy, so timeoutSec does not apply to them. */
function passthrough(props: Props): boolean {
  const protocol = (str(props["protocol"]) ?? "HTTP").toUpperCase();
  const scheme = (str(props["loadBalancingScheme"]) ?? "EXTERNAL").toUpperCase();
  return ["TCP", "UDP", "UNSPECIFIED"].includes(protocol) && (scheme === "INTERNAL" || scheme === "EXTERNAL");
}

function check(props: Props, args: ResourceValidationArgs, report: ReportViolation, regional: boolean): void {
  const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
  // A regional passthrough backend service has no proxy timeout; a global TCP/SSL proxy does.
  if (!(regional && passthrough(props))) {
    const problem = timeoutProblem("timeoutSec", num(props["timeoutSec"]), 30, jobTimeoutSeconds);
    if (problem) report(problem);
  }
  const draining = timeoutProblem("connectionDrainingTimeoutSec", num(props["connectionDrainingTimeoutSec"]), 300, jobTimeoutSeconds);
  if (draining) report(draining);
}

export const gcpComputeBackendServiceEnforceTimeouts: ResourceValidationPolicy = {
  name: "gcp-compute-backendservice-enforce-timeouts",
  description: "Backend services wait for a proof and drain removed VMs at least the job timeout plus 60 s (timeoutSec, default 30 s; connectionDrainingTimeoutSec, default 300 s).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set timeoutSec and connectionDrainingTimeoutSec on the backend service to at least jobTimeoutSeconds + 60 (660 for the default 600 s job timeout).",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: forTypes([
    [BackendService, (props, args, report) => check(props, args, report, false)],
    [RegionBackendService, (props, args, report) => check(props, args, report, true)],
  ]),
};
