import type { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";
import { configOf, rec } from "./baseline-props";

// Whether a resource belongs to a production stack, by what the analyzer shows: the pack config
// (`prod: true`), a stack tag, or the environment tag/label the resource carries (our
// components tag `tee-prover:environment` on AWS and Azure, label `tee-prover-environment` on GCP).
// The engine passes `protect` to policies but not `retainOnDelete` (PolicyResourceOptions has no
// such field), so a rule accepts `protect` or the resource's own deletion guard.

export const PROD_CONFIG: PolicyConfigSchema = {
  properties: {
    prod: { type: "boolean", default: false, description: "Treat every stack this pack judges as production." },
    prodEnvironments: { type: "array", items: { type: "string" }, default: ["prod", "production"], description: "Environment names that mean production (stack tag or resource tag/label)." },
  },
};

const ENV_KEYS = ["tee-prover:environment", "tee-prover-environment", "environment", "env"];

export function isProd(args: ResourceValidationArgs): boolean {
  const cfg = configOf(args, { prod: false, prodEnvironments: ["prod", "production"] as readonly string[] });
  if (cfg.prod) return true;
  const names = new Set(cfg.prodEnvironments.map((e) => e.toLowerCase()));
  const values: string[] = [];
  for (const [k, v] of args.stackTags) if (ENV_KEYS.includes(k.toLowerCase())) values.push(v);
  for (const bag of [rec(args.props["tags"]), rec(args.props["labels"])]) {
    for (const [k, v] of Object.entries(bag ?? {})) if (ENV_KEYS.includes(k.toLowerCase()) && typeof v === "string") values.push(v);
  }
  return values.some((v) => names.has(v.toLowerCase()));
}

export function protectionMessage(what: string, guard: string | undefined): string {
  return `production ${what} is not protected: set the protect resource option${guard ? ` (or ${guard})` : ""} so a destroy or replacement cannot delete it`;
}
