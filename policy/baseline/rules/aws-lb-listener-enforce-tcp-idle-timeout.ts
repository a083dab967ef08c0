import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsLbListener as Listener } from "../../common/resource-types";
import { configOf, floorText, JOB_TIMEOUT_CONFIG, num, requestPathFloor, str, timeoutProblem } from "../../common/baseline-props";

// Why (mandatory): an NLB drops a TCP flow idle longer than its listener's idle timeout (default
// 350 s, 60-6000 s; TLS listeners fixed at 350 s), cutting a proof still being computed:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html

const TLS_LISTENER_IDLE_SECONDS = 350;

export const awsLbListenerEnforceTcpIdleTimeout: ResourceValidationPolicy = {
  name: "aws-lb-listener-enforce-tcp-idle-timeout",
  description: "Network Load Balancer TCP listeners keep idle flows at least the job timeout plus 60 s (tcpIdleTimeoutSeconds; the default is 350 s); TLS listeners, fixed at 350 s, cannot.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set tcpIdleTimeoutSeconds on TCP listeners to at least jobTimeoutSeconds + 60; terminate TLS in the TEE behind a TCP listener instead of a TLS listener.",
  configSchema: JOB_TIMEOUT_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(Listener)) return args.notApplicable("applies to aws:lb/listener:Listener");
    const { jobTimeoutSeconds } = configOf(args, { jobTimeoutSeconds: 600 });
    const protocol = str(args.props["protocol"])?.toUpperCase();
    if (protocol === "TCP") {
      const problem = timeoutProblem("tcpIdleTimeoutSeconds", num(args.props["tcpIdleTimeoutSeconds"]), 350, jobTimeoutSeconds);
      if (problem) report(problem);
    } else if (protocol === "TLS" && TLS_LISTENER_IDLE_SECONDS < requestPathFloor(jobTimeoutSeconds)) {
      report(`a TLS listener's idle timeout is fixed at ${TLS_LISTENER_IDLE_SECONDS} s, below ${floorText(jobTimeoutSeconds)}; use a TCP listener (TLS passthrough) with tcpIdleTimeoutSeconds`);
    }
  },
};
