import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as lb from "@pulumi/aws/lb";
import * as vpc from "@pulumi/aws/vpc";
import * as wafv2 from "@pulumi/aws/wafv2";
import { ALIVE_STATUSES, HEALTH_PATH, PROOF_SERVER_PORT, PROVE_PATH, type IngressSettings } from "../../src/ingress/model";
import { AWS_NAME_LIMITS, autoNamed, metricSafe } from "../../src/naming";
import { QUARANTINE_RULE_PRIORITY } from "../../src/quarantine";
import type { FleetNetwork } from "./network";

/** Health check cadence: 3 failures x 10 s marks a host unhealthy well inside the P0 window (3 x 60 s). */
export const HEALTH_CHECK = { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 } as const;

export interface IngressInputs {
  readonly settings: IngressSettings;
  readonly network: FleetNetwork;
  readonly certificateArn?: pulumi.Input<string>;
  readonly tlsPolicy: string;
  /** Keep the load balancer from being deleted by a stray `pulumi destroy` (prod). */
  readonly deletionProtection: boolean;
  /** Quarantine (src/quarantine.ts): refuse every client, keep the listeners, target groups and health checks. */
  readonly quarantined?: boolean;
  readonly tags: Record<string, string>;
}

export interface FleetIngress {
  readonly loadBalancer: lb.LoadBalancer;
  /** The security group hosts admit 6300 from, and nothing else. */
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** Every target group the fleet registers in (terminate mode routes /prove separately). */
  readonly targetGroups: lb.TargetGroup[];
  /** The default target group: health checks and all routes except /prove. */
  readonly targetGroup: lb.TargetGroup;
  /** terminate mode: the /prove target group, whose metrics are the proof requests' own. */
  readonly proveTargetGroup?: lb.TargetGroup;
  readonly listeners: lb.Listener[];
  readonly webAcl?: wafv2.WebAcl;
  /** URL clients use. */
  readonly endpoint: pulumi.Output<string>;
}

/**
 * GET /health on the proof server. 429 counts as healthy: the server's rate limiter answers it on
 * every route, /health included, so under a burst of client traffic a live server answers its
 * health check with 429. Read as unhealthy, the load balancer would take every busy host out of
 * rotation and the ASG's ELB health check would replace them all. A dead enclave still fails:
 * connection refused, a timeout or a broken TLS handshake never yields a status code.
 * Matcher syntax and ranges (ALB 200-499, NLB 200-599, both take "200,429"):
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Matcher.html
 * See docs/ingress-health-and-rate-limits.md.
 */
function healthCheck(protocol: "HTTPS" | "HTTP") {
  return {
    enabled: true,
    protocol,
    path: HEALTH_PATH,
    port: "traffic-port",
    matcher: ALIVE_STATUSES.join(","),
    interval: HEALTH_CHECK.intervalSeconds,
    timeout: HEALTH_CHECK.timeoutSeconds,
    healthyThreshold: HEALTH_CHECK.healthyThreshold,
    unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
  };
}

/**
 * The load balancer's security group; `admitClients` false (a quarantined NLB) declares no client
 * ingress rule, so no client reaches the listener. Health checks still run: an NLB's security group
 * filters them only outbound, never inbound
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html,
 * Considerations). Connections already established are tracked and not cut by removing a rule.
 */
function loadBalancerSecurityGroup(name: string, inputs: IngressInputs, listenerPorts: number[], parent: pulumi.Resource, admitClients = true): ec2.SecurityGroup {
  const opts = { parent };
  const sg = new ec2.SecurityGroup(`${name}-lb`, {
    vpcId: inputs.network.vpcId,
    description: `Load balancer of ${name}: clients in, proof server port out`,
    tags: { ...inputs.tags, Name: `${name}-lb` },
  }, opts);
  for (const port of admitClients ? listenerPorts : []) {
    inputs.settings.allowedClientCidrs.forEach((cidr, i) => {
      new vpc.SecurityGroupIngressRule(`${name}-lb-in-${port}-${i}`, {
        securityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: cidr,
        description: `clients to listener ${port}`,
      }, opts);
    });
  }
  return sg;
}

