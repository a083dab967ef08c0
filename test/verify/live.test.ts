/**
 * Live mode against a local HTTPS server on 127.0.0.1 (self-signed certificate made here with
 * openssl) that serves the real production attestation document. A real document's nonce is fixed
 * (1024 bytes of 0x01), so a fresh random nonce cannot be echoed: that mismatch must be a P0, and
 * the happy path sends the document's own nonce through the test-only `nonce` option.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../src/verify/args";
import { tlsBinding, verifyEndpoint, type LiveOptions, type LiveResult } from "../../src/verify/live";
import type { NitroDocumentResult } from "../../src/verify/nitro-document";
import { runVerify } from "../../src/verify/run";
import type { StackPins } from "../../src/verify/stack";
import { BLOCKY_PCRS, BLOCKY_TIMESTAMP, V631_PCRS, fixture, release } from "./helpers";

const DOC_B64 = fixture("nitrite-blocky-2024-09-07.cbor").toString("base64");
const DOC_NONCE = "\u0001".repeat(1024); // its bytes are the document's nonce
const PINS: StackPins = { stack: "t", cloud: "aws", releases: [release("6.2.0-alpha.1", BLOCKY_PCRS)] };

/** What the test server answers; tests change it and restore it. */
const serve = {
  attestation: (nonce: string | null): unknown => ({ platform: "AWS Nitro Enclaves", format: "CBOR/COSE_Sign1", nonce, attestation: DOC_B64, metadata: {} }),
  version: "6.2.0-alpha.1",
  ready: { status: "ok", jobsProcessing: 1, jobsPending: 2, jobCapacity: 0, timestamp: "x" } as Record<string, unknown>,
  lastAuthorization: undefined as string | undefined,
};

let server: https.Server;
let endpoint: URL;
let cert: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "verify-live-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "400", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  serve.lastAuthorization = req.headers.authorization;
  const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (url.pathname === "/health") json(200, { status: "ok", timestamp: "x" });
  else if (url.pathname === "/ready") json(200, serve.ready);
  else if (url.pathname === "/version") res.writeHead(200, { "content-type": "text/plain" }).end(serve.version);
  else if (url.pathname === "/attestation") json(200, serve.attestation(url.searchParams.get("nonce")));
  else json(404, {});
}

const live = (extra: Partial<LiveOptions> = {}) => verifyEndpoint({ endpoint, pins: PINS, ca: cert, now: () => BLOCKY_TIMESTAMP, timeoutMs: 2000, ...extra });
const byId = (r: LiveResult, id: string) => r.checks.find((c) => c.id === id);
const failing = (r: LiveResult) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);
const warned = (r: LiveResult) => r.checks.filter((c) => c.status === "warn").map((c) => c.id);

