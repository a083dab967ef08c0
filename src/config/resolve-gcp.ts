// GCP (Confidential Space) stack config: project, region, zones, the confidential type and machine
// family, images and launch policies, Cloud Armor ranges. Shared resolution lives in resolve.ts.
import { ARMOR_MAX_CLIENT_CIDRS, ARMOR_MAX_CLIENT_RULES, ARMOR_RANGES_PER_RULE, ARMOR_THROTTLE_COUNT_MAX } from "../ingress/gcp-armor";
import { type ConfigProblem } from "./errors";
import { gcpMachineTypeProblem } from "./sizes";
import { type RawGcpStackConfig } from "./schema";
import { type ContainerRelease, type GcpStackConfig } from "./types";
import { resolveIngress, secretsInProofServerEnv, sharedSettings, type ConfigSource, type IngressRules } from "./resolve";

/** Range limits of the GCP request-path timeouts (provider types do not check them). */
export const GCP_LIMITS = {
  /** Global external load balancers' backend service timeout (default 30 s). */
  backendServiceTimeoutSeconds: { min: 1, max: 86400 },
  connectionDrainingSeconds: { min: 0, max: 3600 },
} as const;

function gcpIngressRules(): IngressRules {
  return {
    requestTimeout: { name: "backend service timeoutSec", ...GCP_LIMITS.backendServiceTimeoutSeconds },
    drain: { name: "backend service connection draining", max: GCP_LIMITS.connectionDrainingSeconds.max },
    artifact: "image",
    tlsFix: "pin an image that serves TLS with this stack's environment (releases[].servesTls: true)",
  };
}

/**
 * The technologies Confidential Space runs on and their machine families. Confidential Space takes
 * SEV or TDX (deploy-workloads: `--confidential-compute-type` "SEV" or "TDX"; its attestation
 * token's hwmodel is GCP_AMD_SEV, GCP_AMD_SEV_ES or GCP_INTEL_TDX, never SEV-SNP). Families per
 * technology: Confidential VM supported configurations (SEV: N2D, C2D; TDX: C3). Sources in
 * docs/gcp-confidential-space-facts.md.
 */
const CONFIDENTIAL_SPACE_FAMILIES: Record<"SEV" | "TDX", readonly string[]> = {
  SEV: ["n2d", "c2d"],
  TDX: ["c3"],
};
const CONFIDENTIAL_SPACE_DOCS = "https://cloud.google.com/confidential-computing/confidential-space/docs/deploy-workloads";

