import { describe, expect, it } from "vitest";
import { ARMOR_DESCRIPTION_MAX, ARMOR_RANGES_PER_RULE, cloudArmorRules } from "../../src/ingress/gcp-armor";

// Cloud Armor takes at most 10 srcIpRanges per rule: the client ranges are split into throttle
// rules of <= 10 that together cover exactly the configured set, each throttling per client IP.
const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `198.51.${i}.0/24`);
const uptime = Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 1}/32`);

function throttleRules(n: number) {
  return cloudArmorRules(cidrs(n), 600, uptime).filter((r) => r.action === "throttle");
}

describe("client ranges split into rules Cloud Armor accepts", () => {
  it.each([[11, [10, 1]], [25, [10, 10, 5]], [10, [10]], [1, [1]]])("%i ranges -> rules of %j, covering exactly the configured set", (n, sizes) => {
    const rules = throttleRules(n);
    expect(rules.map((r) => r.match.config.srcIpRanges.length)).toEqual(sizes);
    expect(rules.flatMap((r) => r.match.config.srcIpRanges)).toEqual(cidrs(n));
    // Each rule has its own priority and throttles per client IP at the configured rate.
    expect(rules.map((r) => r.priority)).toEqual(sizes.map((_, i) => 1000 + i));
    for (const r of rules) expect(r.rateLimitOptions).toEqual({ conformAction: "allow", exceedAction: "deny(429)", enforceOnKey: "IP", rateLimitThreshold: { count: 600, intervalSec: 300 } });
  });

  it("no rule of the policy has more than 10 ranges; priorities are unique; uptime checkers first, deny last", () => {
    const rules = cloudArmorRules(cidrs(25), 600, uptime);
    for (const r of rules) {
      expect(r.match.config.srcIpRanges.length).toBeLessThanOrEqual(ARMOR_RANGES_PER_RULE);
      expect(r.description.length, r.description).toBeLessThanOrEqual(ARMOR_DESCRIPTION_MAX);
    }
    expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
    expect(rules.map((r) => [r.priority, r.action, r.match.config.srcIpRanges.length])).toEqual([
      [900, "allow", 10],
      [901, "allow", 2],
      [1000, "throttle", 10],
      [1001, "throttle", 10],
      [1002, "throttle", 5],
      [2147483647, "deny(403)", 1],
    ]);
    expect(rules.filter((r) => r.action === "allow").flatMap((r) => r.match.config.srcIpRanges)).toEqual(uptime);
  });

  it("open to all: one throttle rule on *, default allow, no uptime rules needed", () => {
    expect(cloudArmorRules(["0.0.0.0/0"], 1000, uptime).map((r) => [r.priority, r.action, r.match.config.srcIpRanges])).toEqual([
      [1000, "throttle", ["*"]],
      [2147483647, "allow", ["*"]],
    ]);
  });
});
