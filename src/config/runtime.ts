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

/**
 * Which keys hold `secure:` values: the program sees them decrypted, so only the engine's list of
 * secret keys (PULUMI_CONFIG_SECRET_KEYS, read by the SDK's isConfigSecret, which its typings
 * leave out) says so. Config refuses secrets where they would be written in plaintext.
 */
function isSecretKey(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtime.isConfigSecret === "function") return runtime.isConfigSecret(key);
  const listed: unknown = parseConfigValue(process.env["PULUMI_CONFIG_SECRET_KEYS"] ?? "[]");
  return Array.isArray(listed) && listed.includes(key);
}

/** Config of the running Pulumi program (`pulumi up`/`preview`, or tests using setAllConfig). */
export function configFromPulumiRuntime(projectDir: string = process.cwd()): ConfigSource {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) values[key] = parseConfigValue(value);
  return { values, projectDir, secretKeys: Object.keys(values).filter(isSecretKey) };
}
