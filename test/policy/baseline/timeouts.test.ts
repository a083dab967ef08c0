import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsLbLoadBalancerEnforceIdleTimeout as albRule } from "../../../policy/baseline/rules/aws-lb-loadbalancer-enforce-idle-timeout";
import { awsLbListenerEnforceTcpIdleTimeout as nlbRule } from "../../../policy/baseline/rules/aws-lb-listener-enforce-tcp-idle-timeout";
import { awsLbTargetGroupEnforceDeregistrationDelay as tgRule } from "../../../policy/baseline/rules/aws-lb-targetgroup-enforce-deregistration-delay";
import { gcpComputeBackendServiceEnforceTimeouts as gcpRule } from "../../../policy/baseline/rules/gcp-compute-backendservice-enforce-timeouts";
import { azureNetworkLoadBalancerEnforceIdleTimeout as azLbRule } from "../../../policy/baseline/rules/azure-network-loadbalancer-enforce-idle-timeout";
import { azureNetworkApplicationGatewayEnforceTimeouts as agwRule } from "../../../policy/baseline/rules/azure-network-applicationgateway-enforce-timeouts";
import { awsDev, azureDev, gcpDev, NONE, ofType, pick, resource, violations, withProps } from "./dev-stacks";

// The shipped stacks derive every timeout from jobTimeoutSeconds 600 (660 s); the broken
// program has a 60 s load balancer.

const FLOOR = "every timeout on the request path must be at least 660 s (jobTimeoutSeconds 600 + 60)";

describe("aws-lb-loadbalancer-enforce-idle-timeout", () => {
  const alb = pick(awsDev, "aws:lb/loadBalancer:LoadBalancer", "prover-dev-alb");

  it("passes the dev ALB (660 s) and refuses 60 s, or the 60 s default when left out", async () => {
    expect(await runResourcePolicy(albRule, alb)).toEqual(NONE);
    expect(await runResourcePolicy(albRule, withProps(alb, { idleTimeout: 60 }))).toEqual(violations(`idleTimeout is 60 s; ${FLOOR}`));
    expect(await runResourcePolicy(albRule, withProps(alb, { idleTimeout: undefined }))).toEqual(violations(`idleTimeout is 60 s (the default); ${FLOOR}`));
  });

  it("follows the configured job timeout and leaves network load balancers to their listeners", async () => {
    expect(await runResourcePolicy(albRule, alb, { jobTimeoutSeconds: 900 })).toEqual(violations("idleTimeout is 660 s; every timeout on the request path must be at least 960 s (jobTimeoutSeconds 900 + 60)"));
    expect(await runResourcePolicy(albRule, withProps(alb, { loadBalancerType: "network", idleTimeout: undefined }))).toEqual(NONE);
  });
});

