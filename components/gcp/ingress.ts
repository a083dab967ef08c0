import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import { getUptimeCheckIPsOutput } from "@pulumi/gcp/monitoring/getUptimeCheckIPs";
import type { GcpCertificateSettings } from "../../src/config/types";
import { cloudArmorRules } from "../../src/ingress/gcp-armor";
import { PROOF_SERVER_PORT, PROVE_PATH, type IngressSettings } from "../../src/ingress/model";
import { autoNamed, GCP_NAME_MAX } from "../../src/naming";
import { QUARANTINE_RULE_PRIORITY } from "../../src/quarantine";

/** Named port of the instance group that backend services send to. */
export const GCP_NAMED_PORT = "proof-server";
/** Health check cadence: 3 failures x 10 s marks an instance unhealthy well inside the P0 window. */
export const GCP_HEALTH_CHECK = { checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 3 } as const;
/** URL-map path rule whose metrics are the proof requests' own (label matched_url_path_rule). */
export const PROVE_PATH_RULE = [PROVE_PATH, `${PROVE_PATH}/*`] as const;

export interface GcpIngressInputs {
  readonly settings: IngressSettings;
  readonly project: string;
  readonly instanceGroup: pulumi.Input<string>;
  readonly healthCheck: compute.HealthCheck;
  readonly certificate?: GcpCertificateSettings;
  /** Quarantine (src/quarantine.ts): Cloud Armor refuses every client; backend service, health check and forwarding rules stay. */
  readonly quarantined?: boolean;
  readonly labels: Record<string, string>;
}

export interface GcpIngress {
  readonly backendService: compute.BackendService;
  readonly address: compute.GlobalAddress;
  readonly forwardingRules: compute.GlobalForwardingRule[];
  readonly urlMap?: compute.URLMap;
  readonly securityPolicy?: compute.SecurityPolicy;
  readonly endpoint: pulumi.Output<string>;
  /** Host the uptime check probes: the certificate's name when known (so it can be validated), else the address. */
  readonly checkHost: pulumi.Output<string>;
  /** Whether that host's certificate can be validated. */
  readonly checkValidatesSsl: boolean;
}

/** A global forwarding rule of the load balancer's address on one port. */
function forwardingRule(name: string, inputs: GcpIngressInputs, address: compute.GlobalAddress, target: pulumi.Input<string>, port: number, parent: pulumi.Resource): compute.GlobalForwardingRule {
  return new compute.GlobalForwardingRule(autoNamed(name, GCP_NAME_MAX), {
    project: inputs.project,
    target,
    ipAddress: address.address,
    ipProtocol: "TCP",
    portRange: String(port),
    loadBalancingScheme: "EXTERNAL_MANAGED",
    labels: inputs.labels,
  }, { parent });
}

/**
 * The instance health check both the load balancer and MIG autohealing use. It sends no HTTP
 * request: Google counts only HTTP 200 as a passing HTTP(S) probe, and the server's rate limiter
 * answers /health with 429 under load, so an HTTP check would have autohealing recreate every busy
 * instance. A TLS handshake (SSL check, TLS backends) or a TCP connect (TCP check, plaintext
 * backends) on 6300 is answered by the proof server itself and fails once the container is gone
 * (Confidential Space has no other listener on the port). The health check protocol does not have
 * to match the backend service's. Sources in docs/ingress-health-and-rate-limits.md:
 * https://cloud.google.com/load-balancing/docs/health-check-concepts (success criteria),
 * https://cloud.google.com/load-balancing/docs/health-checks (protocol need not match),
 * kubernetes/ingress-gce#1768 (only 200 passes; not configurable).
 */
export function gcpHealthCheck(name: string, protocol: "HTTPS" | "HTTP", parent: pulumi.Resource): compute.HealthCheck {
  // No request or response: the connection (handshake) alone indicates health.
  const check = { port: PROOF_SERVER_PORT };
  return new compute.HealthCheck(autoNamed(`${name}-health`, GCP_NAME_MAX), {
    description: protocol === "HTTPS"
      ? `TLS handshake on ${PROOF_SERVER_PORT}, answered by the server inside the TEE; no HTTP request, so a rate-limited (429) server stays healthy`
      : `TCP connect on ${PROOF_SERVER_PORT}, accepted by the server inside the TEE; no HTTP request, so a rate-limited (429) server stays healthy`,
    ...GCP_HEALTH_CHECK,
    ...(protocol === "HTTPS" ? { sslHealthCheck: check } : { tcpHealthCheck: check }),
    logConfig: { enable: true },
  }, { parent });
}

/**
 * Quarantine: a Cloud Armor rule before every other (priority 0) refusing every source. Cloud Armor
 * acts on client traffic at Google's front ends and supports the global external proxy Network
 * Load Balancer as well as the Application Load Balancer; health-check probes go from Google's
 * health-check systems straight to the backends, so they keep running
 * (https://cloud.google.com/armor/docs/security-policy-overview,
 * https://cloud.google.com/armor/docs/integrating-cloud-armor). A backend's capacityScaler 0 would
 * not do: it is refused when the backend service has only one backend, as ours has.
 */
