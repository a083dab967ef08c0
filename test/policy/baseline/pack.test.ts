import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { runResourcePolicy, runStackPolicy, type OfflineResource } from "../../../src/policy/evaluate";
import { baselinePolicies } from "../../../policy/baseline/policies";
import { awsDev, gcpDev } from "./dev-stacks";

// The pack as a whole: every rule follows the conventions, and the shipped dev stacks pass every
// rule with the schema defaults (what `pulumi preview --policy-pack` applies without a config file).

const RULES_DIR = path.join(__dirname, "../../../policy/baseline/rules");

function defaults(policy: ResourceValidationPolicy | StackValidationPolicy): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
}

async function findings(stack: readonly OfflineResource[]): Promise<string[]> {
  const out: string[] = [];
  for (const policy of baselinePolicies) {
    if ("validateStack" in policy) {
      const o = await runStackPolicy(policy, stack, defaults(policy));
      if (o.kind === "violations") out.push(...o.violations.map((v) => `${policy.name}: ${v.message}`));
      continue;
    }
    for (const r of stack) {
      const o = await runResourcePolicy(policy, r, defaults(policy));
      if (o.kind === "violations") out.push(...o.violations.map((v) => `${policy.name} ${r.name}: ${v.message}`));
    }
  }
  return out;
}

describe("baseline pack", () => {
  it("lists every rule module once, named after its file, with description, severity, level and remediation", () => {
    const files = fs.readdirSync(RULES_DIR).map((f) => f.replace(/\.ts$/, "")).sort();
    expect(baselinePolicies.map((p) => p.name).sort()).toEqual(files);
    for (const p of baselinePolicies) {
      expect(p.name).toMatch(/^(aws|gcp|azure)-[a-z0-9]+-[a-z0-9]+-(enforce|require|disallow)-[a-z0-9-]+$/);
      expect(p.description.length).toBeGreaterThan(20);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
      expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(20);
      // Every schema property has a default, so a pack without a config file is complete.
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) expect(schema.default, `${p.name}.${key}`).toBeDefined();
      // The one-line why sits in the module.
      expect(fs.readFileSync(path.join(RULES_DIR, `${p.name}.ts`), "utf8")).toContain(`// Why (${p.enforcementLevel})`);
    }
  });

  it("passes the shipped AWS and GCP dev stacks with default config", async () => {
    expect(await findings(awsDev)).toEqual([]);
    expect(await findings(gcpDev)).toEqual([]);
  });
});
