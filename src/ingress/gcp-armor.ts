/**
 * Cloud Armor limits the GCP ingress and the config checks share (sources in
 * docs/gcp-confidential-space-facts.md, "Cloud Armor").
 */

/** `match.config.srcIpRanges` takes at most 10 ranges per rule (Compute API reference, SecurityPolicyRuleMatcherConfig). */
export const ARMOR_RANGES_PER_RULE = 10;

/**
 * At most this many throttle rules for ingress.allowedClientCidrs, so 100 ranges. Not a Google
 * limit: every rule counts against the project-wide SECURITY_POLICY_RULES quota (Cloud Armor quotas
 * page), which other policies in the project share, so one stack must not take an unbounded share.
 */
export const ARMOR_MAX_CLIENT_RULES = 10;
export const ARMOR_MAX_CLIENT_CIDRS = ARMOR_RANGES_PER_RULE * ARMOR_MAX_CLIENT_RULES;

/** A throttle rule's `rateLimitThreshold.count` is 1 to 1,000,000 (Cloud Armor rate limiting overview). */
export const ARMOR_THROTTLE_COUNT_MAX = 1_000_000;

/** A rule's description is at most 64 characters (Cloud Armor best practices). */
export const ARMOR_DESCRIPTION_MAX = 64;

/** Priorities: uptime-checker allow rules, then one throttle rule per chunk of client ranges, then the default. */
export const ARMOR_PRIORITY = { uptimeCheckers: 900, clients: 1000, default: 2147483647 } as const;

/** Split ranges into consecutive chunks Cloud Armor accepts in one rule, in their given order. */
export function armorRangeChunks(ranges: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < ranges.length; i += ARMOR_RANGES_PER_RULE) chunks.push(ranges.slice(i, i + ARMOR_RANGES_PER_RULE));
  return chunks;
}

/** One Cloud Armor rule as `gcp.compute.SecurityPolicy` takes it (only the fields we set). */
export interface ArmorRule {
  readonly priority: number;
  readonly description: string;
  readonly action: string;
  readonly match: { readonly versionedExpr: "SRC_IPS_V1"; readonly config: { readonly srcIpRanges: string[] } };
  readonly rateLimitOptions?: {
    readonly conformAction: "allow";
    readonly exceedAction: "deny(429)";
    readonly enforceOnKey: "IP";
    readonly rateLimitThreshold: { readonly count: number; readonly intervalSec: number };
  };
}

/**
 * The policy's rules: when clients are restricted, allow rules for the uptime checkers' addresses
 * (or the no-healthy-host alarm would fire forever), one per-IP throttle rule per 10 client ranges
 * (a request matches only the first rule listing its address, so each client keeps one bucket), and
 * the default rule (allow when open to all, else deny).
 */
export function cloudArmorRules(clientCidrs: readonly string[], ratePer5Minutes: number, uptimeCheckerRanges: readonly string[]): ArmorRule[] {
  const openToAll = clientCidrs.includes("0.0.0.0/0");
  const clientChunks = openToAll ? [["*"]] : armorRangeChunks(clientCidrs);
  const uptime: ArmorRule[] = openToAll
    ? []
    : armorRangeChunks(uptimeCheckerRanges).map((srcIpRanges, i) => ({
        priority: ARMOR_PRIORITY.uptimeCheckers + i,
        description: "Cloud Monitoring uptime checkers",
        action: "allow",
        match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges } },
      }));
  const throttles: ArmorRule[] = clientChunks.map((srcIpRanges, i) => ({
    priority: ARMOR_PRIORITY.clients + i,
    description: clientChunks.length === 1 ? "per-client rate limit" : `per-client rate limit (client ranges ${i + 1}/${clientChunks.length})`,
    action: "throttle",
    match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges } },
    rateLimitOptions: { conformAction: "allow", exceedAction: "deny(429)", enforceOnKey: "IP", rateLimitThreshold: { count: ratePer5Minutes, intervalSec: 300 } },
  }));
  const fallback: ArmorRule = {
    priority: ARMOR_PRIORITY.default,
    description: openToAll ? "default: allow" : "default: deny clients outside ingress.allowedClientCidrs",
    action: openToAll ? "allow" : "deny(403)",
    match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
  };
  return [...uptime, ...throttles, fallback];
}
