import { describe, expect, it } from "vitest";
import { awsProbe, gcpProbe, verdicts } from "../helpers/health-check-eval";

/**
 * The health-check model itself, on hand-written arguments: the health checks as they were
 * declared before issue 12 (matcher "200"; GCP HTTP(S) /health) must lose a rate-limited server,
 * or the stack tests that use the model would prove nothing. The stacks' own declared arguments
 * are judged in test/aws/* and test/gcp/*.
 */

const down = { closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" } as const;

describe("AWS target group health checks", () => {
  it("matcher 200 (the old ALB args): a rate-limited server is unhealthy, so the ASG would replace it", async () => {
    const old = { protocol: "HTTP", healthCheck: { enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200", timeout: 5 } };
    expect(await verdicts((t) => awsProbe(old, t), false)).toEqual({ ok: "healthy", rateLimited: "unhealthy", ...down });
  });

  it("NLB with an HTTPS check and the default matcher (200-399): 429 is unhealthy too", async () => {
    const nlb = { protocol: "TCP", healthCheck: { protocol: "HTTPS", path: "/health" } };
    expect(await verdicts((t) => awsProbe(nlb, t), true)).toEqual({ ok: "healthy", rateLimited: "unhealthy", ...down });
  });

  it("matcher 200,429 and ranges are read as AWS documents them", async () => {
    const list = { protocol: "HTTPS", healthCheck: { protocol: "HTTPS", path: "/health", matcher: "200,429" } };
    expect(await verdicts((t) => awsProbe(list, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", ...down });
    const range = { protocol: "HTTP", healthCheck: { protocol: "HTTP", path: "/health", matcher: "201-299,400-428" } };
    expect(await verdicts((t) => awsProbe(range, t), false)).toEqual({ ok: "unhealthy", rateLimited: "unhealthy", ...down });
  });

  it("a TCP check cannot tell the Nitro forwarder with a dead enclave from a live server", async () => {
    const tcp = { protocol: "TCP", healthCheck: { protocol: "TCP" } };
    expect(await verdicts((t) => awsProbe(tcp, t), false)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "healthy", acceptThenClose: "healthy" });
  });

  it("refuses what it does not model instead of guessing", async () => {
    const t = { host: "127.0.0.1", port: 1, maxTimeoutMs: 10 };
    await expect(awsProbe({ protocol: "HTTP", healthCheck: { protocol: "HTTP", matcher: "2xx" } }, t)).rejects.toThrow(/neither a code nor a range/);
    await expect(awsProbe({ protocol: "HTTP", healthCheck: { protocol: "HTTP", port: "8080" } }, t)).rejects.toThrow(/only traffic-port/);
    await expect(awsProbe({ protocol: "HTTP" }, t)).rejects.toThrow(/no healthCheck/);
  });
});

describe("GCP health checks", () => {
  it("HTTP and HTTPS /health (the old args): only 200 passes, so autohealing would recreate a rate-limited instance", async () => {
    const http = { timeoutSec: 5, httpHealthCheck: { port: 6300, requestPath: "/health" } };
    expect(await verdicts((t) => gcpProbe(http, t), false)).toEqual({ ok: "healthy", rateLimited: "unhealthy", ...down });
    const https = { timeoutSec: 5, httpsHealthCheck: { port: 6300, requestPath: "/health" } };
    expect(await verdicts((t) => gcpProbe(https, t), true)).toEqual({ ok: "healthy", rateLimited: "unhealthy", ...down });
  });

  it("SSL (handshake only): any server that completes TLS passes; refused, silent or closing peers fail", async () => {
    const ssl = { timeoutSec: 5, sslHealthCheck: { port: 6300 } };
    expect(await verdicts((t) => gcpProbe(ssl, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", ...down });
  });

  it("TCP (connect only): passes whatever accepts; only a closed port fails", async () => {
    const tcp = { timeoutSec: 5, tcpHealthCheck: { port: 6300 } };
    expect(await verdicts((t) => gcpProbe(tcp, t), false)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "healthy", acceptThenClose: "healthy" });
  });

  it("refuses what it does not model instead of guessing", async () => {
    const t = { host: "127.0.0.1", port: 1, maxTimeoutMs: 10 };
    await expect(gcpProbe({ tcpHealthCheck: { port: 6300, request: "PING" } }, t)).rejects.toThrow(/request is not modelled/);
    await expect(gcpProbe({ httpHealthCheck: { port: 6300, response: "ok" } }, t)).rejects.toThrow(/content matching/);
    await expect(gcpProbe({ sslHealthCheck: { port: 443 } }, t)).rejects.toThrow(/only the fixed proof-server port/);
    await expect(gcpProbe({ sslHealthCheck: { port: 6300 }, tcpHealthCheck: { port: 6300 } }, t)).rejects.toThrow(/exactly one check kind/);
  });
});
