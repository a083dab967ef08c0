import { budgetProblems } from "./budget";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { nitroManifestSchema, type NitroManifest } from "../attestation/manifest";
import { ALL_ZERO_SHA384, SHA384_HEX, type NitroReleasePins, type PcrPin } from "../attestation/pins";
import { ARMOR_MAX_CLIENT_CIDRS, ARMOR_MAX_CLIENT_RULES, ARMOR_RANGES_PER_RULE, ARMOR_THROTTLE_COUNT_MAX } from "../ingress/gcp-armor";
import { minRequestPathTimeout, type IngressMode, type IngressSettings } from "../ingress/model";
import { knownReleaseByPcr0 } from "../releases/known";
import { nitroInstanceShape, PARENT_MIN_MEMORY_MIB, PARENT_MIN_VCPUS } from "../sizing";
import { ConfigError, problemsFromZod, type ConfigProblem, type FrontDoor } from "./errors";
import { SECRET_PLACEHOLDER } from "./load";
import { ENVIRONMENTS, type EnvironmentName } from "./environments";
import { foreignCloudProblems, noEffectProblems } from "./no-effect";
import { findPlaceholders, offlinePlanMarker } from "./placeholders";
import { resolveAzure } from "./resolve-azure";
import { quarantineProblems, resolveQuarantine } from "../quarantine";
import { environmentProblems } from "./resolve-environment";
import { awsSizeProblem, gcpMachineTypeProblem } from "./sizes";
import { awsStackSchema, azureStackSchema, CLOUDS, gcpStackSchema, PROJECT, type RawAwsStackConfig, type RawGcpStackConfig, type RawRelease, type RawStackConfig } from "./schema";
import { AL2023_SSM_AMI, type AwsStackConfig, type ContainerRelease, type GcpStackConfig, type NitroRelease, type SharedStackConfig, type StackConfig } from "./types";

/** Range limits of the GCP request-path timeouts (provider types do not check them). */
export const GCP_LIMITS = {
  /** Global external load balancers' backend service timeout (default 30 s). */
  backendServiceTimeoutSeconds: { min: 1, max: 86400 },
  connectionDrainingSeconds: { min: 0, max: 3600 },
} as const;

/** Range limits of the AWS request-path timeouts (provider types do not check them). */
export const AWS_LIMITS = {
  albIdleTimeoutSeconds: { min: 1, max: 4000 },
  nlbTcpIdleTimeoutSeconds: { min: 60, max: 6000 },
  deregistrationDelaySeconds: { min: 0, max: 3600 },
} as const;

/** Configuration as read from Pulumi: keys like `tee-prover-infra:ingress` with parsed values. */
export interface ConfigSource {
  /** Every config key of the stack, fully qualified (`namespace:key`), structured values parsed. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Directory that relative paths (release manifests) are resolved against: the Pulumi project. */
  readonly projectDir: string;
  /** Reads a file; injectable so tests need no files on disk. */
  readonly readFile?: (file: string) => string;
  /**
   * Fully-qualified keys whose values are (or contain) `secure:` values. `pulumi up` hands the
   * program decrypted values, so this list is the only way to tell them apart there; the stack-file
   * reader shows them as SECRET_PLACEHOLDER instead, which is checked as well.
   */
  readonly secretKeys?: readonly string[];
  /** Whose values these are, for the wording of messages (default: a stack's config). */
  readonly frontDoor?: FrontDoor;
  /**
   * Keys holding the library front door's stand-ins for unresolved Inputs (args.ts): never
   * reported as placeholders, since the real values are checked once known.
   */
  readonly standInKeys?: readonly string[];
}

/** Known keys of the schema node at `at`, for "did you mean" suggestions. */
function knownKeysAt(root: z.ZodType, at: ReadonlyArray<PropertyKey>): string[] {
  let nodes: z.ZodType[] = [root];
  for (const part of [...at, null]) {
    const next: z.ZodType[] = [];
    for (let node of nodes) {
      while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
      if (part === null) {
        if (node instanceof z.ZodObject) return Object.keys(node.shape);
        if (node instanceof z.ZodUnion) {
          return [...new Set((node.options as z.ZodType[]).flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : [])))];
        }
        continue;
      }
      if (node instanceof z.ZodUnion) next.push(...(node.options as z.ZodType[]));
      else if (node instanceof z.ZodArray && typeof part === "number") next.push(node.element as z.ZodType);
      else if (node instanceof z.ZodObject && typeof part === "string" && part in node.shape) next.push(node.shape[part] as z.ZodType);
      else if (node instanceof z.ZodRecord) next.push(node.valueType as z.ZodType);
    }
    // Unions: a key is looked up in every option that has it.
    nodes = next.flatMap((n) => (n instanceof z.ZodObject || n instanceof z.ZodArray || n instanceof z.ZodDefault || n instanceof z.ZodOptional || n instanceof z.ZodUnion || n instanceof z.ZodRecord ? [n] : []));
  }
  return [];
}

