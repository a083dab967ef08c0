import { ENVIRONMENTS, type EnvironmentName } from "./environments";
import type { ConfigProblem } from "./errors";
import { AL2023_SSM_AMI } from "./types";
import type { RawStackConfig } from "./schema";

// The floors of the environment profile (environments.ts), checked for every cloud in one place.
// Why each exists: docs/environments.md.

/** The host floor: one zone or one rollout must never take the service down. */
function fleetFloor(env: EnvironmentName, section: "aws" | "gcp" | "azure", minSize: number, noun: string): ConfigProblem[] {
  const min = ENVIRONMENTS[env].minHosts;
  if (minSize >= min) return [];
  return [{ key: `${section}.fleet.minSize`, message: `${env} needs at least ${min} ${noun} so one zone or one rollout never takes the service down (got ${minSize})`, fix: `set ${section}.fleet.minSize: ${min}` }];
}

function pagingFloor(env: EnvironmentName, raw: RawStackConfig): ConfigProblem[] {
  if (!ENVIRONMENTS[env].pagingRequired) return [];
  const where: Record<RawStackConfig["cloud"], string> = {
    aws: "an SNS https subscription",
    gcp: "a Cloud Monitoring webhook notification channel",
    azure: "an action group webhook receiver",
  };
  return (["P0", "P1"] as const).flatMap((severity): ConfigProblem[] =>
    raw.alarms[severity].httpsEndpoints.length > 0
      ? []
      : [
          {
            key: `alarms.${severity}.httpsEndpoints`,
            message: `${env} routes ${severity} to a pager: list at least one HTTPS endpoint (your paging service's webhook, e.g. a PagerDuty or Opsgenie integration URL; ${where[raw.cloud]}); e-mail alone is read too late for a ${severity}`,
            fix: `pulumi config set --secret --path 'alarms.${severity}.httpsEndpoints[0]' https://<your pager's integration URL>`,
          },
        ],
  );
}

/** Every floor of the stack's environment that the raw config misses. */
export function environmentProblems(raw: RawStackConfig, region: unknown): ConfigProblem[] {
  const env = raw.environment;
  const profile = ENVIRONMENTS[env];
  const problems: ConfigProblem[] = [...pagingFloor(env, raw)];
  if (raw.cloud === "aws") {
    // The AWS host log groups (the only logs whose retention config sets; Azure's workspace and
    // GCP's logs follow the profile).
    if (raw.logRetentionDays !== undefined && raw.logRetentionDays < profile.minLogRetentionDays) {
      problems.push({
        key: "logRetentionDays",
        message: `${raw.logRetentionDays} days is too short for ${env}: the host logs are evidence, and an incident is often investigated weeks after it began`,
        fix: `set logRetentionDays to at least ${profile.minLogRetentionDays} (or remove it: ${env}'s default is ${profile.logRetentionDays.aws})`,
      });
    }
    const aws = raw.aws;
    if (!aws) return problems;
    problems.push(...fleetFloor(env, "aws", aws.fleet.minSize, "hosts"));
    if (aws.vpc.mode === "create" && aws.vpc.natGateways === "single" && !profile.singleNatAllowed) {
      problems.push({
        key: "aws.vpc.natGateways",
        message: `${env} needs a NAT gateway per AZ: with "single", the hosts of every AZ send their egress (KMS, proving parameters) through one AZ's gateway, so that AZ's outage stops the whole fleet`,
        fix: "set aws.vpc.natGateways: perAz",
      });
    }
    if (aws.kmsDeletionWindowDays < profile.minKeyDeletionWindowDays) {
      problems.push({
        key: "aws.kmsDeletionWindowDays",
        message: `${aws.kmsDeletionWindowDays} days is too short for ${env}: a scheduled deletion of the attestation-bound key can be cancelled only within the window, and once it runs every EIF's secrets are lost for good`,
        fix: `set aws.kmsDeletionWindowDays: ${profile.minKeyDeletionWindowDays} (or remove it: the default is 30)`,
      });
    }
    if (!profile.warnOnlyPcrsAllowed) {
      raw.releases.forEach((r, i) => {
        if (r.warnOnlyPcrs.length > 0) {
          problems.push({
            key: `releases[${i}].warnOnlyPcrs`,
            message: `${env} enforces every pinned PCR: warn-only PCR${r.warnOnlyPcrs.join(", PCR")} would let an enclave with another kernel, application or signer decrypt the key, reported but not stopped`,
            fix: `remove releases[${i}].warnOnlyPcrs`,
          });
        }
      });
    }
    if (!profile.floatingHostImageAllowed && !(aws.amiId ?? "").startsWith("ami-")) {
      problems.push({
        key: "aws.amiId",
        message: `${env} must boot an AMI that config pins; ${aws.amiId === undefined ? "unset, it defaults to" : `"${aws.amiId}" is`} an SSM parameter that resolves to whatever Amazon Linux 2023 image is latest at each launch, so one fleet's hosts could boot different images and a scale-out could change the OS unreviewed`,
        fix: `pulumi config set --path aws.amiId ami-... (an Amazon Linux 2023 x86_64 AMI id of ${typeof region === "string" ? region : "the stack's region"}, e.g. the current value of ${AL2023_SSM_AMI.replace(/^resolve:ssm:/, "")}); dev and staging may follow latest`,
      });
    }
  } else if (raw.cloud === "gcp") {
    problems.push(...fleetFloor(env, "gcp", raw.gcp.fleet.minSize, "instances"));
  } else {
    const azure = raw.azure;
    problems.push(...fleetFloor(env, "azure", azure.fleet.minSize, "VMs"));
    if (profile.minZones > 1 && new Set(azure.zones).size < profile.minZones) {
      problems.push({
        key: "azure.zones",
        message: `${env} needs the scale set over at least ${profile.minZones} availability zones (got ${azure.zones.length === 0 ? "none: Azure places every VM in any one zone" : azure.zones.join(", ")}), so one zone's outage leaves capacity`,
        fix: `set azure.zones: ["1", "2"] (or ["1", "2", "3"]) in a region with availability zones`,
      });
    }
    if (!profile.floatingHostImageAllowed && azure.image.version === "latest") {
      problems.push({
        key: "azure.image.version",
        message: `${env} must boot an image version that config pins; latest changes under the scale set, so one fleet's VMs could boot different images and a scale-out could change the OS unreviewed`,
        fix: "pulumi config set --path azure.image.version <version> (az vm image list --publisher Canonical --offer <offer> --sku <sku> --all)",
      });
    }
  }
  return problems;
}