describe("aws-lb-listener-enforce-tcp-idle-timeout", () => {
  const tcp = resource("aws:lb/listener:Listener", "passthrough", { protocol: "TCP", port: 443, tcpIdleTimeoutSeconds: 660, loadBalancerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/1" });

  it("passes a TCP listener at 660 s and the dev stack's HTTPS listener", async () => {
    expect(await runResourcePolicy(nlbRule, tcp)).toEqual(NONE);
    expect(await runResourcePolicy(nlbRule, pick(awsDev, "aws:lb/listener:Listener", "prover-dev-https-443"))).toEqual(NONE);
  });

  it("refuses the 350 s default and a TLS listener, whose idle timeout is fixed", async () => {
    expect(await runResourcePolicy(nlbRule, withProps(tcp, { tcpIdleTimeoutSeconds: undefined }))).toEqual(violations(`tcpIdleTimeoutSeconds is 350 s (the default); ${FLOOR}`));
    expect(await runResourcePolicy(nlbRule, withProps(tcp, { protocol: "TLS" }))).toEqual(violations("a TLS listener's idle timeout is fixed at 350 s, below 660 s (jobTimeoutSeconds 600 + 60); use a TCP listener (TLS passthrough) with tcpIdleTimeoutSeconds"));
    expect(await runResourcePolicy(nlbRule, withProps(tcp, { protocol: "TLS" }), { jobTimeoutSeconds: 240 })).toEqual(NONE);
  });
});

describe("aws-lb-targetgroup-enforce-deregistration-delay", () => {
  it("passes both dev target groups (660 s) and refuses the 300 s default", async () => {
    for (const tg of ofType(awsDev, "aws:lb/targetGroup:TargetGroup")) expect(await runResourcePolicy(tgRule, tg)).toEqual(NONE);
    const tg = pick(awsDev, "aws:lb/targetGroup:TargetGroup", "prover-dev-prove");
    expect(await runResourcePolicy(tgRule, withProps(tg, { deregistrationDelay: undefined }))).toEqual(violations(`deregistrationDelay is 300 s (the default); ${FLOOR}`));
    expect(await runResourcePolicy(tgRule, withProps(tg, { deregistrationDelay: "30" }))).toEqual(violations(`deregistrationDelay is 30 s; ${FLOOR}`));
  });
});

describe("gcp-compute-backendservice-enforce-timeouts", () => {
  const backend = pick(gcpDev, "gcp:compute/backendService:BackendService", "prover-dev-gcp-backend");

  it("passes the dev backend service (660 s both)", async () => {
    expect(await runResourcePolicy(gcpRule, backend)).toEqual(NONE);
  });

  it("refuses the defaults (30 s response timeout, 300 s draining) and a 60 s timeout", async () => {
    expect(await runResourcePolicy(gcpRule, withProps(backend, { timeoutSec: undefined, connectionDrainingTimeoutSec: undefined }))).toEqual(
      violations(`timeoutSec is 30 s (the default); ${FLOOR}`, `connectionDrainingTimeoutSec is 300 s (the default); ${FLOOR}`),
    );
    expect(await runResourcePolicy(gcpRule, withProps(backend, { timeoutSec: 60 }))).toEqual(violations(`timeoutSec is 60 s; ${FLOOR}`));
  });

  it("judges only draining on a regional passthrough backend service", async () => {
    const regional = resource("gcp:compute/regionBackendService:RegionBackendService", "nlb", { protocol: "TCP", loadBalancingScheme: "EXTERNAL", connectionDrainingTimeoutSec: 660 });
    expect(await runResourcePolicy(gcpRule, regional)).toEqual(NONE);
    expect(await runResourcePolicy(gcpRule, withProps(regional, { protocol: "HTTP", loadBalancingScheme: "EXTERNAL_MANAGED" }))).toEqual(violations(`timeoutSec is 30 s (the default); ${FLOOR}`));
  });
});

describe("azure-network-loadbalancer-enforce-idle-timeout", () => {
  const lb = resource("azure-native:network:LoadBalancer", "prover-lb", { loadBalancingRules: [{ name: "proof", protocol: "Tcp", frontendPort: 443, backendPort: 6300, idleTimeoutInMinutes: 11 }] });

  it("passes 11 minutes and refuses the 4-minute default", async () => {
    expect(await runResourcePolicy(azLbRule, lb)).toEqual(NONE);
    expect(await runResourcePolicy(azLbRule, resource("azure-native:network:LoadBalancer", "prover-lb", { loadBalancingRules: [{ name: "proof", protocol: "Tcp" }] }))).toEqual(
      violations(`loadBalancingRules[0] (proof) idleTimeoutInMinutes is 4 min (the default); ${FLOOR}`),
    );
  });
});

describe("azure-network-applicationgateway-enforce-timeouts", () => {
  const settings = { name: "proof", port: 6300, protocol: "Http", requestTimeout: 660, connectionDraining: { enabled: true, drainTimeoutInSec: 660 } };
  const agw = resource("azure-native:network:ApplicationGateway", "prover-agw", { backendHttpSettingsCollection: [settings] });

  it("passes 660 s with draining and refuses the 30 s default and missing or short draining", async () => {
    expect(await runResourcePolicy(agwRule, agw)).toEqual(NONE);
    expect(await runResourcePolicy(agwRule, withProps(agw, { backendHttpSettingsCollection: [{ name: "proof", port: 6300 }] }))).toEqual(
      violations(`backendHttpSettingsCollection[0] (proof) requestTimeout is 30 s (the default); ${FLOOR}`, "backendHttpSettingsCollection[0] (proof) has no connection draining; enable it with drainTimeoutInSec at least 660 s (jobTimeoutSeconds 600 + 60)"),
    );
    expect(await runResourcePolicy(agwRule, withProps(agw, { backendHttpSettingsCollection: [{ ...settings, connectionDraining: { enabled: true, drainTimeoutInSec: 60 } }] }))).toEqual(
      violations(`backendHttpSettingsCollection[0] (proof) connectionDraining.drainTimeoutInSec is 60 s; ${FLOOR}`),
    );
  });
});

describe("Azure dev stack request path", () => {
  const agw = pick(azureDev, "azure-native:network:ApplicationGateway", "prover-dev-azure-agw");
  const settings = (agw.props["backendHttpSettingsCollection"] as Record<string, unknown>[])[0]!;

  it("passes the dev gateway (660 s request timeout and draining) and refuses a 60 s request timeout", async () => {
    expect(await runResourcePolicy(agwRule, agw)).toEqual(NONE);
    expect(await runResourcePolicy(agwRule, withProps(agw, { backendHttpSettingsCollection: [{ ...settings, requestTimeout: 60 }] }))).toEqual(violations(`backendHttpSettingsCollection[0] (provers) requestTimeout is 60 s; ${FLOOR}`));
  });
});