/** Strip the project namespace and keep only this project's keys. */
function projectValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value;
  }
  return out;
}

function readManifest(source: ConfigSource, release: RawRelease, index: number, problems: ConfigProblem[]): { manifest: NitroManifest; manifestPath: string } | undefined {
  const key = `releases[${index}].manifest`;
  let json: unknown;
  let manifestPath: string;
  let label: string;
  if (typeof release.manifest === "string") {
    manifestPath = path.resolve(source.projectDir, release.manifest);
    label = path.basename(manifestPath);
    let text: string;
    try {
      text = (source.readFile ?? ((f) => fs.readFileSync(f, "utf8")))(manifestPath);
    } catch {
      problems.push({ key, message: `cannot read release manifest ${manifestPath}`, fix: "give a path relative to the directory of Pulumi.yaml, e.g. releases/pcr-measurements.v6.3.1.json (library callers: pass the manifest object, e.g. knownReleases[\"v6.3.1\"].manifest)" });
      return undefined;
    }
    try {
      json = JSON.parse(text);
    } catch (e) {
      problems.push({ key, message: `${manifestPath} is not JSON (${(e as Error).message})`, fix: "use the manifest file exactly as the proof server's maintainers publish it" });
      return undefined;
    }
  } else {
    json = release.manifest;
    const version = release.manifest["version"];
    manifestPath = `(object${typeof version === "string" ? ` ${version}` : ""})`;
    label = "object";
  }
  const parsed = nitroManifestSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({
        key,
        message: `manifest ${label}: ${issue.path.join(".")} ${issue.message}`,
        fix: "pin a published, non-debug release manifest; never edit PCR values by hand",
      });
    }
    return undefined;
  }
  return { manifest: parsed.data, manifestPath };
}

/**
 * Whether the release's EIF serves TLS: stated by the caller, or known from the published release
 * whose PCR0 the manifest pins. A statement that contradicts the known fact is refused.
 */
function eifServesTls(release: RawRelease, manifest: NitroManifest, index: number, problems: ConfigProblem[]): boolean | undefined {
  const key = `releases[${index}].eif.servesTls`;
  const known = knownReleaseByPcr0(manifest.measurements.pcr0.value);
  const stated = release.eif.servesTls;
  if (known) {
    if (stated !== undefined && stated !== known.eifServesTls) {
      problems.push({
        key,
        message: `says ${stated}, but the published ${known.version} EIF (PCR0 ${manifest.measurements.pcr0.value.slice(0, 12)}...) ${known.eifServesTls ? "serves TLS" : "serves plain HTTP (TLS and auth disabled)"}`,
        fix: `remove releases[${index}].eif.servesTls: it is known for ${known.version}`,
      });
      return undefined;
    }
    return known.eifServesTls;
  }
  if (stated === undefined) {
    problems.push({
      key,
      message: `is required: ${manifest.version} (PCR0 ${manifest.measurements.pcr0.value.slice(0, 12)}...) is not a release this package knows, and whether its EIF serves HTTPS itself decides the ingress mode and health checks`,
      fix: `set releases[${index}].eif.servesTls: true if the EIF runs the TEE build with TLS on, false if it serves plain HTTP`,
    });
  }
  return stated;
}

function pinOf(value: string, warnOnly: boolean): PcrPin {
  return { expected: value.toLowerCase(), warnOnly };
}

