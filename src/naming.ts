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