/** Egress from the load balancer to the hosts' port only, once the host group exists. */
export function allowLoadBalancerToHosts(name: string, lbSg: ec2.SecurityGroup, hostSg: ec2.SecurityGroup, parent: pulumi.Resource): void {
  new vpc.SecurityGroupEgressRule(`${name}-lb-out-hosts`, {
    securityGroupId: lbSg.id,
    ipProtocol: "tcp",
    fromPort: PROOF_SERVER_PORT,
    toPort: PROOF_SERVER_PORT,
    referencedSecurityGroupId: hostSg.id,
    description: "requests and health checks to the proof server",
  }, { parent });
  new vpc.SecurityGroupIngressRule(`${name}-hosts-in-lb`, {
    securityGroupId: hostSg.id,
    ipProtocol: "tcp",
    fromPort: PROOF_SERVER_PORT,
    toPort: PROOF_SERVER_PORT,
    referencedSecurityGroupId: lbSg.id,
    description: "proof server port, from the load balancer only",
  }, { parent });
}

/**
 * passthrough: NLB, TCP listener -> TCP target group on 6300; TLS ends inside the enclave, so the
 * NLB and the parent's vsock forwarder carry only ciphertext.
 */
function passthrough(name: string, inputs: IngressInputs, parent: pulumi.Resource): FleetIngress {
  const opts = { parent };
  const { settings } = inputs;
  // Quarantine: an NLB listener can only forward, so the door is closed at its security group.
  const sg = loadBalancerSecurityGroup(name, inputs, [settings.listenerPort], parent, !inputs.quarantined);
  const nlb = new lb.LoadBalancer(autoNamed(`${name}-nlb`, AWS_NAME_LIMITS.loadBalancer), {
    loadBalancerType: "network",
    internal: false,
    subnets: inputs.network.publicSubnetIds,
    securityGroups: [sg.id],
    enableCrossZoneLoadBalancing: true,
    enableDeletionProtection: inputs.deletionProtection,
    tags: inputs.tags,
  }, opts);
  const tg = new lb.TargetGroup(autoNamed(`${name}-tcp`, AWS_NAME_LIMITS.targetGroup), {
    vpcId: inputs.network.vpcId,
    targetType: "instance",
    protocol: "TCP",
    port: PROOF_SERVER_PORT,
    // A host leaving the fleet keeps its connections until running proofs can finish.
    deregistrationDelay: settings.drainTimeoutSeconds,
    // The enclave's own TLS answers the health check: a host is healthy only when the TEE serves.
    healthCheck: healthCheck("HTTPS"),
    tags: inputs.tags,
  }, opts);
  const listener = new lb.Listener(`${name}-tcp-${settings.listenerPort}`, {
    loadBalancerArn: nlb.arn,
    protocol: "TCP",
    port: settings.listenerPort,
    // Default 350 s would cut a proof that runs up to the job timeout.
    tcpIdleTimeoutSeconds: settings.requestTimeoutSeconds,
    defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    tags: inputs.tags,
  }, opts);
  const port = settings.listenerPort === 443 ? "" : `:${settings.listenerPort}`;
  return {
    loadBalancer: nlb,
    loadBalancerSecurityGroup: sg,
    targetGroups: [tg],
    targetGroup: tg,
    listeners: [listener],
    endpoint: pulumi.interpolate`https://${nlb.dnsName}${port}`,
  };
}

/**
 * terminate: ALB with an HTTPS listener (ACM certificate, TLS 1.2+ policy), an HTTP :80 redirect
 * only when ingress.httpRedirect asks for it, re-encryption to the enclave unless a plaintext hop
 * was accepted, and a WAF web ACL limiting each client's request rate.
 */