function resolveReleases(source: ConfigSource, raw: RawAwsStackConfig, problems: ConfigProblem[]): NitroRelease[] {
  const releases: NitroRelease[] = [];
  raw.releases.forEach((release, index) => {
    const loaded = readManifest(source, release, index, problems);
    if (!loaded) return;
    const { manifest, manifestPath } = loaded;
    const warnOnly = new Set<number>(release.warnOnlyPcrs);
    let pcr8: PcrPin | undefined;
    if (release.pcr8 !== undefined) {
      const value = release.pcr8.toLowerCase();
      if (!SHA384_HEX.test(value) || value === ALL_ZERO_SHA384) {
        problems.push({ key: `releases[${index}].pcr8`, message: "must be 96 hex characters (SHA-384) and not all zeros", fix: "copy PCR8 from `nitro-cli describe-eif` of the signed EIF" });
        return;
      }
      pcr8 = pinOf(value, warnOnly.has(8));
    } else if (manifest.measurements.pcr8) {
      pcr8 = pinOf(manifest.measurements.pcr8.value, warnOnly.has(8));
    } else if (warnOnly.has(8)) {
      problems.push({ key: `releases[${index}].warnOnlyPcrs`, message: "lists PCR8, which this release does not pin", fix: "remove 8 from warnOnlyPcrs" });
    }
    const pins: NitroReleasePins = {
      version: manifest.version,
      pcrs: {
        0: pinOf(manifest.measurements.pcr0.value, false),
        1: pinOf(manifest.measurements.pcr1.value, warnOnly.has(1)),
        2: pinOf(manifest.measurements.pcr2.value, warnOnly.has(2)),
        ...(pcr8 ? { 8: pcr8 } : {}),
      },
    };
    const servesTls = eifServesTls(release, manifest, index, problems);
    if (servesTls === undefined) return;
    releases.push({ version: manifest.version, manifestPath, manifest, pins, eifS3Uri: release.eif.s3Uri, eifServesTls: servesTls });
  });
  const versions = releases.map((r) => r.version);
  const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
  if (duplicate) problems.push({ key: "releases", message: `release ${duplicate} is listed twice`, fix: "list each release once: the running one, then the next during a rotation" });
  return releases;
}

/** What a cloud's request path allows, and how its TEE artifact is named in messages. */
export interface IngressRules {
  /** The load balancer timeout that bounds a request, for the chosen mode. */
  readonly requestTimeout: { readonly name: string; readonly min: number; readonly max: number };
  /** The connection-draining setting and its maximum. */
  readonly drain: { readonly name: string; readonly max: number };
  /** "EIF" (AWS) or "image" (GCP). */
  readonly artifact: string;
  /** How to pin an artifact that serves TLS. */
  readonly tlsFix: string;
}

function awsIngressRules(mode: IngressMode): IngressRules {
  return {
    requestTimeout: mode === "passthrough" ? { name: "NLB TCP idle timeout", ...AWS_LIMITS.nlbTcpIdleTimeoutSeconds } : { name: "ALB idle timeout", ...AWS_LIMITS.albIdleTimeoutSeconds },
    drain: { name: "target group deregistration delay", max: AWS_LIMITS.deregistrationDelaySeconds.max },
    artifact: "EIF",
    tlsFix: "pin an EIF built with the TEE build's TLS on (releases[].eif.servesTls: true)",
  };
}

function gcpIngressRules(): IngressRules {
  return {
    requestTimeout: { name: "backend service timeoutSec", ...GCP_LIMITS.backendServiceTimeoutSeconds },
    drain: { name: "backend service connection draining", max: GCP_LIMITS.connectionDrainingSeconds.max },
    artifact: "image",
    tlsFix: "pin an image that serves TLS with this stack's environment (releases[].servesTls: true)",
  };
}

