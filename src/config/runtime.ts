import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "./resolve";

// Kept apart from load.ts: reading a stack file (the plan and verify CLIs) must not load the
// Pulumi runtime, which takes seconds to import.

/** Pulumi hands structured config to programs as JSON strings; plain strings stay strings. */
function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Config of the running Pulumi program (`pulumi up`/`preview`, or tests using setAllConfig). */
export function configFromPulumiRuntime(projectDir: string = process.cwd()): ConfigSource {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) values[key] = parseConfigValue(value);
  return { values, projectDir };
}
