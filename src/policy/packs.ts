import { attestationPack } from "../../policy/attestation/pack";
import { baselinePack } from "../../policy/baseline/pack";
import type { PlannedResource } from "../plan/engine";
import { PolicyConfigError, readPolicyPackConfigFile, type PolicyConfigEntry } from "./config";
import { toOfflineResources } from "./resources";
import { runPack, type PackDefinition } from "./run";
import { combineVerdicts, type PolicyVerdict } from "./verdict";

/** The packs the offline plan runs, in the order `--policy-pack-config` files are matched to them. */
export const PLAN_PACKS: readonly PackDefinition[] = [attestationPack, baselinePack];

/** Where each pack lives, for the CLI commands the plan prints. */
export const PACK_DIRS: Record<string, string> = { [attestationPack.name]: "policy/attestation", [baselinePack.name]: "policy/baseline" };

/**
 * Matches config files to packs as the CLI matches repeated `--policy-pack-config` to repeated
 * `--policy-pack`: one file per pack in PLAN_PACKS order; a single file applies to every pack
 * (as if given to each). Names that match no policy in any pack are returned: the engine ignores
 * them silently, so a misspelt policy name would change nothing.
 */
export function configsForPacks(files: readonly string[], packs: readonly PackDefinition[] = PLAN_PACKS): { configs: Record<string, PolicyConfigEntry>[]; unknownNames: string[] } {
  if (files.length > 1 && files.length !== packs.length) throw new PolicyConfigError(`--policy-pack-config given ${files.length} times: give it once (for every pack) or once per pack, in the order ${packs.map((p) => p.name).join(", ")}`);
  const parsed = files.map(readPolicyPackConfigFile);
  const configs = packs.map((_, i) => (files.length === 0 ? {} : (parsed[files.length === 1 ? 0 : i] ?? {})));
  const known = new Set(packs.flatMap((p) => p.args.policies.map((policy) => policy.name)));
  const unknownNames = [...new Set(parsed.flatMap((c) => Object.keys(c)).filter((n) => n !== "all" && !known.has(n)))].sort();
  return { configs, unknownNames };
}

/** Both packs over the recorded resources of one stack. */
export async function runPlanPolicies(resources: readonly PlannedResource[], options: { stack: string; project: string; configFiles?: readonly string[]; packs?: readonly PackDefinition[] }): Promise<PolicyVerdict & { unknownConfigNames: string[] }> {
  const packs = options.packs ?? PLAN_PACKS;
  const { configs, unknownNames } = configsForPacks(options.configFiles ?? [], packs);
  const offline = toOfflineResources(resources, options.stack, options.project);
  // The tags Pulumi sets from Pulumi.yaml; git and description tags are not known offline.
  const stackTags = new Map([
    ["pulumi:project", options.project],
    ["pulumi:runtime", "nodejs"],
  ]);
  const verdicts = [];
  for (const [i, pack] of packs.entries()) verdicts.push(await runPack(pack, offline, { config: configs[i] ?? {}, stackTags }));
  return { ...combineVerdicts(verdicts), unknownConfigNames: unknownNames };
}
