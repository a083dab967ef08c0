import { createHash } from "node:crypto";

/** Pulumi auto-naming appends "-" and 7 random characters to the logical name. */
export const AUTONAME_SUFFIX_LENGTH = 8;

/**
 * Physical-name limits of the AWS resources whose names are derived from a logical name.
 * Names are auto-named (logical name + suffix) so replacements can be created before deletion.
 */
export const AWS_NAME_LIMITS = {
  loadBalancer: 32,
  targetGroup: 32,
  iamRole: 64,
  instanceProfile: 128,
  launchTemplate: 128,
  securityGroup: 255,
  autoScalingGroup: 255,
  snsTopic: 256,
  wafWebAcl: 128,
  cloudWatchAlarm: 255,
  dashboard: 255,
} as const;

/** GCP resource names: `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`, at most 63 characters. */
export const GCP_NAME_MAX = 63;
export const GCP_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function shortHash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Fit `name` into `max` characters, keeping it unique: a name that is too long is cut and given
 * a 6-character hash of the whole name, so two long names that share a prefix still differ.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = shortHash(name, 6);
  const head = name.slice(0, max - hash.length - 1).replace(/-+$/, "");
  return `${head}-${hash}`;
}

/** Names autoNamed had to cut, with what they were cut from: the inverse renamedChildNames needs. */
const cutFrom = new Map<string, { readonly full: string; readonly physicalMax: number }>();

/** A logical name whose auto-generated physical name fits `physicalMax`. */
export function autoNamed(name: string, physicalMax: number): string {
  const fitted = fitName(name, physicalMax - AUTONAME_SUFFIX_LENGTH);
  if (fitted !== name) cutFrom.set(fitted, { full: name, physicalMax });
  return fitted;
}

/**
 * The logical names a child of a renamed fleet had under each earlier fleet name, when the engine
 * cannot infer them. A child whose name starts with the fleet's name inherits the fleet's alias
 * with the prefix swapped (Pulumi's inherited child aliases), so it needs none; a name autoNamed
 * cut to fit a limit (a load balancer's 32 characters) no longer starts with it, and would be
 * replaced by a rename unless it is given its old fitted name explicitly.
 */
export function renamedChildNames(child: string, fleet: string, previousFleetNames: readonly string[]): string[] {
  if (child === fleet || child.startsWith(`${fleet}-`)) return [];
  const cut = cutFrom.get(child);
  if (!cut || !cut.full.startsWith(`${fleet}-`)) return [];
  return previousFleetNames.map((previous) => autoNamed(`${previous}${cut.full.slice(fleet.length)}`, cut.physicalMax));
}

/** A name made only of characters CloudWatch dashboards and WAF metric names accept. */
export function metricSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * Azure names (docs/azure-facts.md, "Names"). Most Azure resources here are named explicitly from
 * the fleet name (azure-native auto-names too, but a few names have tight limits of their own).
 */
export const AZURE_NAME_LIMITS = {
  /** Key Vault: 3-24 of letters, digits and hyphens, starting with a letter, no "--"; globally unique. */
  keyVault: 24,
  /** Linux computerNamePrefix of a scale set: 1-15 characters. */
  computerNamePrefix: 15,
  /** Action group short name (the SMS / e-mail sender): at most 12 characters. */
  actionGroupShortName: 12,
  resourceGroup: 90,
} as const;

/**
 * A Key Vault name for the fleet: a readable head and a hash of subscription, fleet and salt, 24
 * characters at most. Vault names are global across Azure and stay reserved while a deleted vault
 * is soft-deleted, so the hash (not the fleet name alone) makes two subscriptions' fleets of the
 * same name differ, and a salt lets a re-created fleet take a new name.
 */
export function azureKeyVaultName(fleetName: string, subscriptionId: string, salt = ""): string {
  const hash = shortHash(`${subscriptionId.toLowerCase()}/${fleetName}/${salt}`, 8);
  let head = fleetName.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-{2,}/g, "-").replace(/^[^a-z]+/, "");
  head = head.slice(0, AZURE_NAME_LIMITS.keyVault - hash.length - 1).replace(/-+$/, "");
  return `${head || "kv"}-${hash}`;
}

/** The scale set's computerNamePrefix: 1-15 characters, letters, digits and hyphens, not ending in one. */
export function azureComputerNamePrefix(fleetName: string): string {
  const clean = fleetName.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+/, "");
  return fitName(clean || "prover", AZURE_NAME_LIMITS.computerNamePrefix).replace(/-+$/, "");
}

/** An action group's short name for a severity: at most 12 characters, unique per fleet and severity. */
export function azureActionGroupShortName(fleetName: string, severity: string): string {
  const tail = `-${severity}`;
  return `${fitName(fleetName, AZURE_NAME_LIMITS.actionGroupShortName - tail.length).replace(/-+$/, "")}${tail}`;
}

/** The longest fleet name (the component name a stack derives): 28 characters. */
export const FLEET_NAME_MAX = 28;

/**
 * The fleet's name: prefix and stack, so two stacks of one environment in one account never
 * collide on the few resources that carry explicit names (log group, KMS alias, pool ids).
 */
export function fleetName(namePrefix: string, stack: string): string {
  return fitName(`${namePrefix}-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`, FLEET_NAME_MAX).replace(/-+$/, "");
}