function terminate(name: string, inputs: IngressInputs, parent: pulumi.Resource): FleetIngress {
  const opts = { parent };
  const { settings } = inputs;
  if (!inputs.certificateArn) throw new Error(`${name}: terminate mode needs certificateArn (aws.certificateArn)`);
  // Port 80 only on request (ingress.httpRedirect): it is a cleartext port clients can misuse.
  const sg = loadBalancerSecurityGroup(name, inputs, settings.httpRedirect ? [settings.listenerPort, 80] : [settings.listenerPort], parent);
  const alb = new lb.LoadBalancer(autoNamed(`${name}-alb`, AWS_NAME_LIMITS.loadBalancer), {
    loadBalancerType: "application",
    internal: false,
    subnets: inputs.network.publicSubnetIds,
    securityGroups: [sg.id],
    // Default 60 s would cut every proof longer than a minute.
    idleTimeout: settings.requestTimeoutSeconds,
    dropInvalidHeaderFields: true,
    desyncMitigationMode: "defensive",
    // "append" (the default) keeps the client's own X-Forwarded-For and adds its address. The
    // server keys its rate limiter on that raw header, so a client that sends its own header gets a
    // fresh bucket per request; "remove" would put every client in one bucket, and no mode
    // replaces the header. The per-client limit is the WAF's per-IP rule below, not the server's.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
    xffHeaderProcessingMode: "append",
    enableDeletionProtection: inputs.deletionProtection,
    tags: inputs.tags,
  }, opts);
  const targetGroup = (suffix: string) =>
    new lb.TargetGroup(autoNamed(`${name}-${suffix}`, AWS_NAME_LIMITS.targetGroup), {
      vpcId: inputs.network.vpcId,
      targetType: "instance",
      protocol: settings.backendProtocol,
      protocolVersion: "HTTP1",
      port: PROOF_SERVER_PORT,
      deregistrationDelay: settings.drainTimeoutSeconds,
      healthCheck: healthCheck(settings.backendProtocol),
      tags: inputs.tags,
    }, opts);
  const defaultTg = targetGroup("web");
  const proveTg = targetGroup("prove");
  const https = new lb.Listener(`${name}-https-${settings.listenerPort}`, {
    loadBalancerArn: alb.arn,
    protocol: "HTTPS",
    port: settings.listenerPort,
    sslPolicy: inputs.tlsPolicy,
    certificateArn: inputs.certificateArn,
    defaultActions: [{ type: "forward", targetGroupArn: defaultTg.arn }],
    tags: inputs.tags,
  }, opts);
  new lb.ListenerRule(`${name}-prove`, {
    listenerArn: https.arn,
    priority: 10,
    conditions: [{ pathPattern: { values: [PROVE_PATH, `${PROVE_PATH}/*`] } }],
    actions: [{ type: "forward", targetGroupArn: proveTg.arn }],
    tags: inputs.tags,
  }, opts);
  if (inputs.quarantined) {
    // Quarantine: before every other rule, a 503 for every path. The default action and the /prove
    // rule still forward, so both target groups stay in use and keep their health checks (an ALB
    // checks only target groups a listener or rule routes to:
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
    new lb.ListenerRule(`${name}-quarantine`, {
      listenerArn: https.arn,
      priority: QUARANTINE_RULE_PRIORITY.albListenerRule,
      conditions: [{ pathPattern: { values: ["/*"] } }],
      actions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "503", messageBody: "quarantined: this prover is out of service" } }],
      tags: inputs.tags,
    }, opts);
  }
  // Opt-in: a client pointed at http:// sends its witness in cleartext before it sees a redirect.
  const redirect = settings.httpRedirect
    ? [new lb.Listener(`${name}-http-80`, {
        loadBalancerArn: alb.arn,
        protocol: "HTTP",
        port: 80,
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: String(settings.listenerPort), statusCode: "HTTP_301" } }],
        tags: inputs.tags,
      }, opts)]
    : [];
  const metricPrefix = metricSafe(name);
  const webAcl = new wafv2.WebAcl(`${name}-waf`, {
    scope: "REGIONAL",
    description: `Per-client rate limit in front of ${name}`,
    defaultAction: { allow: {} },
    rules: [{
      name: "per-client-rate-limit",
      priority: 1,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: settings.rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
      // No sampled requests: they would show API keys from request headers in the console.
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: `${metricPrefix}-rate-limit`, sampledRequestsEnabled: false },
    }],
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: `${metricPrefix}-waf`, sampledRequestsEnabled: false },
    tags: inputs.tags,
  }, opts);
  new wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: webAcl.arn }, opts);
  const port = settings.listenerPort === 443 ? "" : `:${settings.listenerPort}`;
  return {
    loadBalancer: alb,
    loadBalancerSecurityGroup: sg,
    targetGroups: [defaultTg, proveTg],
    targetGroup: defaultTg,
    proveTargetGroup: proveTg,
    listeners: [https, ...redirect],
    webAcl,
    endpoint: pulumi.interpolate`https://${alb.dnsName}${port}`,
  };
}

export function fleetIngress(name: string, inputs: IngressInputs, parent: pulumi.Resource): FleetIngress {
  return inputs.settings.mode === "passthrough" ? passthrough(name, inputs, parent) : terminate(name, inputs, parent);
}