export function resolveIngress(
  raw: { ingress: RawStackConfig["ingress"]; proofServer: RawStackConfig["proofServer"] },
  releases: ReadonlyArray<{ version: string; servesTls: boolean }>,
  rules: IngressRules,
  problems: ConfigProblem[],
): IngressSettings {
  const { ingress, proofServer } = raw;
  // The reference build has no TLS at all (docs/proof-server.md): a release said to serve TLS
  // contradicts the build, and one of the two is wrong about what the hosts will run.
  if (proofServer.build === "reference") {
    releases.forEach((r, i) => {
      if (r.servesTls) {
        problems.push({
          key: "proofServer.build",
          message: `is reference, which serves plain HTTP only, but release ${i} (${r.version}) is declared to serve TLS`,
          fix: "set proofServer.build: tee if the release is the TEE build, or declare the release's servesTls: false",
        });
      }
    });
  }
  const minTimeout = minRequestPathTimeout(proofServer.jobTimeoutSeconds);
  const requestTimeoutSeconds = ingress.requestTimeoutSeconds ?? minTimeout;
  const drainTimeoutSeconds = ingress.drainTimeoutSeconds ?? minTimeout;
  const lb = rules.requestTimeout;
  if (requestTimeoutSeconds < minTimeout) {
    problems.push({
      key: "ingress.requestTimeoutSeconds",
      message: `${requestTimeoutSeconds} s is shorter than the job timeout (${proofServer.jobTimeoutSeconds} s) + 60 s: the load balancer would cut long proofs`,
      fix: `set it to at least ${minTimeout}, or remove it to use ${minTimeout}`,
    });
  } else if (requestTimeoutSeconds > lb.max) {
    problems.push({ key: "ingress.requestTimeoutSeconds", message: `${requestTimeoutSeconds} s is beyond the ${lb.name} range ${lb.min}-${lb.max} s`, fix: `set it between ${minTimeout} and ${lb.max}` });
  }
  if (minTimeout > rules.drain.max) {
    // No drain timeout can satisfy both rules: say so on the key that causes it.
    problems.push({
      key: "proofServer.jobTimeoutSeconds",
      message: `${proofServer.jobTimeoutSeconds} s + 60 s is beyond the ${rules.drain.name} maximum (${rules.drain.max} s): no drain timeout could outlast a running proof`,
      fix: `set it to at most ${rules.drain.max - (minTimeout - proofServer.jobTimeoutSeconds)}`,
    });
  } else if (drainTimeoutSeconds < minTimeout) {
    problems.push({
      key: "ingress.drainTimeoutSeconds",
      message: `${drainTimeoutSeconds} s is shorter than the job timeout + 60 s: a host leaving the fleet would drop running proofs`,
      fix: `set it to at least ${minTimeout}, or remove it`,
    });
  } else if (drainTimeoutSeconds > rules.drain.max) {
    problems.push({ key: "ingress.drainTimeoutSeconds", message: `${drainTimeoutSeconds} s is beyond the ${rules.drain.name} range 0-${rules.drain.max} s`, fix: `set it between ${minTimeout} and ${rules.drain.max}` });
  }

  const plainEifs = releases.filter((r) => !r.servesTls).map((r) => r.version);
  const tlsEifs = releases.filter((r) => r.servesTls).map((r) => r.version);
  const artifact = rules.artifact;
  if (ingress.mode === "passthrough") {
    if (ingress.backendProtocol === "HTTP") {
      problems.push({ key: "ingress.backendProtocol", message: "HTTP makes no sense in passthrough: the load balancer forwards TCP and TLS ends inside the TEE", fix: "remove ingress.backendProtocol, or use ingress.mode: terminate" });
    }
    if (plainEifs.length > 0) {
      problems.push({
        key: "ingress.mode",
        message: `passthrough needs TLS inside the TEE, but the ${artifact} of ${plainEifs.join(", ")} serves plain HTTP${artifact === "EIF" ? " (the published EIF runs with TLS and auth disabled)" : ""}; clients would send their witness in cleartext`,
        fix: `${rules.tlsFix}, or use ingress.mode: terminate`,
      });
    }
    if (ingress.plaintextHop) {
      problems.push({ key: "ingress.plaintextHop", message: "applies only to terminate mode; passthrough never has a plaintext hop", fix: "remove ingress.plaintextHop" });
    }
    if (ingress.httpRedirect) {
      problems.push({ key: "ingress.httpRedirect", message: "applies only to terminate mode; passthrough forwards TCP on the listener port only and has no HTTP listener to redirect from", fix: "remove ingress.httpRedirect, or use ingress.mode: terminate" });
    }
  } else {
    if (ingress.backendProtocol === "HTTP" && !ingress.plaintextHop) {
      problems.push({
        key: "ingress.plaintextHop",
        message: "terminate mode with backendProtocol HTTP sends proof requests in plaintext from the load balancer to the host (on AWS the parent instance, outside the enclave, sees them); this must be accepted explicitly",
        fix: `set ingress.plaintextHop: {accepted: true, reason: "..."}, or use backendProtocol HTTPS with an ${artifact} that serves TLS`,
      });
    }
    if (ingress.backendProtocol === "HTTPS" && plainEifs.length > 0) {
      problems.push({
        key: "ingress.backendProtocol",
        message: `HTTPS to the target, but the ${artifact} of ${plainEifs.join(", ")} serves plain HTTP: health checks and requests would fail`,
        fix: `pin an ${artifact} that serves TLS, or set backendProtocol: HTTP and accept the plaintext hop (ingress.plaintextHop)`,
      });
    }
    if (ingress.backendProtocol === "HTTP" && tlsEifs.length > 0) {
      problems.push({ key: "ingress.backendProtocol", message: `HTTP to the target, but the ${artifact} of ${tlsEifs.join(", ")} serves TLS`, fix: "set backendProtocol: HTTPS" });
    }
    if (ingress.backendProtocol === "HTTPS" && ingress.plaintextHop) {
      problems.push({ key: "ingress.plaintextHop", message: "is set but the backend protocol is HTTPS, so there is no plaintext hop to accept", fix: "remove ingress.plaintextHop" });
    }
    if (ingress.httpRedirect && ingress.listenerPort === 80) {
      problems.push({ key: "ingress.httpRedirect", message: "needs port 80 for the redirect, but ingress.listenerPort is 80 too", fix: "use another ingress.listenerPort (443), or remove ingress.httpRedirect" });
    }
  }
  return {
    mode: ingress.mode,
    listenerPort: ingress.listenerPort,
    allowedClientCidrs: ingress.allowedClientCidrs,
    requestTimeoutSeconds,
    drainTimeoutSeconds,
    backendProtocol: ingress.mode === "passthrough" ? "HTTPS" : ingress.backendProtocol,
    ...(ingress.mode === "terminate" && ingress.plaintextHop ? { plaintextHopAcceptedReason: ingress.plaintextHop.reason } : {}),
    rateLimitPer5Minutes: ingress.rateLimitPer5Minutes,
    httpRedirect: ingress.mode === "terminate" && ingress.httpRedirect,
  };
}

