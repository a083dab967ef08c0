import { budgetProblems } from "./budget";
import { z } from "zod";
import { minRequestPathTimeout, type IngressSettings } from "../ingress/model";
import { ConfigError, problemsFromZod, type ConfigProblem, type FrontDoor } from "./errors";
import { SECRET_PLACEHOLDER } from "./load";
import { ENVIRONMENTS, type EnvironmentName } from "./environments";
import { foreignCloudProblems, noEffectProblems } from "./no-effect";
import { findPlaceholders, offlinePlanMarker } from "./placeholders";
import { resolveAzure } from "./resolve-azure";
import { resolveAwsStack } from "./resolve-aws";
import { resolveGcp } from "./resolve-gcp";
import { quarantineProblems, resolveQuarantine } from "../quarantine";
import { environmentProblems } from "./resolve-environment";
import { awsStackSchema, azureStackSchema, CLOUDS, gcpStackSchema, PROJECT, type RawStackConfig } from "./schema";
import { type SharedStackConfig, type StackConfig } from "./types";


/** Configuration as read from Pulumi: keys like `tee-prover-infra:ingress` with parsed values. */
export interface ConfigSource {
  /** Every config key of the stack, fully qualified (`namespace:key`), structured values parsed. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Directory that relative paths (release manifests) are resolved against: the Pulumi project. */
  readonly projectDir: string;
  /** Reads a file; injectable so tests need no files on disk. */
  readonly readFile?: (file: string) => string;
  /**
   * Fully-qualified keys whose values are (or contain) `secure:` values. `pulumi up` hands the
   * program decrypted values, so this list is the only way to tell them apart there; the stack-file
   * reader shows them as SECRET_PLACEHOLDER instead, which is checked as well.
   */
  readonly secretKeys?: readonly string[];
  /** Whose values these are, for the wording of messages (default: a stack's config). */
  readonly frontDoor?: FrontDoor;
  /**
   * Keys holding the library front door's stand-ins for unresolved Inputs (args.ts): never
   * reported as placeholders, since the real values are checked once known.
   */
  readonly standInKeys?: readonly string[];
}

/** Known keys of the schema node at `at`, for "did you mean" suggestions. */
function knownKeysAt(root: z.ZodType, at: ReadonlyArray<PropertyKey>): string[] {
  let nodes: z.ZodType[] = [root];
  for (const part of [...at, null]) {
    const next: z.ZodType[] = [];
    for (let node of nodes) {
      while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
      if (part === null) {
        if (node instanceof z.ZodObject) return Object.keys(node.shape);
        if (node instanceof z.ZodUnion) {
          return [...new Set((node.options as z.ZodType[]).flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : [])))];
        }
        continue;
      }
      if (node instanceof z.ZodUnion) next.push(...(node.options as z.ZodType[]));
      else if (node instanceof z.ZodArray && typeof part === "number") next.push(node.element as z.ZodType);
      else if (node instanceof z.ZodObject && typeof part === "string" && part in node.shape) next.push(node.shape[part] as z.ZodType);
      else if (node instanceof z.ZodRecord) next.push(node.valueType as z.ZodType);
    }
    // Unions: a key is looked up in every option that has it.
    nodes = next.flatMap((n) => (n instanceof z.ZodObject || n instanceof z.ZodArray || n instanceof z.ZodDefault || n instanceof z.ZodOptional || n instanceof z.ZodUnion || n instanceof z.ZodRecord ? [n] : []));
  }
  return [];
}

/** Strip the project namespace and keep only this project's keys. */
function projectValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value;
  }
  return out;
}


/** What a cloud's request path allows, and how its TEE artifact is named in messages. */
export interface IngressRules {
  /** The load balancer timeout that bounds a request, for the chosen mode. */
  readonly requestTimeout: { readonly name: string; readonly min: number; readonly max: number };
  /** The connection-draining setting and its maximum. */
  readonly drain: { readonly name: string; readonly max: number };
  /** "EIF" (AWS) or "image" (GCP). */
  readonly artifact: string;
  /** How to pin an artifact that serves TLS. */
  readonly tlsFix: string;
}