/**
 * The statuses a Cloud Armor `deny(STATUS)` action accepts: 403, 404 and 502
 * (@pulumi/gcp types, SecurityPolicyRule.action; 429 only as a rate-limit exceedAction). 502 says
 * "the service behind the gateway is unavailable", the nearest to the ALB's 503 on AWS.
 */
export const CLOUD_ARMOR_DENY_STATUSES = [403, 404, 502] as const;

export function quarantineArmorRule(status: (typeof CLOUD_ARMOR_DENY_STATUSES)[number]) {
  return {
    priority: QUARANTINE_RULE_PRIORITY.cloudArmor,
    description: "quarantine: refuse every client",
    action: `deny(${status})`,
    match: { versionedExpr: "SRC_IPS_V1" as const, config: { srcIpRanges: ["*"] } },
  };
}

function backendService(name: string, inputs: GcpIngressInputs, protocol: "TCP" | "HTTPS" | "HTTP", securityPolicy: pulumi.Input<string> | undefined, parent: pulumi.Resource): compute.BackendService {
  return new compute.BackendService(autoNamed(`${name}-backend`, GCP_NAME_MAX), {
    project: inputs.project,
    protocol,
    loadBalancingScheme: "EXTERNAL_MANAGED",
    portName: GCP_NAMED_PORT,
    // Default 30 s would cut every proof; this must outlast the job timeout + 60 s.
    timeoutSec: inputs.settings.requestTimeoutSeconds,
    connectionDrainingTimeoutSec: inputs.settings.drainTimeoutSeconds,
    healthChecks: inputs.healthCheck.id,
    backends: [{ group: inputs.instanceGroup, balancingMode: "UTILIZATION", maxUtilization: 0.8, capacityScaler: 1 }],
    ...(securityPolicy ? { securityPolicy } : {}),
    // Request logs carry paths and status codes, never bodies (L7 only).
    ...(protocol === "TCP" ? {} : { logConfig: { enable: true, sampleRate: 1 } }),
  }, { parent });
}

/**
 * passthrough: global external proxy Network Load Balancer (target TCP proxy, backend protocol
 * TCP); TLS ends inside the TEE, so Google's front end only carries ciphertext.
 */
function passthrough(name: string, inputs: GcpIngressInputs, parent: pulumi.Resource): GcpIngress {
  const opts = { parent };
  // Quarantine: passthrough has no Cloud Armor policy of its own, so one that refuses everyone is
  // attached to the backend service (an in-place update) and removed again on resume.
  const quarantine = inputs.quarantined
    ? new compute.SecurityPolicy(autoNamed(`${name}-quarantine`, GCP_NAME_MAX), {
        project: inputs.project,
        type: "CLOUD_ARMOR",
        description: `Quarantine of ${name}: no client connection reaches the fleet`,
        rules: [quarantineArmorRule(403), { ...quarantineArmorRule(403), priority: 2147483647, description: "default rule" }],
      }, opts)
    : undefined;
  const backend = backendService(name, inputs, "TCP", quarantine?.id, parent);
  const proxy = new compute.TargetTCPProxy(autoNamed(`${name}-tcp`, GCP_NAME_MAX), { project: inputs.project, backendService: backend.id, proxyHeader: "NONE" }, opts);
  const address = new compute.GlobalAddress(autoNamed(`${name}-ip`, GCP_NAME_MAX), { project: inputs.project, addressType: "EXTERNAL", ipVersion: "IPV4", labels: inputs.labels }, opts);
  const rule = forwardingRule(`${name}-tcp-${inputs.settings.listenerPort}`, inputs, address, proxy.id, inputs.settings.listenerPort, parent);
  const port = inputs.settings.listenerPort === 443 ? "" : `:${inputs.settings.listenerPort}`;
  // The TEE's own certificate (often self-signed) answers; its expiry is still read.
  return { backendService: backend, address, forwardingRules: [rule], endpoint: pulumi.interpolate`https://${address.address}${port}`, checkHost: address.address, checkValidatesSsl: false };
}

/**
 * Cloud Armor: a per-client-IP rate limit, and the client ranges from config, at most 10 ranges per
 * rule (rules in src/ingress/gcp-armor.ts; config caps how many). When the ranges are restricted,
 * Cloud Monitoring's uptime checkers are allowed too.
 */
