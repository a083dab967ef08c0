/**
 * Live checks of a deployed endpoint: `/health`, `/ready`, `/version`, `/attestation?nonce=` (the
 * TEE proof server's public routes, midnight-ledger tee-proof-server-proto/proof-server/src/lib.rs),
 * the TLS certificate's expiry, and whether that certificate is bound to the attestation.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { NITRO_DOCUMENT_MAX_SKEW_MS } from "../attestation/pins";
import { ALARM_CATALOGUE } from "../monitoring/catalogue";
import { verifyNitroDocument, type NitroDocumentResult, type NitroDocumentSummary } from "./nitro-document";
import { ok, p0, skip, warn, type Check } from "./result";
import type { StackPins } from "./stack";

export interface LiveOptions {
  readonly endpoint: URL;
  readonly pins: StackPins;
  /** Sent as `Authorization: Bearer` (the server's public routes do not need it; a gateway may). */
  readonly apiKey?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a private CA; tests pass their self-signed certificate. */
  readonly ca?: string | Buffer;
  /**
   * The nonce to send. Default: 32 fresh random bytes as hex. Only tests set it: a real document's
   * nonce is fixed, so a fixture can only "echo" the nonce it was made with.
   */
  readonly nonce?: string;
  /** Clock for freshness and certificate expiry (tests pin it). */
  readonly now?: () => Date;
  readonly timeoutMs?: number;
}

export interface LiveResult {
  readonly checks: readonly Check[];
  readonly document?: NitroDocumentSummary;
  readonly tls?: { readonly subject: string; readonly validTo: string; readonly daysLeft: number; readonly spkiSha256: string };
}

/** How far the document's timestamp may be from this machine's clock before we warn (the host agent fails it). */
export const MAX_DOCUMENT_SKEW_MS = NITRO_DOCUMENT_MAX_SKEW_MS;

function threshold(id: string): number {
  const alarm = ALARM_CATALOGUE.find((a) => a.id === id);
  if (!alarm) throw new Error(`alarm ${id} missing from the catalogue`);
  return alarm.threshold;
}

export interface Fetched {
  readonly status: number;
  readonly body: string;
  readonly peer?: crypto.X509Certificate;
}

