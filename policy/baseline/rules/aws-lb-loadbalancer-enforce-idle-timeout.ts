import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsLbLoadBalancer as LoadBalancer } from "../../common/resource-types";
import { configOf, JOB_TIMEOUT_CONFIG, num, str, timeoutProblem } from "../../common/baseline-props";

// Why (mandatory): an ALB closes a connection idle longer than idleTimeout; a proof returns its
// first byte only when done (up to the job timeout), so a shorter timeout answers 504 to a proof
// that would have succeeded. ALB default 60 s:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html

export const awsLbLoadBalancerEnforceIdleTimeout: ResourceValidationPolicy = {
  name: "aws-lb-loadbalancer-enforce-idle-timeout",
  description: "Application Load Balancers keep idle connections open at least the job timeout plus 60 s (idleTimeout; the default is 60 s).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set idleTimeout on the load balancer to at least jobTimeoutSeconds + 60 (660 for the default 600 s job timeout).",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(LoadBalancer)) return args.notApplicable("applies to aws:lb/loadBalancer:LoadBalancer");
    // Network and gateway load balancers have no idleTimeout (the NLB's is on its TCP listeners).
    if ((str(args.props["loadBalancerType"]) ?? "application") !== "application") return;
    const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
    const problem = timeoutProblem("idleTimeout", num(args.props["idleTimeout"]), 60, jobTimeoutSeconds);
    if (problem) report(problem);
  },
};