function resolveAws(source: ConfigSource, raw: RawAwsStackConfig, releases: readonly NitroRelease[], ingress: IngressSettings, problems: ConfigProblem[]): AwsStackConfig | undefined {
  const region = source.values["aws:region"];
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    problems.push({ key: "aws:region", message: region === undefined ? "is required for cloud aws" : `"${String(region)}" is not an AWS region`, fix: "pulumi config set aws:region us-east-1" });
  }
  const aws = raw.aws;
  if (!aws) {
    problems.push({ key: "aws", message: "is required when cloud is aws", fix: "add an aws: section (instanceType, keyAdministratorArns, ...) — see README, Config reference" });
    return undefined;
  }
  const verdict = nitroInstanceShape(aws.instanceType);
  if (!verdict.ok) {
    problems.push({ key: "aws.instanceType", message: verdict.reason, fix: "use an enclave-capable, non-burstable type with at least 4 vCPUs, e.g. m6i.xlarge or c6i.2xlarge" });
  } else {
    const missing = awsSizeProblem(aws.instanceType);
    if (missing) problems.push({ key: "aws.instanceType", message: missing, fix: "use a size the family offers (docs/environments.md, Value checks), e.g. m6i.xlarge or c6i.2xlarge" });
  }
  // ACM certificates are regional and an ALB takes only a certificate of its own region
  // (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
  const certRegion = aws.certificateArn?.split(":")[3];
  if (certRegion !== undefined && typeof region === "string" && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) && certRegion !== region) {
    problems.push({
      key: "aws.certificateArn",
      message: `is a certificate of ${certRegion}, but the stack's ALB is in ${region}: ACM certificates are regional and a load balancer can use only one from its own region`,
      fix: `request or import the certificate in ${region} (ACM cannot copy it between regions) and set aws.certificateArn to its ARN`,
    });
  }
  const minCpu = Math.max(...releases.map((r) => r.manifest.buildInfo.cpuCount), 0);
  const minMem = Math.max(...releases.map((r) => r.manifest.buildInfo.memoryMB), 0);
  const cpuCount = aws.enclave.cpuCount ?? minCpu;
  const memoryMiB = aws.enclave.memoryMiB ?? minMem;
  if (cpuCount < minCpu) problems.push({ key: "aws.enclave.cpuCount", message: `${cpuCount} is below the release manifest's buildInfo.cpuCount (${minCpu})`, fix: `set it to at least ${minCpu}` });
  if (memoryMiB < minMem) problems.push({ key: "aws.enclave.memoryMiB", message: `${memoryMiB} MiB is below the release manifest's buildInfo.memoryMB (${minMem})`, fix: `set it to at least ${minMem}` });
  const threads = verdict.ok ? verdict.shape.threadsPerCore : 2;
  if (cpuCount % threads !== 0) problems.push({ key: "aws.enclave.cpuCount", message: `${cpuCount} is odd: the enclave allocator takes whole cores (${threads} vCPUs each on ${aws.instanceType})`, fix: `use ${cpuCount + 1}` });
  if (verdict.ok) {
    const { vcpus, memoryMiB: instanceMem } = verdict.shape;
    if (vcpus - cpuCount < PARENT_MIN_VCPUS) {
      problems.push({ key: "aws.enclave.cpuCount", message: `${cpuCount} of ${aws.instanceType}'s ${vcpus} vCPUs leaves the parent ${vcpus - cpuCount}; it needs at least ${PARENT_MIN_VCPUS} for the forwarder, KMS proxy and agent`, fix: `use at most ${vcpus - PARENT_MIN_VCPUS} enclave vCPUs or a larger instance type` });
    }
    if (instanceMem - memoryMiB < PARENT_MIN_MEMORY_MIB) {
      problems.push({ key: "aws.enclave.memoryMiB", message: `${memoryMiB} MiB of ${aws.instanceType}'s ${instanceMem} MiB leaves the parent less than ${PARENT_MIN_MEMORY_MIB} MiB`, fix: `use at most ${instanceMem - PARENT_MIN_MEMORY_MIB} MiB or a larger instance type` });
    }
  }
  const desiredCapacity = aws.fleet.desiredCapacity ?? aws.fleet.minSize;
  if (!(aws.fleet.minSize <= desiredCapacity && desiredCapacity <= aws.fleet.maxSize)) {
    problems.push({ key: "aws.fleet", message: `needs minSize <= desiredCapacity <= maxSize (got ${aws.fleet.minSize} <= ${desiredCapacity} <= ${aws.fleet.maxSize})`, fix: "adjust aws.fleet.minSize / desiredCapacity / maxSize" });
  }
  const offReason = aws.pinParentRoleOffReason?.trim() ?? "";
  if (!aws.pinParentRole && offReason.length < 10) {
    problems.push({
      key: "aws.pinParentRoleOffReason",
      message: "is required when aws.pinParentRole is false: without PCR3 the pinned (public) release decrypts under any parent instance that holds the host role's credentials, in any account",
      fix: "keep aws.pinParentRole true (the default), or say why in aws.pinParentRoleOffReason (at least a sentence)",
    });
  }
  if (ingress.mode === "terminate" && !aws.certificateArn) {
    problems.push({ key: "aws.certificateArn", message: "is required in terminate mode: the ALB's HTTPS listener needs an ACM certificate", fix: "pulumi config set --path aws.certificateArn arn:aws:acm:<region>:<account>:certificate/<id>" });
  }
  if (!verdict.ok || typeof region !== "string") return undefined;
  return {
    cloud: "aws",
    ...sharedSettings(raw, ingress),
    releases,
    logRetentionDays: raw.logRetentionDays ?? ENVIRONMENTS[raw.environment].logRetentionDays.aws,
    aws: {
      region,
      vpc: aws.vpc,
      instanceType: aws.instanceType,
      instanceShape: verdict.shape,
      amiId: aws.amiId ?? AL2023_SSM_AMI,
      enclave: { cpuCount, memoryMiB },
      fleet: { minSize: aws.fleet.minSize, maxSize: aws.fleet.maxSize, desiredCapacity },
      ...(aws.certificateArn ? { certificateArn: aws.certificateArn } : {}),
      tlsPolicy: aws.tlsPolicy,
      keyAdministratorArns: aws.keyAdministratorArns,
      kmsDeletionWindowDays: aws.kmsDeletionWindowDays,
      parentRolePin: aws.pinParentRole ? { pinned: true } : { pinned: false, reason: offReason },
      interactiveAccess: aws.interactiveAccess ?? ENVIRONMENTS[raw.environment].interactiveAccessDefault,
    },
  };
}

