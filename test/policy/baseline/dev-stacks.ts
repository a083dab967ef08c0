import * as fs from "node:fs";
import * as path from "node:path";
import type { OfflineResource } from "../../../src/policy/evaluate";

// The shipped dev stacks as the offline plan records them (inputs of every resource but the
// dashboard), copied from offline runs of Pulumi.dev.yaml, Pulumi.dev-gcp.yaml and
// Pulumi.dev-azure.yaml (main at fdaeff7). Rule
// tests start from these real props and break one value at a time.

function load(file: string): readonly OfflineResource[] {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", file), "utf8")) as OfflineResource[];
}

export const awsDev = load("baseline-aws-dev.json");
export const gcpDev = load("baseline-gcp-dev.json");
export const azureDev = load("baseline-azure-dev.json");

/** The one resource of that type and name (throws when the fixture lacks it, so tests never pass vacuously). */
export function pick(stack: readonly OfflineResource[], type: string, name: string): OfflineResource {
  const found = stack.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`fixture has no ${type} ${name}`);
  return found;
}

export function ofType(stack: readonly OfflineResource[], type: string): OfflineResource[] {
  const found = stack.filter((r) => r.type === type);
  if (found.length === 0) throw new Error(`fixture has no ${type}`);
  return found;
}

/** The resource with some props replaced (undefined deletes the prop). */
export function withProps(r: OfflineResource, patch: Record<string, unknown>): OfflineResource {
  const props: Record<string, unknown> = { ...r.props };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete props[k];
    else props[k] = v;
  }
  return { ...r, props };
}

/** A hand-made resource of a program that does not use our components. */
export function resource(type: string, name: string, props: Record<string, unknown>, extra: Partial<OfflineResource> = {}): OfflineResource {
  return { type, name, urn: `urn:pulumi:prod::broken::${type}::${name}`, props, ...extra };
}

export const violations = (...messages: string[]) => ({ kind: "violations", violations: messages.map((message) => ({ message })) });
export const NONE = { kind: "violations", violations: [] };
