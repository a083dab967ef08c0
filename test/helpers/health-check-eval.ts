import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { request as httpsRequest, createServer as createHttpsServer } from "node:https";
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll } from "vitest";
import { PROOF_SERVER_PORT } from "../../src/ingress/model";

/**
 * A small model of how each cloud judges ONE health-check probe, fed with the arguments our
 * components declare (read from the mock-runtime stacks), and run against real local servers.
 * It models only what docs/ingress-health-and-rate-limits.md cites:
 * - AWS target groups: HTTP/HTTPS sends GET <path> and passes iff the status is in `matcher`
 *   (comma-separated codes or ranges; default 200 for ALB target groups, 200-399 for NLB ones);
 *   the target's certificate is not validated; TCP passes on a completed connect. A timeout, a
 *   refused connection or a failed TLS handshake fails.
 * - GCP health checks: HTTP/HTTPS/HTTP2 pass only on status 200; SSL passes on a completed TLS
 *   handshake and TCP on a completed connect when no request/response is configured.
 * Thresholds and intervals are not modelled: a server fails or passes every probe the same way.
 */

export type Verdict = "healthy" | "unhealthy";

/** Where the declared port (traffic-port, or 6300 on GCP) is served locally. */
export interface LocalTarget {
  /** A loopback address; the servers listen on 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  /** Probe timeout cap, so a silent server costs milliseconds, not the declared 5 s. */
  readonly maxTimeoutMs: number;
}

const HOST = "127.0.0.1";
/** A loopback address nothing listens on: the "closed" target's port is the live server's, here. */
const NOTHING_HOST = "127.0.0.3";

function parseMatcher(matcher: string): (status: number) => boolean {
  const parts = matcher.split(",").map((p) => p.trim());
  const ranges = parts.map((p) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(p);
    if (!m) throw new Error(`matcher "${matcher}": "${p}" is neither a code nor a range`);
    return [Number(m[1]), Number(m[2] ?? m[1])] as const;
  });
  return (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

/** One GET; resolves the status, or undefined on refusal, reset, TLS failure or timeout. */
function getStatus(tls: boolean, { host, port }: LocalTarget, path: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const options = { host, port, path, method: "GET", agent: false as const, ...(tls ? { rejectUnauthorized: false } : {}) };
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

/** A TCP connect (tls false) or a full TLS handshake (tls true), closed right after. */
function connects(tls: boolean, { host, port }: LocalTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: Socket;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false }, () => done(true))
      : netConnect({ host, port }, () => done(true));
    socket.on("error", () => done(false));
    // A peer that closes before the handshake completes.
    socket.on("close", () => done(false));
  });
}

function timeout(declaredSeconds: unknown, target: LocalTarget): number {
  const declared = typeof declaredSeconds === "number" ? declaredSeconds * 1000 : 5000;
  return Math.min(declared, target.maxTimeoutMs);
}

/**
 * AWS: a target group's declared `protocol` and `healthCheck` (the resource's inputs), one probe.
 * Throws on what the model does not cover rather than guessing.
 */
export async function awsProbe(targetGroup: Record<string, unknown>, target: LocalTarget): Promise<Verdict> {
  const hc = targetGroup["healthCheck"] as Record<string, unknown> | undefined;
  if (!hc) throw new Error("target group declares no healthCheck");
  if (hc["enabled"] === false) throw new Error("health check disabled");
  if (hc["port"] !== undefined && hc["port"] !== "traffic-port") throw new Error(`port ${String(hc["port"])}: only traffic-port is modelled`);
  const tgProtocol = String(targetGroup["protocol"]);
  const protocol = String(hc["protocol"] ?? (tgProtocol === "TCP" || tgProtocol === "TLS" ? "TCP" : "HTTP"));
  const ms = timeout(hc["timeout"], target);
  if (protocol === "TCP") return (await connects(false, target, ms)) ? "healthy" : "unhealthy";
  if (protocol !== "HTTP" && protocol !== "HTTPS") throw new Error(`health check protocol ${protocol} is not modelled`);
  const isNlb = tgProtocol === "TCP" || tgProtocol === "TLS" || tgProtocol === "UDP" || tgProtocol === "TCP_UDP";
  const matches = parseMatcher(typeof hc["matcher"] === "string" && hc["matcher"] !== "" ? hc["matcher"] : isNlb ? "200-399" : "200");
  const status = await getStatus(protocol === "HTTPS", target, String(hc["path"] ?? "/"), ms);
  return status !== undefined && matches(status) ? "healthy" : "unhealthy";
}