function securityPolicy(name: string, inputs: GcpIngressInputs, parent: pulumi.Resource): compute.SecurityPolicy {
  const { allowedClientCidrs, rateLimitPer5Minutes } = inputs.settings;
  const serving = allowedClientCidrs.includes("0.0.0.0/0")
    ? pulumi.output(cloudArmorRules(allowedClientCidrs, rateLimitPer5Minutes, []))
    : getUptimeCheckIPsOutput({ parent }).uptimeCheckIps.apply((ips) =>
        cloudArmorRules(allowedClientCidrs, rateLimitPer5Minutes, ips.map((ip) => (ip.ipAddress.includes(":") ? `${ip.ipAddress}/128` : `${ip.ipAddress}/32`)).sort()),
      );
  // Quarantine: one rule more, before the others; the policy itself is updated in place.
  const rules = inputs.quarantined ? serving.apply((r) => [quarantineArmorRule(502), ...r]) : serving;
  return new compute.SecurityPolicy(autoNamed(`${name}-armor`, GCP_NAME_MAX), {
    project: inputs.project,
    type: "CLOUD_ARMOR",
    description: `Per-client rate limit in front of ${name}`,
    rules,
  }, { parent });
}

/**
 * Opt-in (ingress.httpRedirect) plaintext port 80 on the load balancer's address, answering only
 * with a redirect to HTTPS. Off by default: a client pointed at http:// sends its witness in
 * cleartext before it sees the redirect.
 */
function httpRedirect(name: string, inputs: GcpIngressInputs, address: compute.GlobalAddress, parent: pulumi.Resource): compute.GlobalForwardingRule {
  const redirectMap = new compute.URLMap(autoNamed(`${name}-redirect`, GCP_NAME_MAX), {
    project: inputs.project,
    defaultUrlRedirect: { httpsRedirect: true, stripQuery: false, redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT" },
  }, { parent });
  const httpProxy = new compute.TargetHttpProxy(autoNamed(`${name}-http`, GCP_NAME_MAX), { project: inputs.project, urlMap: redirectMap.id }, { parent });
  return forwardingRule(`${name}-http-80`, inputs, address, httpProxy.id, 80, parent);
}

/**
 * terminate: global external Application Load Balancer with a managed or given certificate, a
 * modern TLS policy, an HTTP redirect to HTTPS only when ingress.httpRedirect asks for it, HTTPS
 * to the TEE unless a plaintext hop was accepted, and Cloud Armor limiting each client's request
 * rate.
 */
function terminate(name: string, inputs: GcpIngressInputs, parent: pulumi.Resource): GcpIngress {
  const opts = { parent };
  if (!inputs.certificate) throw new Error(`${name}: terminate mode needs gcp.certificate`);
  const armor = securityPolicy(name, inputs, parent);
  const backend = backendService(name, inputs, inputs.settings.backendProtocol, armor.id, parent);
  const urlMap = new compute.URLMap(autoNamed(`${name}-urls`, GCP_NAME_MAX), {
    project: inputs.project,
    defaultService: backend.id,
    hostRules: [{ hosts: ["*"], pathMatcher: "prover" }],
    // A path rule of its own so the load balancer's metrics single out proof requests.
    pathMatchers: [{ name: "prover", defaultService: backend.id, pathRules: [{ paths: [...PROVE_PATH_RULE], service: backend.id }] }],
  }, opts);
  const certificates = "managedDomains" in inputs.certificate
    ? [new compute.ManagedSslCertificate(autoNamed(`${name}-cert`, GCP_NAME_MAX), { project: inputs.project, managed: { domains: [...inputs.certificate.managedDomains] } }, opts).id]
    : inputs.certificate.sslCertificates;
  const sslPolicy = new compute.SSLPolicy(autoNamed(`${name}-tls`, GCP_NAME_MAX), { project: inputs.project, profile: "MODERN", minTlsVersion: "TLS_1_2" }, opts);
  const httpsProxy = new compute.TargetHttpsProxy(autoNamed(`${name}-https`, GCP_NAME_MAX), {
    project: inputs.project,
    urlMap: urlMap.id,
    sslCertificates: certificates,
    sslPolicy: sslPolicy.id,
  }, opts);
  const address = new compute.GlobalAddress(autoNamed(`${name}-ip`, GCP_NAME_MAX), { project: inputs.project, addressType: "EXTERNAL", ipVersion: "IPV4", labels: inputs.labels }, opts);
  const httpsRule = forwardingRule(`${name}-https-${inputs.settings.listenerPort}`, inputs, address, httpsProxy.id, inputs.settings.listenerPort, parent);
  const httpRules = inputs.settings.httpRedirect ? [httpRedirect(name, inputs, address, parent)] : [];
  const port = inputs.settings.listenerPort === 443 ? "" : `:${inputs.settings.listenerPort}`;
  const host = "managedDomains" in inputs.certificate ? pulumi.output(inputs.certificate.managedDomains[0]!) : address.address;
  const named = "managedDomains" in inputs.certificate;
  return { backendService: backend, address, forwardingRules: [httpsRule, ...httpRules], urlMap, securityPolicy: armor, endpoint: pulumi.interpolate`https://${host}${port}`, checkHost: host, checkValidatesSsl: named };
}

export function gcpIngress(name: string, inputs: GcpIngressInputs, parent: pulumi.Resource): GcpIngress {
  return inputs.settings.mode === "passthrough" ? passthrough(name, inputs, parent) : terminate(name, inputs, parent);
}