export function resolveGcp(source: ConfigSource, raw: RawGcpStackConfig, problems: ConfigProblem[]): GcpStackConfig | undefined {
  const project = source.values["gcp:project"];
  const region = source.values["gcp:region"];
  if (typeof project !== "string" || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
    problems.push({ key: "gcp:project", message: project === undefined ? "is required for cloud gcp" : `"${String(project)}" is not a GCP project id`, fix: "pulumi config set gcp:project <project-id>" });
  }
  if (typeof region !== "string" || !/^[a-z]+-[a-z]+\d+$/.test(region)) {
    problems.push({ key: "gcp:region", message: region === undefined ? "is required for cloud gcp" : `"${String(region)}" is not a GCP region`, fix: "pulumi config set gcp:region us-central1" });
  }
  const gcp = raw.gcp;
  const family = gcp.machineType.split("-")[0]!;
  let confidentialInstanceType: "SEV" | "TDX" | undefined;
  if (gcp.confidentialInstanceType === "SEV_SNP") {
    problems.push({
      key: "gcp.confidentialInstanceType",
      message: `SEV_SNP is a Confidential VM type that Confidential Space does not run on: its launcher and attestation support AMD SEV and Intel TDX only (${CONFIDENTIAL_SPACE_DOCS})`,
      fix: "use SEV with an n2d or c2d machine type (e.g. n2d-standard-8), or TDX with c3 (e.g. c3-standard-8)",
    });
  } else {
    confidentialInstanceType = gcp.confidentialInstanceType;
    const families = CONFIDENTIAL_SPACE_FAMILIES[confidentialInstanceType];
    if (!families.includes(family)) {
      problems.push({
        key: "gcp.machineType",
        message: `${confidentialInstanceType} runs on ${families.join(" or ")} machines, not ${family} ("${gcp.machineType}")`,
        fix: confidentialInstanceType === "SEV" ? "use an n2d or c2d machine type (e.g. n2d-standard-8), or confidentialInstanceType: TDX with c3" : "use a c3 machine type (e.g. c3-standard-8), or confidentialInstanceType: SEV with n2d",
      });
    } else {
      const missing = gcpMachineTypeProblem(gcp.machineType);
      if (missing) problems.push({ key: "gcp.machineType", message: missing, fix: "use a size the family offers (docs/environments.md, Value checks), e.g. n2d-standard-8 or c3-standard-8" });
    }
  }
  if (/debug/i.test(gcp.image.family) || gcp.image.project !== "confidential-space-images") {
    problems.push({
      key: "gcp.image",
      message: `${gcp.image.project}/${gcp.image.family} is not the production Confidential Space image: the debug image allows SSH and reports dbgstat "enabled", so no pinned secret would be released to it`,
      fix: "remove gcp.image (defaults to confidential-space-images/confidential-space)",
    });
  }
  if (typeof region === "string") {
    gcp.zones.forEach((zone, i) => {
      if (!zone.startsWith(`${region}-`)) problems.push({ key: `gcp.zones[${i}]`, message: `${zone} is not in gcp:region ${region}`, fix: `use zones of ${region}, e.g. ${region}-a` });
    });
  }
  if (new Set(gcp.zones).size !== gcp.zones.length) problems.push({ key: "gcp.zones", message: "lists a zone twice", fix: "list each zone once" });
  if (gcp.fleet.minSize > gcp.fleet.maxSize) problems.push({ key: "gcp.fleet", message: `needs minSize <= maxSize (got ${gcp.fleet.minSize} > ${gcp.fleet.maxSize})`, fix: "adjust gcp.fleet" });

  const releases: ContainerRelease[] = raw.releases.map((r) => ({ ...r, digest: r.image.slice(r.image.indexOf("@") + 1) }));
  const versions = releases.map((r) => r.version);
  const digests = releases.map((r) => r.digest);
  if (new Set(versions).size !== versions.length || new Set(digests).size !== digests.length) {
    problems.push({ key: "releases", message: "lists a release (version or image digest) twice", fix: "list each release once: the running one, then the next during a rotation" });
  }
  // The launcher opens only the ports the image EXPOSEs (launcher/container_runner.go, openPorts,
  // in google/go-tpm-tools): the load balancer, health checks and the prober reach 6300 only if
  // every accepted image exposes it.
  raw.releases.forEach((r, i) => {
    if (!r.exposedPorts.includes(raw.proofServer.port)) {
      problems.push({
        key: `releases[${i}].exposedPorts`,
        message: `the image of ${r.version} does not EXPOSE ${raw.proofServer.port} (it exposes ${r.exposedPorts.length ? r.exposedPorts.join(", ") : "nothing"}); the Confidential Space launcher opens only exposed ports, so every health check would fail and autohealing would recreate the instances forever`,
        fix: `pin an image whose Dockerfile has EXPOSE ${raw.proofServer.port} and list it in releases[${i}].exposedPorts (check with docker buildx imagetools inspect)`,
      });
    }
  });
  // The launcher silently ignores what the launch policy does not allow: refuse it here instead.
  for (const name of Object.keys(raw.proofServer.env)) {
    const refusing = releases.filter((r) => !r.launchPolicy.allowEnvOverride.includes(name)).map((r) => r.version);
    if (refusing.length > 0) {
      problems.push({
        key: `proofServer.env.${name}`,
        message: `the launch policy of ${refusing.join(", ")} does not allow overriding ${name} (tee.launch_policy.allow_env_override); the launcher would silently run the image's default instead`,
        fix: `remove it, or pin an image whose launch policy lists ${name} and say so in releases[].launchPolicy.allowEnvOverride`,
      });
    }
  }
  problems.push(...secretsInProofServerEnv(source, raw.proofServer.env));
  // The condition refuses any token with a command override (src/attestation/gcp-workload-identity.ts),
  // and the stack never sets tee-cmd. An image that accepts one still makes its digest mean "any
  // program in this image" to anyone who can start a VM from it: refuse it rather than rely on the
  // condition alone.
  raw.releases.forEach((r, i) => {
    if (r.launchPolicy.allowCmdOverride) {
      problems.push({
        key: `releases[${i}].launchPolicy.allowCmdOverride`,
        message: `the image of ${r.version} lets whoever starts a VM from it replace its command (tee-cmd, tee.launch_policy.allow_cmd_override); the pinned digest then no longer says what runs, and this stack pins no command (the attestation condition refuses every token with a command override)`,
        fix: "pin an image whose launch policy does not allow a command override (the upstream proof-server image sets none) and set allowCmdOverride: false",
      });
    }
  });
  if (gcp.logRedirect) {
    const refusing = releases.filter((r) => r.launchPolicy.logRedirect !== "always").map((r) => r.version);
    if (refusing.length > 0) {
      problems.push({
        key: "gcp.logRedirect",
        message: `the production image of ${refusing.join(", ")} redirects logs only when its launch policy says "always" (tee.launch_policy.log_redirect); the setting would be ignored`,
        fix: "set gcp.logRedirect: false, or pin an image whose launch policy allows log redirect",
      });
    }
  }
  const ingress = resolveIngress(raw, releases, gcpIngressRules(), problems);
  if (ingress.mode === "passthrough" && !ingress.allowedClientCidrs.includes("0.0.0.0/0")) {
    problems.push({
      key: "ingress.allowedClientCidrs",
      message: "cannot be enforced in passthrough on GCP: the proxy load balancer hides client addresses from the firewall and carries no Cloud Armor policy in this component, so the restriction would be silently ignored",
      fix: "remove ingress.allowedClientCidrs, or use terminate mode, where Cloud Armor enforces it",
    });
  }
  if (ingress.mode === "terminate" && !ingress.allowedClientCidrs.includes("0.0.0.0/0") && ingress.allowedClientCidrs.length > ARMOR_MAX_CLIENT_CIDRS) {
    problems.push({
      key: "ingress.allowedClientCidrs",
      message: `${ingress.allowedClientCidrs.length} ranges need ${Math.ceil(ingress.allowedClientCidrs.length / ARMOR_RANGES_PER_RULE)} Cloud Armor rules (at most ${ARMOR_RANGES_PER_RULE} ranges per rule); this stack takes at most ${ARMOR_MAX_CLIENT_RULES} (${ARMOR_MAX_CLIENT_CIDRS} ranges), since every rule counts against the project's security policy rule quota`,
      fix: `aggregate the ranges into at most ${ARMOR_MAX_CLIENT_CIDRS} CIDRs (larger prefixes), or restrict clients in front of the load balancer`,
    });
  }
  if (ingress.mode === "terminate" && ingress.rateLimitPer5Minutes > ARMOR_THROTTLE_COUNT_MAX) {
    problems.push({
      key: "ingress.rateLimitPer5Minutes",
      message: `${ingress.rateLimitPer5Minutes} is beyond what a Cloud Armor throttle rule counts (1-${ARMOR_THROTTLE_COUNT_MAX} requests per interval); the policy would be refused`,
      fix: `set it to at most ${ARMOR_THROTTLE_COUNT_MAX}`,
    });
  }
  if (ingress.mode === "terminate" && !gcp.certificate) {
    problems.push({ key: "gcp.certificate", message: "is required in terminate mode: the HTTPS proxy needs a certificate", fix: "set gcp.certificate: {managedDomains: [prover.example.com]} or {sslCertificates: [<self link>]}" });
  }
  if (typeof project !== "string" || typeof region !== "string" || !confidentialInstanceType) return undefined;
  return {
    cloud: "gcp",
    ...sharedSettings(raw, ingress),
    releases,
    gcp: {
      project,
      region,
      zones: gcp.zones,
      confidentialInstanceType,
      machineType: gcp.machineType,
      image: gcp.image,
      restartPolicy: gcp.restartPolicy,
      logRedirect: gcp.logRedirect,
      fleet: gcp.fleet,
      bootDiskGb: gcp.bootDiskGb,
      network: gcp.network,
      ...(gcp.certificate ? { certificate: gcp.certificate } : {}),
    },
  };
}
