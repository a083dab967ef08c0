import * as path from "node:path";
import { readStackFile, toPulumiConfigMap } from "../../src/config/load";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import type { AwsStackConfig, StackConfig } from "../../src/config/types";
import { installOfflinePlanMarker, placementOf, runOffline, type OfflineRun, type PlannedResource } from "../../src/plan/engine";
import { clearOfflinePlanMarker, type PlaceholderFinding } from "../../src/config/placeholders";
import { withoutStackCapture } from "../../src/plan/lean-runtime";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** A stack file's config values, with overrides merged in per top-level key. */
export function stackValues(stack: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const values = { ...readStackFile(PROJECT_DIR, stack).values };
  for (const [key, value] of Object.entries(overrides)) values[key.includes(":") ? key : `${PROJECT}:${key}`] = value;
  return values;
}

/** The AWS dev stack's config values, with overrides. */
export function devValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return stackValues("dev", overrides);
}

/** The Azure dev stack's config values, with overrides. */
export function azureDevValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return stackValues("dev-azure", overrides);
}

/** The GCP dev stack's config values, with overrides. */
export function gcpDevValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return stackValues("dev-gcp", overrides);
}

/** `values` with P0 and P1 routed to a pager (an HTTPS endpoint each), as prod requires. */
export function paged(values: Record<string, unknown>): Record<string, unknown> {
  const key = `${PROJECT}:alarms`;
  const alarms = { ...((values[key] as Record<string, Record<string, unknown>> | undefined) ?? {}) };
  for (const sev of ["P0", "P1"]) alarms[sev] = { ...(alarms[sev] ?? {}), httpsEndpoints: [`https://events.pager.test/${sev.toLowerCase()}`] };
  return { ...values, [key]: alarms };
}

export function resolve(values: Record<string, unknown>): AwsStackConfig {
  const config = resolveStackConfig({ values, projectDir: PROJECT_DIR });
  if (config.cloud !== "aws") throw new Error(`expected an aws stack, got ${config.cloud}`);
  return config;
}

/**
 * Run the stack module under the mock runtime. Several runs may share a process (each test file
 * does one, and files of the shared vitest project share a worker): runOffline leaves no config
 * behind, and the offline-plan marker installed here is removed again, its findings returned.
 */
export async function planStack(values: Record<string, unknown>, stack = "test"): Promise<OfflineRun & { config: StackConfig; placeholders: PlaceholderFinding[] }> {
  // An offline plan, as `npm run plan` runs it: a prod stack's placeholders are reported, not refused.
  const marker = installOfflinePlanMarker();
  try {
    const config = resolveStackConfig({ values, projectDir: PROJECT_DIR });
    // As the plan CLI runs it: no stacks kept while the program runs (src/plan/lean-runtime.ts).
    const run = await withoutStackCapture(() => runOffline({
      project: PROJECT,
      stack,
      ...placementOf(config),
      config: toPulumiConfigMap(values),
      program: async () => {
        const { deployStack } = await import("../../stacks");
        return { ...(await deployStack({ values, projectDir: PROJECT_DIR }, stack)) };
      },
    }));
    return { ...run, config, placeholders: [...marker.placeholders.values()] };
  } finally {
    clearOfflinePlanMarker();
  }
}

export function ofType(resources: readonly PlannedResource[], type: string): PlannedResource[] {
  return resources.filter((r) => r.type === type);
}

export function one(resources: readonly PlannedResource[], type: string, nameSuffix?: string): PlannedResource {
  const matches = ofType(resources, type).filter((r) => (nameSuffix ? r.name.endsWith(nameSuffix) : true));
  if (matches.length !== 1) throw new Error(`expected exactly one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${matches.map((m) => m.name).join(", ") || "none"}`);
  return matches[0]!;
}

export function prop<T = unknown>(r: PlannedResource, pathText: string): T {
  return pathText.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), r.inputs) as T;
}

/** The resource of `type` with exactly this logical name. */
export function named(resources: readonly PlannedResource[], type: string, name: string): PlannedResource {
  const r = ofType(resources, type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
}
