// AWS (Nitro) stack config: the release manifests and their PCR pins, the EIF's TLS, the instance,
// VPC, certificate and key settings. Shared resolution lives in resolve.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { nitroManifestSchema, type NitroManifest } from "../attestation/manifest";
import { ALL_ZERO_SHA384, SHA384_HEX, type NitroReleasePins, type PcrPin } from "../attestation/pins";
import { type IngressMode, type IngressSettings } from "../ingress/model";
import { knownReleaseByPcr0 } from "../releases/known";
import { nitroInstanceShape, PARENT_MIN_MEMORY_MIB, PARENT_MIN_VCPUS } from "../sizing";
import { type ConfigProblem } from "./errors";
import { ENVIRONMENTS } from "./environments";
import { awsSizeProblem } from "./sizes";
import { type RawAwsStackConfig, type RawRelease } from "./schema";
import { AL2023_SSM_AMI, type AwsStackConfig, type NitroRelease } from "./types";
import { resolveIngress, sharedSettings, type ConfigSource, type IngressRules } from "./resolve";

/** Range limits of the AWS request-path timeouts (provider types do not check them). */
export const AWS_LIMITS = {
  albIdleTimeoutSeconds: { min: 1, max: 4000 },
  nlbTcpIdleTimeoutSeconds: { min: 60, max: 6000 },
  deregistrationDelaySeconds: { min: 0, max: 3600 },
} as const;

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

function awsIngressRules(mode: IngressMode): IngressRules {
  return {
    requestTimeout: mode === "passthrough" ? { name: "NLB TCP idle timeout", ...AWS_LIMITS.nlbTcpIdleTimeoutSeconds } : { name: "ALB idle timeout", ...AWS_LIMITS.albIdleTimeoutSeconds },
    drain: { name: "target group deregistration delay", max: AWS_LIMITS.deregistrationDelaySeconds.max },
    artifact: "EIF",
    tlsFix: "pin an EIF built with the TEE build's TLS on (releases[].eif.servesTls: true)",
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

export function resolveAwsStack(source: ConfigSource, raw: RawAwsStackConfig, problems: ConfigProblem[]): AwsStackConfig | undefined {
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
