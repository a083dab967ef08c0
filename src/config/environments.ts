/**
 * The environment profile: what dev, staging and prod mean, once for all three clouds. Validation
 * (resolve-environment.ts) enforces the floors; the components read their protections and log
 * retention from here; docs/environments.md shows the same table.
 *
 * dev is small and may take shortcuts (one host, one NAT, a week's key deletion window, a floating
 * host image, placeholders from the examples). staging is prod-like with two hosts. prod refuses
 * every shortcut: docs/environments.md says why for each.
 */

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * Scale-out targets shared by every cloud and environment: CPU 70 % or a queue of 10 proofs per
 * host (AWS target tracking on both; GCP and Azure autoscale on CPU, the queue metric being a
 * custom one they do not scale on). The fleets read them from here.
 */
export const SCALE_OUT_CPU_PERCENT = 70;
export const SCALE_OUT_QUEUE_DEPTH = 10;

export interface EnvironmentProfile {
  /** Fewest hosts the fleet may run (fleet.minSize floor). */
  readonly minHosts: number;
  /** The fleet size a new stack of this environment starts with. */
  readonly defaultFleet: { readonly minSize: number; readonly maxSize: number };
  /** Fewest zones the hosts spread over (AWS AZs, GCP zones, Azure availability zones). */
  readonly minZones: number;
  /** Whether one NAT gateway may serve every zone (AWS vpc.natGateways: single). */
  readonly singleNatAllowed: boolean;
  /** Shortest KMS key deletion window (days; AWS accepts 7-30). */
  readonly minKeyDeletionWindowDays: number;
  /** Whether a PCR may be pinned advisory-only (AWS releases[].warnOnlyPcrs). */
  readonly warnOnlyPcrsAllowed: boolean;
  /** Whether the host image may float (AWS AL2023 SSM parameter, Azure image version latest). */
  readonly floatingHostImageAllowed: boolean;
  /** Whether values left from the examples (PLACEHOLDER, example.com, 123456789012...) are accepted. */
  readonly placeholdersAllowed: boolean;
  /** Whether P0 and P1 must reach a pager: at least one alarms.P0/P1.httpsEndpoints each. */
  readonly pagingRequired: boolean;
  /** Load balancer deletion protection, `protect` on keys, key vaults and resource groups. */
  readonly deletionProtection: boolean;
  /** Log groups / workspaces kept past `pulumi destroy` (retainOnDelete / skipDestroy). */
  readonly retainLogs: boolean;
  /** Log retention in days, per cloud (AWS: a CloudWatch period; Azure: the workspace). */
  readonly logRetentionDays: { readonly aws: number; readonly azure: number };
  /** The shortest `logRetentionDays` config may set: prod keeps its logs for investigations that start late. */
  readonly minLogRetentionDays: number;
  /** Default of aws.interactiveAccess (Session Manager shells on the hosts). */
  readonly interactiveAccessDefault: boolean;
}

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentProfile>> = {
  dev: {
    minHosts: 1,
    defaultFleet: { minSize: 1, maxSize: 2 },
    minZones: 1,
    singleNatAllowed: true,
    minKeyDeletionWindowDays: 7,
    warnOnlyPcrsAllowed: true,
    floatingHostImageAllowed: true,
    placeholdersAllowed: true,
    pagingRequired: false,
    deletionProtection: false,
    retainLogs: false,
    logRetentionDays: { aws: 14, azure: 30 },
    minLogRetentionDays: 1,
    interactiveAccessDefault: true,
  },
  staging: {
    minHosts: 2,
    defaultFleet: { minSize: 2, maxSize: 4 },
    minZones: 2,
    singleNatAllowed: true,
    minKeyDeletionWindowDays: 7,
    warnOnlyPcrsAllowed: true,
    floatingHostImageAllowed: true,
    placeholdersAllowed: true,
    pagingRequired: false,
    deletionProtection: false,
    retainLogs: false,
    logRetentionDays: { aws: 90, azure: 90 },
    minLogRetentionDays: 1,
    interactiveAccessDefault: true,
  },
  prod: {
    minHosts: 2,
    defaultFleet: { minSize: 2, maxSize: 6 },
    minZones: 2,
    singleNatAllowed: false,
    minKeyDeletionWindowDays: 30,
    warnOnlyPcrsAllowed: false,
    floatingHostImageAllowed: false,
    placeholdersAllowed: false,
    pagingRequired: true,
    deletionProtection: true,
    retainLogs: true,
    logRetentionDays: { aws: 365, azure: 365 },
    minLogRetentionDays: 365,
    interactiveAccessDefault: false,
  },
};

export function environmentProfile(environment: EnvironmentName): EnvironmentProfile {
  return ENVIRONMENTS[environment];
}

/** A floor the environment sets, worded for a ConfigProblem ("prod needs ..."). */
export function hostsFloorMessage(environment: EnvironmentName, what: string): string {
  const min = ENVIRONMENTS[environment].minHosts;
  return `${environment} needs at least ${min} ${what} so one zone or one rollout never takes the service down`;
}