/** GCP: a compute.HealthCheck's declared inputs, one probe. */
export async function gcpProbe(healthCheck: Record<string, unknown>, target: LocalTarget): Promise<Verdict> {
  const kinds = ["httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "sslHealthCheck", "tcpHealthCheck", "grpcHealthCheck"].filter((k) => healthCheck[k] !== undefined);
  if (kinds.length !== 1) throw new Error(`expected exactly one check kind, found ${kinds.join(", ") || "none"}`);
  const kind = kinds[0]!;
  const check = healthCheck[kind] as Record<string, unknown>;
  if (check["port"] !== PROOF_SERVER_PORT) throw new Error(`${kind}.port ${String(check["port"])}: only the fixed proof-server port is modelled`);
  if (check["response"] !== undefined && check["response"] !== "") throw new Error(`${kind}.response: content matching is not modelled`);
  const ms = timeout(healthCheck["timeoutSec"], target);
  switch (kind) {
    case "tcpHealthCheck":
    case "sslHealthCheck":
      if (check["request"] !== undefined && check["request"] !== "") throw new Error(`${kind}.request is not modelled`);
      return (await connects(kind === "sslHealthCheck", target, ms)) ? "healthy" : "unhealthy";
    case "httpHealthCheck":
    case "httpsHealthCheck": {
      const status = await getStatus(kind === "httpsHealthCheck", target, String(check["requestPath"] ?? "/"), ms);
      return status === 200 ? "healthy" : "unhealthy";
    }
    default:
      throw new Error(`${kind} is not modelled`);
  }
}

/**
 * GCP uptime check (`httpCheck` of a monitoring.UptimeCheckConfig), one probe: GET the path, pass
 * iff the status is in `acceptedResponseStatusCodes` (a value or a class such as STATUS_CLASS_2XX);
 * with none listed, only 2xx passes (UptimeCheckConfig `acceptedResponseStatusCodes` doc, @pulumi/gcp).
 */
export async function gcpUptimeProbe(httpCheck: Record<string, unknown>, target: LocalTarget): Promise<Verdict> {
  if (httpCheck["requestMethod"] !== undefined && httpCheck["requestMethod"] !== "GET") throw new Error(`requestMethod ${String(httpCheck["requestMethod"])} is not modelled`);
  const accepted = (httpCheck["acceptedResponseStatusCodes"] as Array<{ statusValue?: number; statusClass?: string }> | undefined) ?? [{ statusClass: "STATUS_CLASS_2XX" }];
  const passes = (status: number) => accepted.some((a) => {
    if (a.statusValue !== undefined) return a.statusValue === status;
    const m = /^STATUS_CLASS_([1-5])XX$/.exec(a.statusClass ?? "");
    if (!m) throw new Error(`statusClass ${String(a.statusClass)} is not modelled`);
    return Math.floor(status / 100) === Number(m[1]);
  });
  const status = await getStatus(httpCheck["useSsl"] === true, target, String(httpCheck["path"] ?? "/"), target.maxTimeoutMs);
  return status !== undefined && passes(status) ? "healthy" : "unhealthy";
}

// ---- local servers ------------------------------------------------------------------------------

/** The servers a health check is judged against. */
export interface Targets {
  /** Answers 200 to everything. */
  readonly ok: LocalTarget;
  /** The proof server under a burst: its rate limiter answers 429 on every route. */
  readonly rateLimited: LocalTarget;
  /**
   * Nothing listens (dead VM or container): connection refused. A port on an address nothing
   * binds, rather than a port freed after use, which another process could take meanwhile.
   */
  readonly closed: LocalTarget;
  /** Accepts TCP, then never sends a byte (hung process). */
  readonly silent: LocalTarget;
  /** Accepts TCP and closes at once: the Nitro parent's forwarder with no enclave behind it. */
  readonly acceptThenClose: LocalTarget;
}

const servers: Array<Server | HttpServer> = [];
/** Raw sockets the net servers hold open; destroyed first, or close() would wait on them. */
const rawSockets: Socket[] = [];
let tempDir: string | undefined;
let certificate: { key: Buffer; cert: Buffer } | undefined;
const cache = new Map<boolean, Promise<Targets>>();

afterAll(async () => {
  rawSockets.forEach((s) => s.destroy());
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
    if ("closeAllConnections" in s) s.closeAllConnections();
    s.close(() => resolve());
  })));
  servers.length = 0;
  cache.clear();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

function listen(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A throwaway self-signed certificate (the TEE's is typically self-signed too). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  if (certificate) return certificate;
  tempDir = mkdtempSync(join(tmpdir(), "health-check-eval-"));
  const [key, cert] = [join(tempDir, "key.pem"), join(tempDir, "cert.pem")];
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=proof-server"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.error?.message ?? r.stderr}`);
  certificate = { key: readFileSync(key), cert: readFileSync(cert) };
  return certificate;
}

async function startTargets(tls: boolean): Promise<Targets> {
  const answering = (status: number) => {
    const handler = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { status: "ok" } : { error: "Too Many Requests" }));
    };
    return tls ? createHttpsServer(selfSigned(), handler) : createHttpServer(handler);
  };
  const [ok, rateLimited, silent, acceptThenClose] = await Promise.all([
    listen(answering(200)),
    listen(answering(429)),
    listen(createNetServer((s) => void rawSockets.push(s))),
    listen(createNetServer((s) => s.destroy())),
  ]);
  const at = (port: number, host = HOST): LocalTarget => ({ host, port, maxTimeoutMs: 3000 });
  return { ok: at(ok), rateLimited: at(rateLimited), closed: at(ok, NOTHING_HOST), silent: { ...at(silent), maxTimeoutMs: 50 }, acceptThenClose: at(acceptThenClose) };
}

/** The local servers, HTTPS (TLS) or plain HTTP, started once per test file. */
export function localTargets(tls: boolean): Promise<Targets> {
  let targets = cache.get(tls);
  if (!targets) {
    targets = startTargets(tls);
    cache.set(tls, targets);
  }
  return targets;
}

/**
 * One probe of `probe` against every local server, in parallel: name -> verdict. The silent
 * server never answers, so any timeout shows the same verdict for it: it gets a short one (50 ms),
 * and the servers that do answer a long one, so a loaded CI machine cannot turn them into timeouts.
 */
export async function verdicts(probe: (target: LocalTarget) => Promise<Verdict>, tls: boolean): Promise<Record<keyof Targets, Verdict>> {
  const targets = await localTargets(tls);
  const names = Object.keys(targets) as Array<keyof Targets>;
  const results = await Promise.all(names.map((n) => probe(targets[n])));
  return Object.fromEntries(names.map((n, i) => [n, results[i]!])) as Record<keyof Targets, Verdict>;
}
