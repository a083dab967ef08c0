import { createRequire } from "node:module";
import * as path from "node:path";
import { expect, test } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";
import * as types from "../../policy/common/resource-types";

// The policy rules match on stand-ins that carry only a provider class's type token
// (policy/common/resource-types.ts). A wrong token would make a rule silently apply to nothing.
const load = createRequire(path.join(PROJECT_DIR, "package.json"));

test("every stand-in carries the type token of the provider class it stands for", () => {
  const origins = [...types.resourceTypeOrigins()];
  expect(origins.length).toBeGreaterThanOrEqual(50);
  const wrong = origins.flatMap(([token, { module, exportName }]) => {
    const real = (load(module) as Record<string, { __pulumiType?: string } | undefined>)[exportName];
    return real?.__pulumiType === token ? [] : [`${module}#${exportName}: ${String(real?.__pulumiType)} != ${token}`];
  });
  expect(wrong).toEqual([]);
});

test("each exported stand-in is registered, and @pulumi/policy reads its token as the class's", async () => {
  const { getPulumiType } = (await import("@pulumi/policy/policy")) as unknown as { getPulumiType: (c: unknown) => string | undefined };
  const exported = Object.entries(types).filter(([name]) => name !== "resourceTypeOrigins");
  expect(exported.length).toBe(types.resourceTypeOrigins().size);
  for (const [, standIn] of exported) expect(types.resourceTypeOrigins().has(getPulumiType(standIn)!)).toBe(true);
  expect(getPulumiType(types.AwsKmsKey)).toBe("aws:kms/key:Key");
});