describe("verifyEndpoint against a local HTTPS server serving the real document", () => {
  it("passes every check when the document echoes the nonce sent; TLS is reported as not bound", async () => {
    const r = await live({ nonce: DOC_NONCE });
    expect(failing(r)).toEqual([]);
    expect(warned(r)).toEqual(["tls-binding"]);
    expect(byId(r, "tls-binding")?.reason).toContain("RA-TLS");
    expect(byId(r, "document.nonce")?.status).toBe("ok");
    expect(byId(r, "document.pcrs")?.status).toBe("ok");
    expect(byId(r, "version")?.status).toBe("ok");
    expect(byId(r, "ready")?.reason).toContain("queue depth 2 pending, 1 processing, capacity unlimited");
    expect(r.tls?.daysLeft).toBeGreaterThan(600); // a 400-day certificate seen from 2024
    expect(r.document?.moduleId).toBe("i-0a22e5c5f24d22174-enc0191cceb4289903f");
  });

  it("reports a fresh random nonce that the document does not echo as P0", async () => {
    const r = await live();
    expect(failing(r)).toEqual(["attestation", "document.nonce"]);
    expect(byId(r, "document.nonce")?.severity).toBe("P0");
  });

  it("warns when the document's timestamp is far from the clock (a replay would also fail the nonce)", async () => {
    const r = await live({ nonce: DOC_NONCE, now: () => new Date(BLOCKY_TIMESTAMP.getTime() + 3_600_000) });
    expect(failing(r)).toEqual([]);
    expect(warned(r)).toEqual(["document.timestamp", "tls-binding"]);
  });

  it("reports PCRs of another release as P0", async () => {
    const r = await live({ nonce: DOC_NONCE, pins: { stack: "t", cloud: "aws", releases: [release("6.2.0-alpha.1", V631_PCRS)] } });
    expect(failing(r)).toEqual(["attestation", "document.pcrs"]);
  });

  it("reports an /attestation answer without a document (NSM unavailable) as P0", async () => {
    const saved = serve.attestation;
    serve.attestation = (nonce) => ({ platform: "AWS Nitro Enclaves", format: "CBOR", nonce, error: "NSM device not available - not running inside Nitro Enclave" });
    try {
      const r = await live();
      expect(failing(r)).toEqual(["attestation"]);
      expect(byId(r, "attestation")?.reason).toContain("NSM device not available");
      expect(byId(r, "tls-binding")?.status).toBe("warn");
    } finally {
      serve.attestation = saved;
    }
  });

  it("says a GCP fleet's tpm2_pcrread evidence proves nothing (warning, not ok)", async () => {
    const saved = serve.attestation;
    serve.attestation = (nonce) => ({ platform: "GCP Confidential VM", format: "TPM 2.0", nonce, attestation: Buffer.from("sha256:\n  0 : 0x00").toString("base64") });
    try {
      const r = await live({ pins: { stack: "g", cloud: "gcp", releases: [{ version: "6.2.0-alpha.1", digest: "sha256:" + "a".repeat(64) }] } });
      expect(failing(r)).toEqual([]);
      expect(byId(r, "attestation")).toMatchObject({ status: "warn", reason: expect.stringContaining("proves nothing") });
    } finally {
      serve.attestation = saved;
    }
  });

  it("warns on a version that is not pinned and a queue above the alarm threshold", async () => {
    const saved = { version: serve.version, ready: serve.ready };
    serve.version = "6.3.0";
    serve.ready = { status: "ok", jobsProcessing: 16, jobsPending: 150, jobCapacity: 0 };
    try {
      const r = await live({ nonce: DOC_NONCE });
      expect(warned(r)).toEqual(["ready", "version", "tls-binding"]);
      expect(byId(r, "version")?.reason).toContain("6.3.0, not a pinned release (6.2.0-alpha.1)");
    } finally {
      Object.assign(serve, saved);
    }
  });

  it("warns when the certificate is close to expiry", async () => {
    const validTo = new Date(new X509Certificate(cert).validTo);
    const r = await live({ nonce: DOC_NONCE, now: () => new Date(validTo.getTime() - 5 * 86_400_000) });
    expect(byId(r, "tls-expiry")).toMatchObject({ status: "warn", reason: expect.stringContaining("expires in 5 days") });
  });

  it("refuses an untrusted certificate unless told to skip verification, and then says so", async () => {
    const untrusted = await verifyEndpoint({ endpoint, pins: PINS, timeoutMs: 2000 });
    expect(failing(untrusted)).toEqual(["health"]);
    expect(byId(untrusted, "health")?.reason).toMatch(/self.signed/i);
    const skipped = await verifyEndpoint({ endpoint, pins: PINS, timeoutMs: 2000, insecureSkipTlsVerify: true, nonce: DOC_NONCE, now: () => BLOCKY_TIMESTAMP });
    expect(byId(skipped, "tls-trust")).toMatchObject({ status: "warn", reason: expect.stringContaining("NOT verified") });
  });

  it("warns that a plain-HTTP endpoint has no TLS, and cannot be bound", async () => {
    const plain = http.createServer(handler);
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    try {
      const r = await live({ endpoint: new URL(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`), nonce: DOC_NONCE });
      expect(failing(r)).toEqual([]);
      expect(warned(r)).toEqual(["tls", "tls-binding"]);
      expect(byId(r, "tls")?.reason).toContain("plain HTTP");
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });

  it("reports an endpoint that does not answer as P0", async () => {
    const closed = https.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await verifyEndpoint({ endpoint: new URL(`https://127.0.0.1:${port}`), pins: PINS, timeoutMs: 2000 });
    expect(failing(r)).toEqual(["health"]);
    expect(r.checks.filter((c) => c.status === "skip").map((c) => c.id)).toEqual(["ready", "version", "attestation", "tls-binding"]);
  });
});

describe("npm run verify --endpoint", () => {
  it("exits 3 (warnings only: TLS not bound) with the document's nonce, sends the API key from the named variable", async () => {
    const args = parseArgs(["t", "--endpoint", endpoint.toString(), "--api-key-env", "PROVER_KEY", "--json"]);
    const out = await runVerify(args, { loadPins: async () => PINS, env: { PROVER_KEY: "k-123" }, live: { ca: cert, nonce: DOC_NONCE, now: () => BLOCKY_TIMESTAMP } });
    expect(out.exitCode).toBe(3);
    expect(serve.lastAuthorization).toBe("Bearer k-123");
    expect(JSON.parse(out.stdout)).toMatchObject({ mode: "endpoint", overall: "warning", exitCode: 3, tls: { subject: "CN=127.0.0.1" } });
  });

  it("exits 1 with a fresh nonce, 2 when the API key variable is unset", async () => {
    const fresh = await runVerify(parseArgs(["t", "--endpoint", endpoint.toString()]), { loadPins: async () => PINS, live: { ca: cert, now: () => BLOCKY_TIMESTAMP } });
    expect(fresh.exitCode).toBe(1);
    expect(fresh.stdout).toContain("RESULT: P0");
    const unset = await runVerify(parseArgs(["t", "--endpoint", endpoint.toString(), "--api-key-env", "NOPE_UNSET"]), { loadPins: async () => PINS, env: {} });
    expect(unset.exitCode).toBe(2);
  });
});

describe("tlsBinding", () => {
  const peer = () => new X509Certificate(cert);
  const docWith = (userData: Buffer | null, publicKey: Buffer | null = null): NitroDocumentResult => ({ checks: [], overall: "ok", boundData: { publicKey, userData, nonce: null } });

  it("is ok when user_data carries the SHA-256 of the TLS key (RA-TLS) or public_key is that key", () => {
    const spki = peer().publicKey.export({ type: "spki", format: "der" });
    expect(tlsBinding(peer(), docWith(createHash("sha256").update(spki).digest())).status).toBe("ok");
    expect(tlsBinding(peer(), docWith(null, spki)).status).toBe("ok");
  });

  it("is 'not bound' for the real document, whose user_data is unrelated, and for a failed document", () => {
    expect(tlsBinding(peer(), docWith(Buffer.alloc(1024, 1))).status).toBe("warn");
    expect(tlsBinding(peer(), { ...docWith(createHash("sha256").update(peer().publicKey.export({ type: "spki", format: "der" })).digest()), overall: "P0" }).status).toBe("warn");
  });
});
