import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeHealthCheck as HealthCheck, GcpComputeRegionHealthCheck as RegionHealthCheck } from "../../common/resource-types";
import { HEALTH_CONFIG, HEALTH_DEFAULTS } from "../../common/baseline-health";
import { configOf, forTypes, num, rec, str, type Props } from "../../common/baseline-props";

// Why (advisory): a wrong probe costs availability, not confidentiality, and the P0
// no-healthy-host alarm still fires; teams raise it to mandatory once their probes match.
// A health check anywhere but the proof server keeps a VM whose server is down
// in rotation. HTTP(S) checks must request /health (the default requestPath is "/"); a TCP/SSL
// check on the proof-server port is accepted, because it is answered by the server inside the
// TEE (our GCP fleet uses one, so a busy server's 429 does not mark it unhealthy).
// https://cloud.google.com/load-balancing/docs/health-check-concepts

const KINDS = ["httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck", "sslHealthCheck", "grpcHealthCheck"] as const;

function check(props: Props, cfg: typeof HEALTH_DEFAULTS, report: ReportViolation): void {
  const kind = KINDS.find((k) => rec(props[k]) !== undefined);
  if (!kind) {
    report("declares no health check kind (httpHealthCheck, tcpHealthCheck, ...)");
    return;
  }
  const spec = rec(props[kind])!;
  // USE_SERVING_PORT probes the backend's named port, which the check itself does not show.
  if (str(spec["portSpecification"]) !== "USE_SERVING_PORT") {
    const port = num(spec["port"]);
    if (port !== cfg.port) report(`${kind} probes port ${port ?? "(default 80)"}, not the proof server's port ${cfg.port}`);
  }
  if (kind.startsWith("http")) {
    const path = str(spec["requestPath"]) ?? "/";
    if (path !== cfg.path) report(`${kind}.requestPath is ${path}${spec["requestPath"] === undefined ? " (the default)" : ""}; probe ${cfg.path}`);
  }
  if (kind === "grpcHealthCheck") report("a gRPC health check cannot reach the proof server, which serves HTTP; use an HTTP check on /health or a TCP check");
}

export const gcpComputeHealthCheckEnforceProofServerProbe: ResourceValidationPolicy = {
  name: "gcp-compute-healthcheck-enforce-proof-server-probe",
  description: "Health checks probe the proof server: HTTP(S) on /health, or TCP/SSL, on its port.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Use tcpHealthCheck { port: 6300 }, or httpHealthCheck { port: 6300, requestPath: \"/health\" }.",
  configSchema: HEALTH_CONFIG,
  validateResource: forTypes([
    [HealthCheck, (props, args, report) => check(props, configOf(args, HEALTH_DEFAULTS), report)],
    [RegionHealthCheck, (props, args, report) => check(props, configOf(args, HEALTH_DEFAULTS), report)],
  ]),
};
