import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2Instance as Instance, AwsEc2LaunchTemplate as LaunchTemplate } from "../../common/resource-types";
import { ENCLAVE_FAMILIES, nitroInstanceShape } from "../../../src/sizing";
import { awsEnclaveHost } from "../../common/baseline-hosts";
import { configOf, forTypes, str, type Props } from "../../common/baseline-props";
import type { ReportViolation } from "@pulumi/policy";

// Why (mandatory): a host that runs enclaves needs an enclave-capable Nitro type with at least 4
// vCPUs; burstable types cannot run enclaves and throttle long proofs. The families and sizes
// are src/sizing.ts's (the library's own check); teams narrow the list with allowedFamilies.

const DEFAULTS = { allowedFamilies: ENCLAVE_FAMILIES as readonly string[] };

function check(props: Props, cfg: typeof DEFAULTS, report: ReportViolation): void {
  if (!awsEnclaveHost(props)) return;
  const type = str(props["instanceType"]);
  if (type === undefined) {
    report("runs enclaves but names no instanceType (instance requirements or an override elsewhere pick the type); name an enclave-capable type");
    return;
  }
  const verdict = nitroInstanceShape(type);
  if (!verdict.ok) {
    report(verdict.reason);
    return;
  }
  const family = type.split(".")[0]!;
  if (!cfg.allowedFamilies.includes(family)) report(`family "${family}" is not in allowedFamilies (${cfg.allowedFamilies.join(", ")})`);
}

export const awsEc2LaunchTemplateEnforceEnclaveInstanceType: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-enforce-enclave-instance-type",
  description: "Launch templates and instances with Nitro Enclaves on use an enclave-capable, non-burstable x86_64 type of at least 4 vCPUs, from the allowed families.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Use an enclave-capable type such as m6i.xlarge or c6i.2xlarge (not t*, *-flex, large or metal sizes); adjust allowedFamilies to your fleet's families.",
  configSchema: {
    properties: {
      allowedFamilies: { type: "array", items: { type: "string" }, minItems: 1, default: [...ENCLAVE_FAMILIES], description: "Instance families enclave hosts may use (a subset of the enclave-capable ones)." },
    },
  },
  validateResource: forTypes([
    [LaunchTemplate, (props, args, report) => check(props, configOf(args, DEFAULTS), report)],
    [Instance, (props, args, report) => check(props, configOf(args, DEFAULTS), report)],
  ]),
};
