import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import type { PlannedResource } from "./engine";

/**
 * Every resource's inputs as the JSON plan carries them (docs/offline-plan.md, "Secrets"): what a
 * pull-request diff compares. Nothing secret is written: a value Pulumi marks secret becomes a
 * marker, and config `secure:` values are only fingerprinted by their ciphertext.
 */

/** One resource in the JSON plan: its place in the tree, the options a reviewer checks, its inputs. */
export interface PlanResource {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: string[];
  /** Inputs as declared under the mocks, JSON-safe, secrets replaced by markers. */
  readonly inputs: Record<string, unknown>;
}

/** A secret value with no fingerprint: it cannot be compared with another plan's. */
export const SECRET_MARKER = "[secret]";
/** Names the environment variable holding the key secret values are fingerprinted with. */
export const FINGERPRINT_KEY_ENV = "PLAN_SECRET_FINGERPRINT_KEY";
/** A shorter key is refused: it would be the weak point of the fingerprint. */
export const FINGERPRINT_KEY_MIN_LENGTH = 32;

// How @pulumi/pulumi marks a secret in deserialized inputs (runtime/rpc.js specialSigKey and
// specialSecretSig): the mocks receive `{ [sig]: secretSig, value }` for every secret input.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretMarker(value: unknown): value is string {
  return typeof value === "string" && (value === SECRET_MARKER || value.startsWith("[secret hmac:"));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/**
 * The marker a secret value is written as. With a key, a keyed fingerprint (HMAC-SHA256, 64 bits):
 * two plans made with the same key show whether the value changed, and without the key (it never
 * enters the plan) a low-entropy secret cannot be brute-forced from it, which a plain hash allows.
 */
export function secretMarker(value: unknown, key: string | undefined): string {
  if (!key) return SECRET_MARKER;
  return `[secret hmac:${createHmac("sha256", key).update(canonical(value)).digest("hex").slice(0, 16)}]`;
}

/** Inputs made JSON-safe: secrets as markers, assets, archives and resource references by kind. */
export function planInputs(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => planInputs(v, key));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return secretMarker(plainValue(obj["value"]), key);
    const proto: unknown = Object.getPrototypeOf(value);
    // FileAsset, StringAsset, a Resource reference...: only plain objects are data.
    if (proto !== Object.prototype && proto !== null) return `[${(value as { constructor?: { name?: string } }).constructor?.name ?? "object"}]`;
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined).map(([k, v]) => [k, planInputs(v, key)]));
  }
  return value;
}

/** A secret's value with nested secret wrappers removed (only ever hashed, never written). */
function plainValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return plainValue(obj["value"]);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

export function planResources(resources: readonly PlannedResource[], key: string | undefined): PlanResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    ignoreChanges: [...r.ignoreChanges],
    inputs: planInputs(r.inputs, key) as Record<string, unknown>,
  }));
}

/** The fingerprint key from the environment, or undefined; a short key is an error, not ignored. */
export function fingerprintKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env[FINGERPRINT_KEY_ENV];
  if (key === undefined || key === "") return undefined;
  if (key.length < FINGERPRINT_KEY_MIN_LENGTH) throw new Error(`${FINGERPRINT_KEY_ENV} must be at least ${FINGERPRINT_KEY_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  return key;
}

/**
 * Per `secure:` config key, a fingerprint of its ciphertext: the ciphertext is in the committed
 * stack file already, so its hash discloses nothing more. Keys are named as the plan's
 * `secretKeys` name them (`ns:key`, `ns:key.field`, `ns:key[0]`). Re-encrypting an unchanged value
 * gives a new ciphertext, so a changed fingerprint means "may have changed".
 */
export function ciphertextFingerprints(file: string, project: string): Record<string, string> {
  const doc: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  const config = doc && typeof doc === "object" && "config" in doc ? (doc as { config: unknown }).config : undefined;
  const out: Record<string, string> = {};
  const walk = (value: unknown, at: string): void => {
    if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
      out[at] = `ciphertext-sha256:${createHash("sha256").update(String((value as { secure: unknown }).secure)).digest("hex").slice(0, 16)}`;
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
  };
  if (config && typeof config === "object") for (const [raw, v] of Object.entries(config as Record<string, unknown>)) walk(v, raw.includes(":") ? raw : `${project}:${raw}`);
  return out;
}
