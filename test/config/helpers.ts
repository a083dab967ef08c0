/**
 * Shared fixtures for the config tests: a valid base (Pulumi.dev.yaml as the loader reads it),
 * one-mutation-per-case helpers, crafted manifests fed through the injectable `readFile`, and an
 * assertion helper that fails when no ConfigError is thrown (so no case can pass vacuously).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { ConfigError, type ConfigProblem } from "../../src/config/errors";
import { readStackFile } from "../../src/config/load";
import { resolveStackConfig, type ConfigSource } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import type { AwsStackConfig } from "../../src/config/types";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const REAL_MANIFEST_REL = "releases/pcr-measurements.v6.3.1.json";
export const REAL_MANIFEST_TEXT = fs.readFileSync(path.join(PROJECT_DIR, REAL_MANIFEST_REL), "utf8");
/**
 * A release the package does not know (crafted, served by `files` only), for EIFs that serve TLS:
 * unlike the published v6.3.1, whose EIF is known to serve plain HTTP, it must state servesTls.
 */
export const TLS_MANIFEST_REL = "releases/pcr-measurements.v6.4.0-tls.json";

/** The published v6.3.1 values, copied here so a test compares against literals, not the code's own reading. */
export const V631 = {
  pcr0: "7a4a106361d6e434a58f63999ba1f59b662d69ee181716061904ff5bd159da139af4a2c430c3f593769c64a42edac34f",
  pcr1: "4b4d5b3661b3efc12920900c80e126e4ce783c522de6c02a2a5bf7af3a2b9327b86776f188e4be1c1c404a129dbda493",
  pcr2: "f707d62f55eef04ca9447c09f735b137fcb39512e869f401cd925594656a6ff91b0476174d73b4e7f170221bb21caf68",
} as const;

/** A distinct, well-formed SHA-384 value. */
export const fakePcr = (label: string): string => createHash("sha384").update(label).digest("hex");

export type Json = any;

/** Parsed JSON of the real manifest, to mutate into bad or new ones. */
export function realManifest(): Json {
  return JSON.parse(REAL_MANIFEST_TEXT);
}

/** A manifest text: the real one with `mutate` applied. */
export function manifestWith(mutate: (m: Json) => void): string {
  const m = realManifest();
  mutate(m);
  return JSON.stringify(m, null, 2);
}

/** A later release's manifest with its own PCRs (and optionally another buildInfo). */
export function otherRelease(version: string, buildInfo: { cpuCount?: number; memoryMB?: number } = {}): string {
  return manifestWith((m) => {
    m.version = version;
    m.measurements.pcr0.value = fakePcr(`${version}/pcr0`);
    m.measurements.pcr1.value = fakePcr(`${version}/pcr1`);
    m.measurements.pcr2.value = fakePcr(`${version}/pcr2`);
    m.buildInfo.eifFile = `proof-server-${version}.eif`;
    Object.assign(m.buildInfo, buildInfo);
  });
}

/** Fully-qualified values of Pulumi.dev.yaml, a fresh copy per call. */
export function devValues(): Record<string, Json> {
  return structuredClone(readStackFile(PROJECT_DIR, "dev").values) as Record<string, Json>;
}

/** The value of a project key (`tee-prover-infra:<key>`) in a values map, for mutation. */
export function key(values: Record<string, Json>, name: string): Json {
  return values[`${PROJECT}:${name}`];
}

/** Dev values with one mutation applied. */
export function devWith(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void): Record<string, Json> {
  const values = devValues();
  mutate(values, (name) => key(values, name));
  return values;
}

/**
 * A readFile that serves files by path relative to the project (the real manifest is always
 * there) and throws ENOENT for anything else: no files on disk are needed for crafted manifests.
 */
export function files(extra: Record<string, string> = {}): (file: string) => string {
  const table: Record<string, string> = { [REAL_MANIFEST_REL]: REAL_MANIFEST_TEXT, [TLS_MANIFEST_REL]: otherRelease("v6.4.0"), ...extra };
  return (file: string) => {
    const rel = path.relative(PROJECT_DIR, file);
    const text = table[rel];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: "ENOENT" });
    return text;
  };
}

export function source(values: Record<string, Json>, extraFiles: Record<string, string> = {}): ConfigSource {
  return { values, projectDir: PROJECT_DIR, readFile: files(extraFiles) };
}

/** Resolve; fails the test with the problems if the config is rejected. */
export function resolveOk(values: Record<string, Json>, extraFiles: Record<string, string> = {}): AwsStackConfig {
  try {
    const config = resolveStackConfig(source(values, extraFiles));
    if (config.cloud !== "aws") expect.fail(`expected an aws config, got ${config.cloud}`);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) expect.fail(`expected the config to resolve, got:\n${e.message}`);
    throw e;
  }
}