export function resolveIngress(
  raw: { ingress: RawStackConfig["ingress"]; proofServer: RawStackConfig["proofServer"] },
  releases: ReadonlyArray<{ version: string; servesTls: boolean }>,
  rules: IngressRules,
  problems: ConfigProblem[],
): IngressSettings {
  const { ingress, proofServer } = raw;
  // The reference build has no TLS at all (docs/proof-server.md): a release said to serve TLS
  // contradicts the build, and one of the two is wrong about what the hosts will run.
  if (proofServer.build === "reference") {
    releases.forEach((r, i) => {
      if (r.servesTls) {
        problems.push({
          key: "proofServer.build",
          message: `is reference, which serves plain HTTP only, but release ${i} (${r.version}) is declared to serve TLS`,
          fix: "set proofServer.build: tee if the release is the TEE build, or declare the release's servesTls: false",
        });
      }
    });
  }
  const minTimeout = minRequestPathTimeout(proofServer.jobTimeoutSeconds);
  const requestTimeoutSeconds = ingress.requestTimeoutSeconds ?? minTimeout;
  const drainTimeoutSeconds = ingress.drainTimeoutSeconds ?? minTimeout;
  const lb = rules.requestTimeout;
  if (requestTimeoutSeconds < minTimeout) {
    problems.push({
      key: "ingress.requestTimeoutSeconds",
      message: `${requestTimeoutSeconds} s is shorter than the job timeout (${proofServer.jobTimeoutSeconds} s) + 60 s: the load balancer would cut long proofs`,
      fix: `set it to at least ${minTimeout}, or remove it to use ${minTimeout}`,
    });
  } else if (requestTimeoutSeconds > lb.max) {
    problems.push({ key: "ingress.requestTimeoutSeconds", message: `${requestTimeoutSeconds} s is beyond the ${lb.name} range ${lb.min}-${lb.max} s`, fix: `set it between ${minTimeout} and ${lb.max}` });
  }
  if (minTimeout > rules.drain.max) {
    // No drain timeout can satisfy both rules: say so on the key that causes it.
    problems.push({
      key: "proofServer.jobTimeoutSeconds",
      message: `${proofServer.jobTimeoutSeconds} s + 60 s is beyond the ${rules.drain.name} maximum (${rules.drain.max} s): no drain timeout could outlast a running proof`,
      fix: `set it to at most ${rules.drain.max - (minTimeout - proofServer.jobTimeoutSeconds)}`,
    });
  } else if (drainTimeoutSeconds < minTimeout) {
    problems.push({
      key: "ingress.drainTimeoutSeconds",
      message: `${drainTimeoutSeconds} s is shorter than the job timeout + 60 s: a host leaving the fleet would drop running proofs`,
      fix: `set it to at least ${minTimeout}, or remove it`,
    });
  } else if (drainTimeoutSeconds > rules.drain.max) {
    problems.push({ key: "ingress.drainTimeoutSeconds", message: `${drainTimeoutSeconds} s is beyond the ${rules.drain.name} range 0-${rules.drain.max} s`, fix: `set it between ${minTimeout} and ${rules.drain.max}` });
  }

  const plainEifs = releases.filter((r) => !r.servesTls).map((r) => r.version);
  const tlsEifs = releases.filter((r) => r.servesTls).map((r) => r.version);
  const artifact = rules.artifact;
  if (ingress.mode === "passthrough") {
    if (ingress.backendProtocol === "HTTP") {
      problems.push({ key: "ingress.backendProtocol", message: "HTTP makes no sense in passthrough: the load balancer forwards TCP and TLS ends inside the TEE", fix: "remove ingress.backendProtocol, or use ingress.mode: terminate" });
    }
    if (plainEifs.length > 0) {
      problems.push({
        key: "ingress.mode",
        message: `passthrough needs TLS inside the TEE, but the ${artifact} of ${plainEifs.join(", ")} serves plain HTTP${artifact === "EIF" ? " (the published EIF runs with TLS and auth disabled)" : ""}; clients would send their witness in cleartext`,
        fix: `${rules.tlsFix}, or use ingress.mode: terminate`,
      });
    }
    if (ingress.plaintextHop) {
      problems.push({ key: "ingress.plaintextHop", message: "applies only to terminate mode; passthrough never has a plaintext hop", fix: "remove ingress.plaintextHop" });
    }
    if (ingress.httpRedirect) {
      problems.push({ key: "ingress.httpRedirect", message: "applies only to terminate mode; passthrough forwards TCP on the listener port only and has no HTTP listener to redirect from", fix: "remove ingress.httpRedirect, or use ingress.mode: terminate" });
    }
  } else {
    if (ingress.backendProtocol === "HTTP" && !ingress.plaintextHop) {
      problems.push({
        key: "ingress.plaintextHop",
        message: "terminate mode with backendProtocol HTTP sends proof requests in plaintext from the load balancer to the host (on AWS the parent instance, outside the enclave, sees them); this must be accepted explicitly",
        fix: `set ingress.plaintextHop: {accepted: true, reason: "..."}, or use backendProtocol HTTPS with an ${artifact} that serves TLS`,
      });
    }
    if (ingress.backendProtocol === "HTTPS" && plainEifs.length > 0) {
      problems.push({
        key: "ingress.backendProtocol",
        message: `HTTPS to the target, but the ${artifact} of ${plainEifs.join(", ")} serves plain HTTP: health checks and requests would fail`,
        fix: `pin an ${artifact} that serves TLS, or set backendProtocol: HTTP and accept the plaintext hop (ingress.plaintextHop)`,
      });
    }
    if (ingress.backendProtocol === "HTTP" && tlsEifs.length > 0) {
      problems.push({ key: "ingress.backendProtocol", message: `HTTP to the target, but the ${artifact} of ${tlsEifs.join(", ")} serves TLS`, fix: "set backendProtocol: HTTPS" });
    }
    if (ingress.backendProtocol === "HTTPS" && ingress.plaintextHop) {
      problems.push({ key: "ingress.plaintextHop", message: "is set but the backend protocol is HTTPS, so there is no plaintext hop to accept", fix: "remove ingress.plaintextHop" });
    }
    if (ingress.httpRedirect && ingress.listenerPort === 80) {
      problems.push({ key: "ingress.httpRedirect", message: "needs port 80 for the redirect, but ingress.listenerPort is 80 too", fix: "use another ingress.listenerPort (443), or remove ingress.httpRedirect" });
    }
  }
  return {
    mode: ingress.mode,
    listenerPort: ingress.listenerPort,
    allowedClientCidrs: ingress.allowedClientCidrs,
    requestTimeoutSeconds,
    drainTimeoutSeconds,
    backendProtocol: ingress.mode === "passthrough" ? "HTTPS" : ingress.backendProtocol,
    ...(ingress.mode === "terminate" && ingress.plaintextHop ? { plaintextHopAcceptedReason: ingress.plaintextHop.reason } : {}),
    rateLimitPer5Minutes: ingress.rateLimitPer5Minutes,
    httpRedirect: ingress.mode === "terminate" && ingress.httpRedirect,
  };
}


