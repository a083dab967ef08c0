import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsLbListener as Listener } from "../../common/resource-types";
import { ACCEPTANCE_SCHEMA, configOf, namedIn, recs, str, type Acceptance } from "../../common/baseline-props";

// Why (mandatory): witnesses are private data; a plaintext or legacy-TLS listener exposes them on
// the wire. Plaintext needs a stated acceptance in the pack config, not a quiet exception.

const DEFAULTS = {
  allowedSslPolicyPrefixes: ["ELBSecurityPolicy-TLS13-", "ELBSecurityPolicy-FS-"] as readonly string[],
  plaintextAccepted: [] as readonly Acceptance[],
};

/** An HTTP listener whose every default action redirects to HTTPS carries no request body. */
function redirectsToHttps(props: Readonly<Record<string, unknown>>): boolean {
  const actions = recs(props["defaultActions"]);
  return actions.length > 0 && actions.every((a) => a["type"] === "redirect" && str(recs([a["redirect"]])[0]?.["protocol"]) === "HTTPS");
}

export const awsLbListenerRequireModernTls: ResourceValidationPolicy = {
  name: "aws-lb-listener-require-modern-tls",
  description: "Load balancer listeners terminate TLS with a TLS 1.3 / forward-secrecy security policy; HTTP only to redirect to HTTPS or with a stated acceptance. TCP listeners pass TLS through to the TEE and are not judged.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Use protocol HTTPS (or TLS) with sslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06 (or another ELBSecurityPolicy-TLS13-*/FS-* policy); make a port-80 listener redirect to HTTPS; or list the listener with a reason in plaintextAccepted.",
  configSchema: {
    properties: {
      allowedSslPolicyPrefixes: { type: "array", items: { type: "string" }, minItems: 1, default: [...DEFAULTS.allowedSslPolicyPrefixes], description: "Security policy name prefixes accepted." },
      plaintextAccepted: { ...ACCEPTANCE_SCHEMA, default: [], description: "Plaintext listeners accepted in writing: resource is the listener's name or URN, reason why." },
    },
  },
  validateResource: (args, report) => {
    if (!args.isType(Listener)) return args.notApplicable(`applies to ${"aws:lb/listener:Listener"}`);
    const cfg = configOf(args, DEFAULTS);
    const protocol = str(args.props["protocol"])?.toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") {
      const policy = str(args.props["sslPolicy"]);
      // Without sslPolicy, ELB applies its default policy, which still negotiates TLS 1.0/1.1
      // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
      if (policy === undefined) report(`${protocol} listener sets no sslPolicy, so the load balancer's default policy applies; set one of ${cfg.allowedSslPolicyPrefixes.map((p) => `${p}*`).join(", ")}`);
      else if (!cfg.allowedSslPolicyPrefixes.some((p) => policy.startsWith(p))) report(`sslPolicy "${policy}" is not a modern policy; use one of ${cfg.allowedSslPolicyPrefixes.map((p) => `${p}*`).join(", ")}`);
      return;
    }
    if (protocol === "HTTP") {
      if (redirectsToHttps(args.props)) return;
      if (namedIn(cfg.plaintextAccepted, args.name, args.urn)) return;
      report(`plaintext HTTP listener on port ${String(args.props["port"] ?? "?")} forwards requests: serve HTTPS, redirect to HTTPS, or state the acceptance in plaintextAccepted`);
    }
  },
};
