import { resolveStackConfig } from "./resolve";
import { PROJECT } from "./schema";
import type { AwsStackConfig } from "./types";

/**
 * Validate settings written in the stack-config shape (the keys of README's config reference,
 * without the `tee-prover-infra:` prefix) for a platform team's own Pulumi program, with the same
 * checks `pulumi up` of this repository runs. Throws ConfigError naming every bad key.
 */
export function nitroProofServerArgs(settings: Readonly<Record<string, unknown>>, options: { region: string; projectDir?: string }): AwsStackConfig {
  const values: Record<string, unknown> = { "aws:region": options.region, [`${PROJECT}:cloud`]: "aws" };
  for (const [key, value] of Object.entries(settings)) values[`${PROJECT}:${key}`] = value;
  const config = resolveStackConfig({ values, projectDir: options.projectDir ?? process.cwd() });
  if (config.cloud !== "aws") throw new Error("unreachable: cloud was set to aws");
  return config;
}