/** The quarantine, when on (its checks run in resolveStackConfig). */
function quarantineOf(raw: RawStackConfig): { quarantine?: NonNullable<SharedStackConfig["quarantine"]> } {
  const quarantine = resolveQuarantine(raw.quarantine);
  return quarantine ? { quarantine } : {};
}

/** The settings every cloud's resolved config carries as parsed. */
export function sharedSettings(raw: RawStackConfig, ingress: IngressSettings): Omit<SharedStackConfig, "ingress"> & { ingress: IngressSettings } {
  return { environment: raw.environment, namePrefix: raw.namePrefix, ...(raw.previousNamePrefix !== undefined ? { previousNamePrefix: raw.previousNamePrefix } : {}), proofServer: raw.proofServer, ingress, alarms: raw.alarms, tags: raw.tags, ...quarantineOf(raw), ...(raw.budget ? { budget: raw.budget } : {}) };
}

/**
 * proofServer.env reaches the workload as `tee-env-*` instance metadata, so each value is readable
 * by anyone with compute.instances.get (roles/compute.viewer: the prober's account has it), sits
 * unencrypted in Pulumi state and is echoed in the attestation token's env_override. Keys reach the
 * workload only through the attestation-gated secrets (components/gcp/identity.ts). Names and
 * values that look like secrets are refused; so is any `secure:` value, which Pulumi would decrypt
 * into the metadata.
 */
const SECRET_NAME_PARTS = ["KEY", "TOKEN", "SECRET", "PASSW", "PASSPHRASE", "CREDENTIAL", "PRIVATE", "MNEMONIC"] as const;
const SECRET_NAME_WORDS = new Set(["PWD", "PASS", "COOKIE", "SALT"]);
const PUBLIC_PEM_LABELS = new Set(["CERTIFICATE", "TRUSTED CERTIFICATE", "PUBLIC KEY", "X509 CRL"]);

/** Why a proofServer.env entry looks like a secret, or undefined. Exported for the docs' examples. */
export function secretLikeEnv(name: string, value: string): string | undefined {
  const part = SECRET_NAME_PARTS.find((p) => name.includes(p)) ?? name.split("_").find((w) => SECRET_NAME_WORDS.has(w));
  if (part) return `its name contains ${part}`;
  // Certificates and public keys are public; any other PEM block (PRIVATE KEY, RSA PRIVATE KEY,
  // ENCRYPTED PRIVATE KEY, OPENSSH PRIVATE KEY...) is key material, even after a certificate.
  const privatePem = [...value.matchAll(/-----BEGIN ([A-Z0-9 ]*)-----/g)].map((m) => m[1]!).find((label) => !PUBLIC_PEM_LABELS.has(label));
  if (privatePem !== undefined) return `its value holds a PEM "${privatePem}" block`;
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(value)) return "its value is a JSON Web Token";
  if (looksRandom(value)) return "its value looks like a key: a long, random-looking string";
  return undefined;
}

/**
 * A long token of base64/hex-ish characters with letters and digits and near-random character
 * distribution: at least 24 characters and 3.5 bits of entropy per character (a 32-character hex
 * key has about 3.7, English words and version strings far less, paths and URLs are excluded).
 */
