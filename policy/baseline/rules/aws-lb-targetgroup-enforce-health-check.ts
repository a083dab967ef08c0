import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsLbTargetGroup as TargetGroup } from "../../common/resource-types";
import { HEALTH_CONFIG, HEALTH_DEFAULTS } from "../../common/baseline-health";
import { bool, configOf, num, rec, str } from "../../common/baseline-props";

// Why (advisory): a wrong probe costs availability, not confidentiality, and the P0
// no-healthy-host alarm still fires; teams raise it to mandatory once their probes match.
// A health check anywhere but the proof server's /health (the default path is
// "/") keeps a host in rotation whose server is down, or drains a healthy one. A TCP check on the
// proof-server port (passthrough) is accepted: it reaches the server inside the TEE. Defaults:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html

export const awsLbTargetGroupEnforceHealthCheck: ResourceValidationPolicy = {
  name: "aws-lb-targetgroup-enforce-health-check",
  description: "Target groups on the proof-server port health-check the server itself: HTTP(S) on /health, or TCP, on that port.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: 'Set healthCheck { enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200,429" } on target groups forwarding to the proof-server port.',
  configSchema: HEALTH_CONFIG,
  validateResource: (args, report) => {
    if (!args.isType(TargetGroup)) return args.notApplicable("applies to aws:lb/targetGroup:TargetGroup");
    const cfg = configOf(args, HEALTH_DEFAULTS);
    const tgPort = num(args.props["port"]);
    // Only target groups that forward to the proof server are judged.
    if (tgPort !== cfg.port) return;
    const hc = rec(args.props["healthCheck"]);
    if (bool(hc?.["enabled"]) === false) {
      report("health checks are disabled");
      return;
    }
    const tgProtocol = str(args.props["protocol"]) ?? "HTTP";
    const protocol = str(hc?.["protocol"]) ?? (["TCP", "TLS", "UDP", "TCP_UDP"].includes(tgProtocol) ? "TCP" : tgProtocol);
    const portSetting = str(hc?.["port"]) ?? String(num(hc?.["port"]) ?? "traffic-port");
    const port = portSetting === "traffic-port" ? tgPort : Number(portSetting);
    if (port !== cfg.port) report(`health check probes port ${portSetting}, not the proof server's port ${cfg.port}`);
    if (protocol === "HTTP" || protocol === "HTTPS") {
      const path = str(hc?.["path"]) ?? "/";
      if (path !== cfg.path) report(`health check path is ${path}${hc?.["path"] === undefined ? " (the default)" : ""}; probe ${cfg.path}`);
    }
  },
};