/** The quarantine, when on (its checks run in resolveStackConfig). */
function quarantineOf(raw: RawStackConfig): { quarantine?: NonNullable<SharedStackConfig["quarantine"]> } {
  const quarantine = resolveQuarantine(raw.quarantine);
  return quarantine ? { quarantine } : {};
}

/** The settings every cloud's resolved config carries as parsed. */
export function sharedSettings(raw: RawStackConfig, ingress: IngressSettings): Omit<SharedStackConfig, "ingress"> & { ingress: IngressSettings } {
  return { environment: raw.environment, namePrefix: raw.namePrefix, ...(raw.previousNamePrefix !== undefined ? { previousNamePrefix: raw.previousNamePrefix } : {}), proofServer: raw.proofServer, ingress, alarms: raw.alarms, tags: raw.tags, ...quarantineOf(raw), ...(raw.budget ? { budget: raw.budget } : {}) };
}

/**
 * proofServer.env reaches the workload as `tee-env-*` instance metadata, so each value is readable
 * by anyone with compute.instances.get (roles/compute.viewer: the prober's account has it), sits
 * unencrypted in Pulumi state and is echoed in the attestation token's env_override. Keys reach the
 * workload only through the attestation-gated secrets (components/gcp/identity.ts). Names and
 * values that look like secrets are refused; so is any `secure:` value, which Pulumi would decrypt
 * into the metadata.
 */
