import { resolveStackConfig } from "./resolve";
import { PROJECT } from "./schema";
import type { AwsStackConfig, GcpStackConfig, StackConfig } from "./types";

/** Validate settings in the stack-config shape, for a given cloud and its provider config. */
function resolveFor(cloud: "aws" | "gcp", settings: Readonly<Record<string, unknown>>, provider: Record<string, string>, projectDir: string | undefined): StackConfig {
  const values: Record<string, unknown> = { ...provider, [`${PROJECT}:cloud`]: cloud };
  for (const [key, value] of Object.entries(settings)) values[`${PROJECT}:${key}`] = value;
  return resolveStackConfig({ values, projectDir: projectDir ?? process.cwd() });
}

/**
 * Validate settings written in the stack-config shape (the keys of README's config reference,
 * without the `tee-prover-infra:` prefix) for a platform team's own Pulumi program, with the same
 * checks `pulumi up` of this repository runs. Throws ConfigError naming every bad key.
 */
export function nitroProofServerArgs(settings: Readonly<Record<string, unknown>>, options: { region: string; projectDir?: string }): AwsStackConfig {
  const config = resolveFor("aws", settings, { "aws:region": options.region }, options.projectDir);
  if (config.cloud !== "aws") throw new Error("unreachable: cloud was set to aws");
  return config;
}

/** The same for ConfidentialSpaceProofServer on GCP. */
export function confidentialSpaceProofServerArgs(settings: Readonly<Record<string, unknown>>, options: { project: string; region: string }): GcpStackConfig {
  const config = resolveFor("gcp", settings, { "gcp:project": options.project, "gcp:region": options.region }, undefined);
  if (config.cloud !== "gcp") throw new Error("unreachable: cloud was set to gcp");
  return config;
}