/** One GET with the verifier's conventions (its own connection, peer certificate kept, timeout); also used by `npm run evidence`. */
export function get(url: URL, options: Pick<LiveOptions, "apiKey" | "insecureSkipTlsVerify" | "ca" | "timeoutMs">): Promise<Fetched> {
  const headers: Record<string, string> = { accept: "application/json, text/plain" };
  if (options.apiKey) headers["authorization"] = `Bearer ${options.apiKey}`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      // Read the peer certificate now: the socket is released once the body ends.
      const socket = res.socket;
      const raw = socket instanceof tls.TLSSocket ? socket.getPeerCertificate().raw : undefined;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ...(raw ? { peer: new crypto.X509Certificate(raw) } : {}) }));
      res.on("error", reject);
    };
    // agent: false gives each request its own connection, so every response carries its peer certificate.
    const req =
      url.protocol === "https:"
        ? https.request(url, { method: "GET", headers, agent: false, rejectUnauthorized: !options.insecureSkipTlsVerify, ...(options.ca ? { ca: options.ca } : {}) }, onResponse)
        : http.request(url, { method: "GET", headers, agent: false }, onResponse);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export function route(base: URL, pathname: string, query?: Record<string, string>): URL {
  const url = new URL(base.toString());
  url.pathname = `${base.pathname.replace(/\/$/, "")}${pathname}`;
  url.search = query ? new URLSearchParams(query).toString() : "";
  return url;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

const field = (obj: unknown, key: string): unknown => (obj && typeof obj === "object" && key in obj ? (obj as Record<string, unknown>)[key] : undefined);
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const normalizeVersion = (v: string): string => v.trim().replace(/^v/i, "");

function tlsCheck(peer: crypto.X509Certificate | undefined, url: URL, now: Date, insecure: boolean): { checks: Check[]; info?: LiveResult["tls"] } {
  if (url.protocol !== "https:") return { checks: [warn("tls", "plain HTTP: the client cannot tell this endpoint from an impostor, and witnesses travel in clear")] };
  if (!peer) return { checks: [warn("tls", "no peer certificate seen")] };
  const validTo = new Date(peer.validTo);
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  const minDays = threshold("tls-cert-expiring");
  const subject = peer.subject.replace(/\n/g, ", ");
  const checks: Check[] = [];
  if (insecure) checks.push(warn("tls-trust", "certificate NOT verified (--insecure-skip-tls-verify): this run cannot tell the endpoint from an impostor"));
  else checks.push(ok("tls-trust", `certificate of ${subject} verified against the trusted CAs for ${url.hostname}`));
  checks.push(
    daysLeft < 0
      ? p0("tls-expiry", `certificate expired on ${validTo.toISOString()}`)
      : daysLeft < minDays
        ? warn("tls-expiry", `certificate expires in ${daysLeft} days (${validTo.toISOString()}); the alarm threshold is ${minDays} days`)
        : ok("tls-expiry", `certificate expires in ${daysLeft} days (${validTo.toISOString()})`),
  );
  const spki = peer.publicKey.export({ type: "spki", format: "der" });
  return { checks, info: { subject, validTo: validTo.toISOString(), daysLeft, spkiSha256: crypto.createHash("sha256").update(spki).digest("hex") } };
}

/**
 * Is the TLS key the client talks to attested? Only if the attested document names it: its
 * `public_key` is the certificate's SubjectPublicKeyInfo, or its `user_data`/`nonce` carry a
 * SHA-256/384 of that SPKI or of the certificate (the RA-TLS pattern). The TEE proof server asks the
 * NSM for a document with neither (`request_attestation(nonce, None, None)` in nsm_attestation.rs),
 * so today this is always "not bound".
 */
export function tlsBinding(peer: crypto.X509Certificate | undefined, doc: NitroDocumentResult | undefined): Check {
  const fix = "binding needs RA-TLS: the TLS key generated inside the enclave and its hash put in the attestation's user_data (or public_key)";
  if (!peer) return warn("tls-binding", `not bound: no TLS certificate to bind; ${fix}`);
  if (!doc?.boundData || doc.overall === "P0") return warn("tls-binding", `not bound: no verified attestation to bind the certificate to; ${fix}`);
  const spki = peer.publicKey.export({ type: "spki", format: "der" });
  const digests = [spki, peer.raw].flatMap((b) => [crypto.createHash("sha256").update(b).digest(), crypto.createHash("sha384").update(b).digest()]);
  const { publicKey, userData, nonce } = doc.boundData;
  const bound = (publicKey !== null && publicKey.equals(spki)) || [userData, nonce].some((d) => d !== null && digests.some((h) => d.includes(h)));
  return bound
    ? ok("tls-binding", "the attested document names this TLS key: a terminator in front of the enclave would be detected")
    : warn("tls-binding", `not bound: the attestation does not name this TLS key, so a TLS terminator run by whoever controls a parent instance, the load balancer or the domain's certificate would pass these checks; ${fix}`);
}

/** Run every live check; never throws for endpoint problems (they are failed checks). */
export async function verifyEndpoint(options: LiveOptions): Promise<LiveResult> {
  const now = options.now ?? (() => new Date());
  const checks: Check[] = [];
  const base = options.endpoint;

  // /health first: it also proves the TLS handshake; if that fails nothing else can be judged.
  let health: Fetched;
  try {
    health = await get(route(base, "/health"), options);
  } catch (e) {
    checks.push(p0("health", `${route(base, "/health").toString()} unreachable: ${errorText(e)}`));
    for (const id of ["ready", "version", "attestation", "tls-binding"]) checks.push(skip(id, "endpoint unreachable"));
    return { checks };
  }
  const tlsResult = tlsCheck(health.peer, base, now(), options.insecureSkipTlsVerify === true);
  checks.push(...tlsResult.checks);
  checks.push(
    health.status === 200 && field(parseJson(health.body), "status") === "ok"
      ? ok("health", "/health answers status ok")
      : p0("health", `/health answered ${health.status}: ${health.body.slice(0, 200)}`),
  );

  try {
    const ready = await get(route(base, "/ready"), options);
    const body = parseJson(ready.body);
    const pending = field(body, "jobsPending");
    const processing = field(body, "jobsProcessing");
    const capacity = field(body, "jobCapacity");
    const maxQueue = threshold("queue-deep");
    if (ready.status === 503) checks.push(warn("ready", "/ready answers 503: the server is at its job capacity"));
    else if (ready.status !== 200 || typeof pending !== "number") checks.push(warn("ready", `/ready answered ${ready.status} without jobsPending: ${ready.body.slice(0, 200)}`));
    else {
      const depth = `queue depth ${pending} pending, ${String(processing)} processing, capacity ${capacity === 0 ? "unlimited" : String(capacity)}`;
      checks.push(pending > maxQueue ? warn("ready", `${depth}: above the alarm threshold ${maxQueue}`) : ok("ready", depth));
    }
  } catch (e) {
    checks.push(warn("ready", `/ready failed: ${errorText(e)}`));
  }

  const accepted = options.pins.releases.map((r) => r.version);
  try {
    const version = await get(route(base, "/version"), options);
    // The TEE build answers the crate version as plain text; accept a {version} JSON body too.
    const parsed = parseJson(version.body);
    const reported = typeof field(parsed, "version") === "string" ? String(field(parsed, "version")) : version.body.trim();
    const match = accepted.find((v) => normalizeVersion(v) === normalizeVersion(reported));
    checks.push(
      version.status !== 200
        ? warn("version", `/version answered ${version.status}`)
        : match
          ? ok("version", `/version reports ${reported}, a pinned release (${match}); self-reported, the PCRs are what prove it`)
          : warn("version", `/version reports ${reported}, not a pinned release (${accepted.join(", ")}); self-reported, so the attestation below decides`),
    );
  } catch (e) {
    checks.push(warn("version", `/version failed: ${errorText(e)}`));
  }

  const nonce = options.nonce ?? crypto.randomBytes(32).toString("hex");
  let doc: NitroDocumentResult | undefined;
  try {
    const res = await get(route(base, "/attestation", { nonce }), options);
    const body = parseJson(res.body);
    const platform = String(field(body, "platform") ?? "");
    const evidence = field(body, "attestation");
    const error = field(body, "error");
    if (options.pins.cloud === "gcp") {
      // The TEE build's GCP answer is `tpm2_pcrread` output (no quote, no signature) and its Azure
      // answer an IMDS identity document: neither proves what runs (midnight-ledger attestation.rs).
      checks.push(warn("attestation", `${platform || "the server"} returned ${typeof evidence === "string" ? "evidence" : "no evidence"} that proves nothing: unsigned PCR reads (GCP) or a VM identity document (Azure) carry no signature over the workload. What protects this fleet's secrets is the Workload Identity condition on the Confidential Space token, not this endpoint`));
    } else if (res.status !== 200 || typeof evidence !== "string" || evidence.length === 0) {
      checks.push(p0("attestation", `no attestation document (HTTP ${res.status}, platform ${platform || "?"}${typeof error === "string" ? `, error: ${error}` : ""})`));
    } else if (!/nitro/i.test(platform)) {
      checks.push(p0("attestation", `platform is "${platform}", not AWS Nitro Enclaves`));
    } else {
      if (field(body, "nonce") !== nonce) checks.push(warn("attestation-nonce-field", "the JSON nonce field does not repeat the nonce sent (only the signed document's nonce counts)"));
      // The server hands the query string's bytes to the NSM (`n.as_bytes()` in attestation.rs), not hex-decoded.
      doc = verifyNitroDocument(Buffer.from(evidence, "base64"), {
        releases: options.pins.releases,
        expectedNonce: Buffer.from(nonce, "utf8"),
        freshness: { now: now(), maxSkewMs: MAX_DOCUMENT_SKEW_MS },
      });
      checks.push(doc.overall === "P0" ? p0("attestation", "the Nitro attestation document failed verification (see the checks below)") : ok("attestation", `Nitro attestation document from ${doc.document?.moduleId ?? "?"}`));
      checks.push(...doc.checks.map((c) => ({ ...c, id: `document.${c.id}` })));
    }
  } catch (e) {
    checks.push(p0("attestation", `/attestation failed: ${errorText(e)}`));
  }
  checks.push(tlsBinding(base.protocol === "https:" ? health.peer : undefined, doc));
  return { checks, ...(doc?.document ? { document: doc.document } : {}), ...(tlsResult.info ? { tls: tlsResult.info } : {}) };
}