const SECRET_NAME_PARTS = ["KEY", "TOKEN", "SECRET", "PASSW", "PASSPHRASE", "CREDENTIAL", "PRIVATE", "MNEMONIC"] as const;
const SECRET_NAME_WORDS = new Set(["PWD", "PASS", "COOKIE", "SALT"]);
const PUBLIC_PEM_LABELS = new Set(["CERTIFICATE", "TRUSTED CERTIFICATE", "PUBLIC KEY", "X509 CRL"]);

/** Why a proofServer.env entry looks like a secret, or undefined. Exported for the docs' examples. */
export function secretLikeEnv(name: string, value: string): string | undefined {
  const part = SECRET_NAME_PARTS.find((p) => name.includes(p)) ?? name.split("_").find((w) => SECRET_NAME_WORDS.has(w));
  if (part) return `its name contains ${part}`;
  // Certificates and public keys are public; any other PEM block (PRIVATE KEY, RSA PRIVATE KEY,
  // ENCRYPTED PRIVATE KEY, OPENSSH PRIVATE KEY...) is key material, even after a certificate.
  const privatePem = [...value.matchAll(/-----BEGIN ([A-Z0-9 ]*)-----/g)].map((m) => m[1]!).find((label) => !PUBLIC_PEM_LABELS.has(label));
  if (privatePem !== undefined) return `its value holds a PEM "${privatePem}" block`;
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(value)) return "its value is a JSON Web Token";
  if (looksRandom(value)) return "its value looks like a key: a long, random-looking string";
  return undefined;
}

/**
 * A long token of base64/hex-ish characters with letters and digits and near-random character
 * distribution: at least 24 characters and 3.5 bits of entropy per character (a 32-character hex
 * key has about 3.7, English words and version strings far less, paths and URLs are excluded).
 */
