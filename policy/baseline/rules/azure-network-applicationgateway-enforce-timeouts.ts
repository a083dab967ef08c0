import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureNetworkApplicationGateway as ApplicationGateway } from "../../common/resource-types";
import { bool, configOf, floorText, JOB_TIMEOUT_CONFIG, num, rec, recs, requestPathFloor, str, timeoutProblem } from "../../common/baseline-props";

// Why (mandatory): Application Gateway fails a request whose response takes longer than the
// backend settings' requestTimeout (30 s when left out, Azure/azure-powershell#5145), and without
// connection draining a removed instance's in-flight proofs are cut off.

export const azureNetworkApplicationGatewayEnforceTimeouts: ResourceValidationPolicy = {
  name: "azure-network-applicationgateway-enforce-timeouts",
  description: "Application Gateway backend HTTP settings wait for a proof and drain removed instances at least the job timeout plus 60 s (requestTimeout, default 30 s; connectionDraining on).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "In every backendHttpSettingsCollection entry set requestTimeout and connectionDraining { enabled: true, drainTimeoutInSec } to at least jobTimeoutSeconds + 60.",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(ApplicationGateway)) return args.notApplicable("applies to azure-native:network:ApplicationGateway");
    const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
    recs(args.props["backendHttpSettingsCollection"]).forEach((settings, i) => {
      const label = `backendHttpSettingsCollection[${i}] (${str(settings["name"]) ?? "unnamed"})`;
      const timeout = timeoutProblem(`${label} requestTimeout`, num(settings["requestTimeout"]), 30, jobTimeoutSeconds);
      if (timeout) report(timeout);
      const draining = rec(settings["connectionDraining"]);
      const drainSeconds = num(draining?.["drainTimeoutInSec"]);
      if (bool(draining?.["enabled"]) !== true) report(`${label} has no connection draining; enable it with drainTimeoutInSec at least ${floorText(jobTimeoutSeconds)}`);
      else if ((drainSeconds ?? 0) < requestPathFloor(jobTimeoutSeconds)) report(`${label} connectionDraining.drainTimeoutInSec is ${drainSeconds ?? "unset"} s; every timeout on the request path must be at least ${floorText(jobTimeoutSeconds)}`);
    });
  },
};
