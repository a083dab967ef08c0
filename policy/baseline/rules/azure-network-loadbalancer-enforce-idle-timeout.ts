import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkLoadBalancer as LoadBalancer } from "../../common/resource-types";
import { configOf, JOB_TIMEOUT_CONFIG, num, recs, str, timeoutProblem } from "../../common/baseline-props";

// Why (mandatory): Azure Load Balancer drops a TCP flow idle longer than idleTimeoutInMinutes
// (default 4, 4-30 minutes, per the LoadBalancingRule type of @pulumi/azure-native), which cuts
// a proof still being computed.

export const azureNetworkLoadBalancerEnforceIdleTimeout: ResourceValidationPolicy = {
  name: "azure-network-loadbalancer-enforce-idle-timeout",
  description: "Azure Load Balancer rules keep idle TCP flows at least the job timeout plus 60 s (idleTimeoutInMinutes, default 4).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set idleTimeoutInMinutes on every load-balancing rule to at least ceil((jobTimeoutSeconds + 60) / 60) (11 for the default 600 s job timeout).",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(LoadBalancer)) return args.notApplicable("applies to azure-native:network:LoadBalancer");
    const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
    recs(args.props["loadBalancingRules"]).forEach((rule, i) => {
      // The idle timeout only applies to TCP flows ("Tcp" or "All").
      if ((str(rule["protocol"]) ?? "Tcp").toLowerCase() === "udp") return;
      const problem = timeoutProblem(`loadBalancingRules[${i}] (${str(rule["name"]) ?? "unnamed"}) idleTimeoutInMinutes`, num(rule["idleTimeoutInMinutes"]), 4, jobTimeoutSeconds, "min");
      if (problem) report(problem);
    });
  },
};