function looksRandom(value: string): boolean {
  if (value.length < 24 || !/^[A-Za-z0-9+=_-][A-Za-z0-9+/=_-]*$/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= 3.5;
}

export function secretsInProofServerEnv(source: ConfigSource, env: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fix = "remove it from proofServer.env: put keys in the attestation-gated Secret Manager secrets (API keys, TLS key), which only an attested workload of a pinned release can read";
  const prefix = `${PROJECT}:proofServer`;
  const secretKeys = (source.secretKeys ?? []).filter((k) => k === prefix || k.startsWith(`${prefix}.env`));
  for (const [name, value] of Object.entries(env)) {
    const key = `proofServer.env.${name}`;
    const markedSecure = value === SECRET_PLACEHOLDER || secretKeys.some((k) => k === `${prefix}.env.${name}`);
    if (markedSecure) {
      problems.push({ key, message: "is a secure: value; proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token, so a secret there is no secret", fix });
      continue;
    }
    const why = secretLikeEnv(name, value);
    if (why) {
      problems.push({ key, message: `looks like a secret (${why}); proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token`, fix });
    }
  }
  // `pulumi up` marks the whole proofServer key secret when any value in it is secure.
  if (secretKeys.includes(prefix) && Object.keys(env).length > 0 && problems.length === 0) {
    problems.push({ key: "proofServer", message: "holds a secure: value; proofServer.env is written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token", fix });
  }
  return problems;
}


/**
 * Placeholders left from the examples, in an environment that refuses them. Under the offline
 * plan's marker (placeholders.ts) they are collected for the plan's finding instead.
 */
function placeholderProblems(source: ConfigSource, environment: EnvironmentName): ConfigProblem[] {
  if (ENVIRONMENTS[environment].placeholdersAllowed) return [];
  const found = findPlaceholders(source.values, PROJECT, new Set(source.standInKeys ?? []));
  const marker = offlinePlanMarker();
  if (marker) {
    for (const f of found) marker.placeholders.set(f.key, f);
    return [];
  }
  return found.map((f) => ({
    key: f.key,
    message: `"${f.value}" is a placeholder left from an example (${f.reason}); ${environment} refuses it, since pulumi up would fail late or act on someone else's name`,
    fix: `replace it with this stack's own value: pulumi config set --path '${f.key}' <value>`,
  }));
}

/**
 * Validate a stack's configuration once, at the edge. Throws a ConfigError listing every problem
 * (key, what is wrong, how to fix it) before any resource is declared.
 */
export function resolveStackConfig(source: ConfigSource): StackConfig {
  const values = projectValues(source.values);
  const cloud = z.enum(CLOUDS).safeParse(values["cloud"]);
  if (!cloud.success) {
    throw new ConfigError([{ key: "cloud", message: values["cloud"] === undefined ? "is required" : `"${String(values["cloud"])}" is not a cloud; allowed: ${CLOUDS.join(", ")}`, fix: "pulumi config set cloud aws (or gcp, azure)" }]);
  }
  const schema = cloud.data === "aws" ? awsStackSchema : cloud.data === "gcp" ? gcpStackSchema : azureStackSchema;
  // Another cloud's section or provider keys: refused with the reason, not as an unknown key.
  const foreign = foreignCloudProblems(cloud.data, source.values, PROJECT, (source.frontDoor ?? { kind: "stack" }).kind === "stack");
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(values).filter(([k]) => !foreign.foreignSections.includes(k))), { reportInput: true });
  if (!parsed.success) throw new ConfigError([...foreign.problems, ...problemsFromZod(parsed.error, (at) => knownKeysAt(schema, at))], source.frontDoor);
  const raw = parsed.data;
  const problems: ConfigProblem[] = [...foreign.problems, ...noEffectProblems(cloud.data, values)];
  problems.push(...environmentProblems(raw, source.values["aws:region"]));
  problems.push(...placeholderProblems(source, raw.environment));
  if (raw.previousNamePrefix !== undefined && raw.previousNamePrefix === raw.namePrefix) {
    problems.push({ key: "previousNamePrefix", message: `equals namePrefix ("${raw.namePrefix}"): there is no rename to carry over`, fix: "remove previousNamePrefix once the renaming `pulumi up` has run" });
  }
  problems.push(...quarantineProblems(raw.quarantine));
  const config = raw.cloud === "aws" ? resolveAwsStack(source, raw, problems) : raw.cloud === "gcp" ? resolveGcp(source, raw, problems) : resolveAzure(source, raw, problems);
  problems.push(...budgetProblems(raw));
  if (problems.length > 0 || !config) throw new ConfigError(problems, source.frontDoor);
  return config;
}

