import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsLbTargetGroup as TargetGroup } from "../../common/resource-types";
import { configOf, JOB_TIMEOUT_CONFIG, num, timeoutProblem } from "../../common/baseline-props";

// Why (mandatory): a scale-in or instance refresh deregisters a host; after deregistrationDelay
// (default 300 s) its in-flight proofs are cut off. Default and range:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay

export const awsLbTargetGroupEnforceDeregistrationDelay: ResourceValidationPolicy = {
  name: "aws-lb-targetgroup-enforce-deregistration-delay",
  description: "Target groups let a deregistering host finish its proofs: deregistrationDelay at least the job timeout plus 60 s (the default is 300 s).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set deregistrationDelay on the target group to at least jobTimeoutSeconds + 60 (660 for the default 600 s job timeout).",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(TargetGroup)) return args.notApplicable("applies to aws:lb/targetGroup:TargetGroup");
    // Lambda targets have no connections to drain.
    if (args.props["targetType"] === "lambda") return;
    const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
    const problem = timeoutProblem("deregistrationDelay", num(args.props["deregistrationDelay"]), 300, jobTimeoutSeconds);
    if (problem) report(problem);
  },
};
