import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors";
import { PROJECT } from "./schema";

/** How a `secure:` value shows in the offline plan: it is never decrypted. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface StackFile {
  readonly stack: string;
  readonly file: string;
  /** Fully-qualified keys with structured values; `secure:` values replaced by SECRET_PLACEHOLDER. */
  readonly values: Record<string, unknown>;
  /** Keys whose values were secrets. */
  readonly secretKeys: string[];
}

/**
 * Read `Pulumi.<stack>.yaml` next to `Pulumi.yaml` without the Pulumi CLI (the offline plan). Keys
 * without a namespace belong to the project, as Pulumi reads them: `project` names it.
 */
export function readStackFile(projectDir: string, stack: string, project: string = PROJECT): StackFile {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(projectDir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.slice(7, -5)).sort();
    throw new ConfigError([{ key: "(stack)", message: `no ${path.basename(file)} in ${projectDir}`, fix: `use one of: ${known.join(", ") || "(none)"}` }]);
  }
  const doc: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  const config = doc && typeof doc === "object" && "config" in doc ? (doc as { config: unknown }).config : undefined;
  if (!config || typeof config !== "object") {
    throw new ConfigError([{ key: "(stack)", message: `${path.basename(file)} has no config: section`, fix: "see README, Config reference" }]);
  }
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(config as Record<string, unknown>)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    values[key] = redactSecrets(value, key, secretKeys);
  }
  return { stack, file, values, secretKeys };
}

function isSecure(value: unknown): boolean {
  return !!value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

function redactSecrets(value: unknown, at: string, secretKeys: string[]): unknown {
  if (isSecure(value)) {
    secretKeys.push(at);
    return SECRET_PLACEHOLDER;
  }
  if (Array.isArray(value)) return value.map((v, i) => redactSecrets(v, `${at}[${i}]`, secretKeys));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, `${at}.${k}`, secretKeys)]));
  }
  return value;
}

/** The shape `pulumi.runtime.setAllConfig` takes: every value a string, structured ones as JSON. */
export function toPulumiConfigMap(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}
