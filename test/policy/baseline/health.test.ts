import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsLbTargetGroupEnforceHealthCheck as tgRule } from "../../../policy/baseline/rules/aws-lb-targetgroup-enforce-health-check";
import { gcpComputeHealthCheckEnforceProofServerProbe as gcpRule } from "../../../policy/baseline/rules/gcp-compute-healthcheck-enforce-proof-server-probe";
import { azureNetworkProbeEnforceProofServerHealth as azRule } from "../../../policy/baseline/rules/azure-network-probe-enforce-proof-server-health";
import { awsDev, gcpDev, NONE, ofType, pick, resource, violations, withProps } from "./dev-stacks";

describe("aws-lb-targetgroup-enforce-health-check", () => {
  const tg = pick(awsDev, "aws:lb/targetGroup:TargetGroup", "prover-dev-web");
  const hc = tg.props["healthCheck"] as Record<string, unknown>;

  it("passes the dev target groups (HTTP /health on the traffic port 6300)", async () => {
    for (const r of ofType(awsDev, "aws:lb/targetGroup:TargetGroup")) expect(await runResourcePolicy(tgRule, r)).toEqual(NONE);
  });

  it("refuses the default path, another port and disabled checks", async () => {
    expect(await runResourcePolicy(tgRule, withProps(tg, { healthCheck: { ...hc, path: undefined } }))).toEqual(violations("health check path is / (the default); probe /health"));
    expect(await runResourcePolicy(tgRule, withProps(tg, { healthCheck: { ...hc, port: "22" } }))).toEqual(violations("health check probes port 22, not the proof server's port 6300"));
    expect(await runResourcePolicy(tgRule, withProps(tg, { healthCheck: { enabled: false } }))).toEqual(violations("health checks are disabled"));
  });

  it("accepts a TCP check on a passthrough target group and follows the configured port", async () => {
    const tcp = resource("aws:lb/targetGroup:TargetGroup", "tcp", { port: 6300, protocol: "TCP", healthCheck: { enabled: true, protocol: "TCP", port: "traffic-port" } });
    expect(await runResourcePolicy(tgRule, tcp)).toEqual(NONE);
    expect(await runResourcePolicy(tgRule, withProps(tg, { port: 8080 }), { port: 8080, path: "/health" })).toEqual(NONE);
    // Target groups on other ports are another service's.
    expect(await runResourcePolicy(tgRule, withProps(tg, { port: 8080, healthCheck: undefined }))).toEqual(NONE);
  });
});

describe("gcp-compute-healthcheck-enforce-proof-server-probe", () => {
  const check = pick(gcpDev, "gcp:compute/healthCheck:HealthCheck", "prover-dev-gcp-health");

  it("passes the dev check (TCP on 6300) and an HTTP check on /health", async () => {
    expect(await runResourcePolicy(gcpRule, check)).toEqual(NONE);
    expect(await runResourcePolicy(gcpRule, withProps(check, { tcpHealthCheck: undefined, httpHealthCheck: { port: 6300, requestPath: "/health" } }))).toEqual(NONE);
  });

  it("refuses the default path and port", async () => {
    expect(await runResourcePolicy(gcpRule, withProps(check, { tcpHealthCheck: undefined, httpHealthCheck: {} }))).toEqual(
      violations("httpHealthCheck probes port (default 80), not the proof server's port 6300", "httpHealthCheck.requestPath is / (the default); probe /health"),
    );
  });
});

describe("azure-network-probe-enforce-proof-server-health", () => {
  it("passes an HTTP probe on /health:6300 and refuses a gateway without a custom probe", async () => {
    const lb = resource("azure-native:network:LoadBalancer", "lb", { loadBalancingRules: [{ name: "proof" }], probes: [{ name: "health", protocol: "Http", port: 6300, requestPath: "/health" }] });
    expect(await runResourcePolicy(azRule, lb)).toEqual(NONE);
    expect(await runResourcePolicy(azRule, withProps(lb, { probes: [{ name: "health", protocol: "Https", port: 443, requestPath: "/" }] }))).toEqual(
      violations("probe health probes port 443, not the proof server's port 6300", "probe health path is /; probe /health"),
    );
    expect(await runResourcePolicy(azRule, resource("azure-native:network:ApplicationGateway", "agw", { backendHttpSettingsCollection: [{ name: "s", port: 6300 }] }))).toEqual(violations('no custom probe: the default probe requests "/", not /health'));
  });
});