/** Resolve and return the ConfigError; fails the test if nothing (or something else) is thrown. */
export function configError(values: Record<string, Json>, extraFiles: Record<string, string> = {}): ConfigError {
  let thrown: unknown;
  try {
    resolveStackConfig(source(values, extraFiles));
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) expect.fail("expected a ConfigError, but the config resolved");
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/** Problems of a rejected config, checking the invariants every problem must satisfy. */
export function problemsOf(values: Record<string, Json>, extraFiles: Record<string, string> = {}): ConfigProblem[] {
  const error = configError(values, extraFiles);
  expect(error.problems.length).toBeGreaterThan(0);
  for (const p of error.problems) {
    // Every problem names its key (prefixed in the printed message), says what is wrong and how to fix it.
    expect(p.message.length).toBeGreaterThan(0);
    expect(typeof p.fix).toBe("string");
    expect(p.fix!.length).toBeGreaterThan(0);
    const printed = p.key.includes(":") ? p.key : `${PROJECT}:${p.key}`;
    expect(error.message).toContain(`  - ${printed}: ${p.message}`);
  }
  expect(error.message).toContain(`invalid stack configuration (${error.problems.length} problem${error.problems.length === 1 ? "" : "s"}):`);
  return [...error.problems];
}

/**
 * The config is rejected with exactly one problem, on `expectedKey`, whose message contains every
 * string of `message` and whose fix contains every string of `fix`. Returns the problem.
 */
export function expectOnlyProblem(
  values: Record<string, Json>,
  expectedKey: string,
  message: string | readonly string[],
  fix: string | readonly string[] = [],
  extraFiles: Record<string, string> = {},
): ConfigProblem {
  const problems = problemsOf(values, extraFiles);
  expect(problems.map((p) => p.key)).toEqual([expectedKey]);
  const problem = problems[0]!;
  for (const part of typeof message === "string" ? [message] : message) expect(problem.message).toContain(part);
  for (const part of typeof fix === "string" ? [fix] : fix) expect(problem.fix).toContain(part);
  return problem;
}

/**
 * Example values turned into realistic ones: the shipped stack files' placeholders (example account
 * ids, `example-` names, example.com, all-zero digests and GUIDs, PLACEHOLDER marks), which prod
 * refuses. Walks any value; strings are rewritten, the rest copied.
 */
export function withoutPlaceholders(value: Json): Json {
  if (typeof value === "string") {
    return value
      .replace(/123456789012/g, "210987654321")
      .replace(/PLACEHOLDER-/g, "")
      .replace(/example-/g, "acme-")
      .replace(/example\.com/g, "acme-prover.io")
      .replace(/sha256:0{64}/g, `sha256:${"ab".repeat(32)}`)
      .replace(/^ami-0+$/, "ami-0123456789abcdef0")
      .replace(/^000000-000000-000000$/, "01A2B3-C4D5E6-F7A8B9")
      .replace(/^0{64}$/, "ab".repeat(32))
      .replace(/00000000-0000-0000-0000-0000000000([0-9a-f]{2})/gi, "3f2a8c1e-5b7d-4e9a-9c0b-1d2e3f4a5b$1");
  }
  if (Array.isArray(value)) return value.map(withoutPlaceholders);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPlaceholders(v)]));
  return value;
}

/**
 * A stack's values (any cloud) made into a prod config that meets every floor of the profile:
 * no placeholders, P0/P1 paged over HTTPS, two hosts, and per cloud a pinned host image, a NAT per
 * AZ and a 30-day key window (AWS), two zones (Azure). A test then breaks the one floor it checks.
 */
export function prodReady(values: Record<string, Json>): Record<string, Json> {
  const out = withoutPlaceholders(values) as Record<string, Json>;
  out[`${PROJECT}:environment`] = "prod";
  const alarms = out[`${PROJECT}:alarms`] ?? (out[`${PROJECT}:alarms`] = {});
  for (const sev of ["P0", "P1"]) alarms[sev] = { ...(alarms[sev] ?? {}), httpsEndpoints: [`https://events.pager.acme-prover.io/integration/${sev.toLowerCase()}`] };
  const aws = out[`${PROJECT}:aws`];
  if (aws) {
    aws.fleet = { ...(aws.fleet ?? {}), minSize: 2, maxSize: 4 };
    aws.amiId = "ami-0123456789abcdef0";
    aws.kmsDeletionWindowDays = 30;
    if (aws.vpc?.mode === "create") aws.vpc.natGateways = "perAz";
  }
  const gcp = out[`${PROJECT}:gcp`];
  if (gcp) gcp.fleet = { ...(gcp.fleet ?? {}), minSize: 2, maxSize: 4 };
  // prod requires a monthly budget; GCP budgets live on a billing account.
  out[`${PROJECT}:budget`] = { monthlyAmount: 1000, ...(gcp ? { billingAccount: "01A2B3-C4D5E6-F7A8B9" } : {}) };
  const azure = out[`${PROJECT}:azure`];
  if (azure) {
    azure.fleet = { ...(azure.fleet ?? {}), minSize: 2, maxSize: 4 };
    azure.zones = ["1", "2"];
    azure.image = { ...(azure.image ?? {}), version: "22.04.202411010" };
  }
  return out;
}

/** Dev values made prod-ready, with one mutation applied. */
export function prodWith(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void = () => {}): Record<string, Json> {
  const values = prodReady(devValues());
  mutate(values, (name) => key(values, name));
  return values;
}
