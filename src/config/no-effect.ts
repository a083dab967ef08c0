import type { ConfigProblem } from "./errors";
import { CLOUDS } from "./schema";

// Keys that would have no effect in the stack's cloud or ingress mode are refused, not ignored: a
// reader of the stack file would believe the setting applies. Checked on the values as written
// (before defaults fill them in), since a default is not a statement. Keys refused elsewhere with
// their own reason: ingress.plaintextHop, ingress.httpRedirect and backendProtocol HTTP in
// passthrough (resolveIngress), azure.certificate / azure.backendTls in passthrough
// (resolve-azure.ts), gcp.logRedirect against the launch policy, and any key the cloud's schema
// does not have (unknown key).

const PROVIDER_NAMESPACES: Readonly<Record<(typeof CLOUDS)[number], readonly string[]>> = {
  aws: ["aws"],
  gcp: ["gcp", "google-beta"],
  azure: ["azure-native", "azure"],
};

function section(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function given(obj: Record<string, unknown>, key: string): boolean {
  return obj[key] !== undefined;
}

/**
 * Another cloud's section (`gcp:` in an AWS stack) or provider settings (`gcp:project`). The
 * section would otherwise be reported as an unknown key; this says why it is refused.
 */
export function foreignCloudProblems(cloud: (typeof CLOUDS)[number], values: Readonly<Record<string, unknown>>, project: string, includeProviders: boolean): { problems: ConfigProblem[]; foreignSections: string[] } {
  const problems: ConfigProblem[] = [];
  const foreignSections: string[] = [];
  for (const other of CLOUDS) {
    if (other === cloud) continue;
    if (values[`${project}:${other}`] !== undefined) {
      foreignSections.push(other);
      problems.push({ key: other, message: `is the ${other} section, but this stack's cloud is ${cloud}: nothing reads it, so it would have no effect`, fix: `remove the ${other}: section (or set cloud: ${other})` });
    }
  }
  if (includeProviders) {
    const foreign = CLOUDS.filter((c) => c !== cloud).flatMap((c) => PROVIDER_NAMESPACES[c].map((ns) => ({ cloud: c, ns })));
    for (const key of Object.keys(values)) {
      const hit = foreign.find((f) => key.startsWith(`${f.ns}:`));
      if (hit) problems.push({ key, message: `is a setting of the ${hit.ns} provider, but this stack's cloud is ${cloud}: the program creates no ${hit.cloud} resource, so it has no effect`, fix: `pulumi config rm ${key}` });
    }
  }
  return { problems, foreignSections };
}

/** Keys that the ingress mode (or another key) makes pointless. `values` are the project's keys without the namespace. */
export function noEffectProblems(cloud: (typeof CLOUDS)[number], values: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ingress = section(values["ingress"]);
  const passthrough = ingress["mode"] === "passthrough";
  if (passthrough) {
    if (given(ingress, "rateLimitPer5Minutes")) {
      problems.push({ key: "ingress.rateLimitPer5Minutes", message: "has no effect in passthrough: the rate limit is a WAF / Cloud Armor / Application Gateway WAF rule on decrypted HTTP requests, and a passthrough load balancer forwards TCP it cannot read", fix: "remove ingress.rateLimitPer5Minutes (the proof server's own limiter still answers 429), or use ingress.mode: terminate" });
    }
    if (ingress["backendProtocol"] === "HTTPS") {
      problems.push({ key: "ingress.backendProtocol", message: "has no effect in passthrough: the load balancer forwards TCP, and TLS ends inside the TEE", fix: "remove ingress.backendProtocol" });
    }
  }
  if (cloud === "aws") {
    const aws = section(values["aws"]);
    if (passthrough && given(aws, "certificateArn")) {
      problems.push({ key: "aws.certificateArn", message: "has no effect in passthrough: the NLB forwards TCP and the enclave presents its own certificate", fix: "remove aws.certificateArn, or use ingress.mode: terminate" });
    }
    if (passthrough && given(aws, "tlsPolicy")) {
      problems.push({ key: "aws.tlsPolicy", message: "has no effect in passthrough: it is the ALB's TLS policy, and the NLB does not terminate TLS", fix: "remove aws.tlsPolicy, or use ingress.mode: terminate" });
    }
    if (given(aws, "pinParentRoleOffReason") && aws["pinParentRole"] !== false) {
      problems.push({ key: "aws.pinParentRoleOffReason", message: "has no effect while aws.pinParentRole is true (the default): PCR3 is pinned, so there is nothing to justify", fix: "remove aws.pinParentRoleOffReason" });
    }
  } else if (cloud === "gcp") {
    const gcp = section(values["gcp"]);
    if (passthrough && given(gcp, "certificate")) {
      problems.push({ key: "gcp.certificate", message: "has no effect in passthrough: the TCP proxy forwards TLS to the workload, which presents its own certificate", fix: "remove gcp.certificate, or use ingress.mode: terminate" });
    }
  } else {
    const azure = section(values["azure"]);
    const network = section(azure["network"]);
    if (passthrough) {
      for (const k of ["appGatewaySubnetId", "appGatewaySubnetCidr"]) {
        if (given(network, k)) problems.push({ key: `azure.network.${k}`, message: "has no effect in passthrough: there is no Application Gateway, the Standard Load Balancer forwards TCP to the hosts' subnet", fix: `remove azure.network.${k}, or use ingress.mode: terminate` });
      }
    } else if (ingress["backendProtocol"] === "HTTP" && given(azure, "backendTls")) {
      problems.push({ key: "azure.backendTls", message: "has no effect with ingress.backendProtocol HTTP: the gateway speaks plain HTTP to the hosts and checks no certificate", fix: "remove azure.backendTls, or use backendProtocol HTTPS with an image that serves TLS" });
    }
    const secrets = section(azure["secrets"]);
    if (given(secrets, "containerUid") && !given(secrets, "tlsCertificate")) {
      problems.push({ key: "azure.secrets.containerUid", message: "has no effect without TLS secrets: it owns the certificate and key files in the tmpfs; the API key reaches the container through a root-only environment file", fix: "remove azure.secrets.containerUid, or set azure.secrets.tlsCertificate and tlsKey" });
    }
    // Microsoft.Consumption budgets have an amount but no currency field (components/azure/budget.ts).
    if (given(section(values["budget"]), "currency")) {
      problems.push({ key: "budget.currency", message: "has no effect on Azure: a consumption budget counts in the subscription's billing currency and takes none", fix: "remove budget.currency (set budget.monthlyAmount in the billing currency)" });
    }
  }
  return problems;
}