function looksRandom(value: string): boolean {
  if (value.length < 24 || !/^[A-Za-z0-9+=_-][A-Za-z0-9+/=_-]*$/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= 3.5;
}

function secretsInProofServerEnv(source: ConfigSource, env: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fix = "remove it from proofServer.env: put keys in the attestation-gated Secret Manager secrets (API keys, TLS key), which only an attested workload of a pinned release can read";
  const prefix = `${PROJECT}:proofServer`;
  const secretKeys = (source.secretKeys ?? []).filter((k) => k === prefix || k.startsWith(`${prefix}.env`));
  for (const [name, value] of Object.entries(env)) {
    const key = `proofServer.env.${name}`;
    const markedSecure = value === SECRET_PLACEHOLDER || secretKeys.some((k) => k === `${prefix}.env.${name}`);
    if (markedSecure) {
      problems.push({ key, message: "is a secure: value; proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token, so a secret there is no secret", fix });
      continue;
    }
    const why = secretLikeEnv(name, value);
    if (why) {
      problems.push({ key, message: `looks like a secret (${why}); proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token`, fix });
    }
  }
  // `pulumi up` marks the whole proofServer key secret when any value in it is secure.
  if (secretKeys.includes(prefix) && Object.keys(env).length > 0 && problems.length === 0) {
    problems.push({ key: "proofServer", message: "holds a secure: value; proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token", fix });
  }
  return problems;
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

function resolveGcp(source: ConfigSource, raw: RawGcpStackConfig, problems: ConfigProblem[]): GcpStackConfig | undefined {
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

/**
 * Placeholders left from the examples, in an environment that refuses them. Under the offline
 * plan's marker (placeholders.ts) they are collected for the plan's finding instead.
 */
function placeholderProblems(source: ConfigSource, environment: EnvironmentName): ConfigProblem[] {
  if (ENVIRONMENTS[environment].placeholdersAllowed) return [];
  const found = findPlaceholders(source.values, PROJECT, new Set(source.standInKeys ?? []));
  const marker = offlinePlanMarker();
  if (marker) {
    for (const f of found) marker.placeholders.set(f.key, f);
    return [];
  }
  return found.map((f) => ({
    key: f.key,
    message: `"${f.value}" is a placeholder left from an example (${f.reason}); ${environment} refuses it, since pulumi up would fail late or act on someone else's name`,
    fix: `replace it with this stack's own value: pulumi config set --path '${f.key}' <value>`,
  }));
}

/**
 * Validate a stack's configuration once, at the edge. Throws a ConfigError listing every problem
 * (key, what is wrong, how to fix it) before any resource is declared.
 */
export function resolveStackConfig(source: ConfigSource): StackConfig {
  const values = projectValues(source.values);
  const cloud = z.enum(CLOUDS).safeParse(values["cloud"]);
  if (!cloud.success) {
    throw new ConfigError([{ key: "cloud", message: values["cloud"] === undefined ? "is required" : `"${String(values["cloud"])}" is not a cloud; allowed: ${CLOUDS.join(", ")}`, fix: "pulumi config set cloud aws (or gcp, azure)" }]);
  }
  const schema = cloud.data === "aws" ? awsStackSchema : cloud.data === "gcp" ? gcpStackSchema : azureStackSchema;
  // Another cloud's section or provider keys: refused with the reason, not as an unknown key.
  const foreign = foreignCloudProblems(cloud.data, source.values, PROJECT, (source.frontDoor ?? { kind: "stack" }).kind === "stack");
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(values).filter(([k]) => !foreign.foreignSections.includes(k))), { reportInput: true });
  if (!parsed.success) throw new ConfigError([...foreign.problems, ...problemsFromZod(parsed.error, (at) => knownKeysAt(schema, at))], source.frontDoor);
  const raw = parsed.data;
  const problems: ConfigProblem[] = [...foreign.problems, ...noEffectProblems(cloud.data, values)];
  problems.push(...environmentProblems(raw, source.values["aws:region"]));
  problems.push(...placeholderProblems(source, raw.environment));
  if (raw.previousNamePrefix !== undefined && raw.previousNamePrefix === raw.namePrefix) {
    problems.push({ key: "previousNamePrefix", message: `equals namePrefix ("${raw.namePrefix}"): there is no rename to carry over`, fix: "remove previousNamePrefix once the renaming `pulumi up` has run" });
  }
  problems.push(...quarantineProblems(raw.quarantine));
  const config = raw.cloud === "aws" ? resolveAwsStack(source, raw, problems) : raw.cloud === "gcp" ? resolveGcp(source, raw, problems) : resolveAzure(source, raw, problems);
  problems.push(...budgetProblems(raw));
  if (problems.length > 0 || !config) throw new ConfigError(problems, source.frontDoor);
  return config;
}

function resolveAwsStack(source: ConfigSource, raw: RawAwsStackConfig, problems: ConfigProblem[]): AwsStackConfig | undefined {
  if (Object.keys(raw.proofServer.env).length > 0) {
    problems.push({
      key: "proofServer.env",
      message: "nothing can be passed into a Nitro Enclave at run time: the server's settings are baked into the EIF",
      fix: "remove proofServer.env and build the EIF with the settings you need",
    });
  }
  const releases = resolveReleases(source, raw, problems);
  const ingress = resolveIngress(raw, releases.map((r) => ({ version: r.version, servesTls: r.eifServesTls })), awsIngressRules(raw.ingress.mode), problems);
  return resolveAws(source, raw, releases, ingress, problems);
}
