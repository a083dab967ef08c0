import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AZURE_PATHS, renderAzureCloudInit, type AzureBootstrapInput } from "../../src/bootstrap/azure";
import { HOST_AGENT_DIMENSION } from "../../src/bootstrap/host-agent-metrics";
import { extractNitroArtifacts } from "../../src/bootstrap/nitro";
import { requireTool, run, runAsync, scratchDirs, scriptEnv, writeExecutable, type RunResult } from "./helpers";

/**
 * The Azure host agent exactly as rendered, run by bash with the real curl, jq and openssl. A curl
 * wrapper first on PATH sends IMDS (169.254.169.254) and Azure Monitor (<region>.monitoring.azure.com)
 * requests to a server in this process, which plays the proof server, IMDS and the metrics API, and
 * records what the agent sent.
 */

const { scratch } = scratchDirs();
const CLIENT_ID = "0b0c4f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
const SUB = "00000000-0000-0000-0000-000000000000";
const VMSS_ID = `/subscriptions/${SUB}/resourceGroups/tee-prover-rg/providers/Microsoft.Compute/virtualMachineScaleSets/prover-dev-azure-vmss1a2b3c4`;
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.stub-token";
const FLEET = "prover-dev-azure";
const NAMESPACE = "TeeProver/prover-dev-azure";

let realCurl: string;
beforeAll(() => {
  requireTool("bash", "bash");
  requireTool("jq", "jq");
  requireTool("openssl", "openssl");
  realCurl = requireTool("curl", "curl");
});

interface Recorded { method: string; url: string; headers: IncomingMessage["headers"]; body: string }
interface Behaviour {
  /** How the proof server answers: normal, rate-limited (429 everywhere) or down (connection refused). */
  prover?: "ok" | "429" | "down";
  tokenStatus?: number;
  postStatus?: number;
}

/** One server for IMDS and the metrics API, and (unless TLS or down) the proof server too. */
function azureStub(behaviour: Behaviour) {
  const requests: Recorded[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://localhost");
      requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      const json = (status: number, value: unknown): void => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      if (url.pathname === "/metadata/instance/compute") {
        if (request.headers["metadata"] !== "true") return json(400, { error: "Metadata header required" });
        return json(200, { location: "westeurope", name: "prover-dev-azure_1a2b3c4d", subscriptionId: SUB, resourceGroupName: "tee-prover-rg", vmScaleSetName: "prover-dev-azure-vmss1a2b3c4", resourceId: `${VMSS_ID.replace(/virtualMachineScaleSets\/.*/, "")}virtualMachines/prover-dev-azure_1a2b3c4d` });
      }
      if (url.pathname === "/metadata/identity/oauth2/token") {
        const ok = request.headers["metadata"] === "true" && url.searchParams.get("client_id") === CLIENT_ID && url.searchParams.get("resource") === "https://monitoring.azure.com/";
        if (behaviour.tokenStatus !== undefined) return json(behaviour.tokenStatus, { error: "identity_not_found" });
        return ok ? json(200, { access_token: TOKEN, token_type: "Bearer", resource: "https://monitoring.azure.com/" }) : json(400, { error: "invalid_request" });
      }
      if (url.pathname.endsWith("/metrics") && request.method === "POST") return json(behaviour.postStatus ?? 200, {});
      if (behaviour.prover === "429") return json(429, { error: "Too Many Requests" });
      if (url.pathname === "/health") return json(200, { status: "ok" });
      if (url.pathname === "/ready") return json(200, { status: "ok", jobsProcessing: 2, jobsPending: 5, jobCapacity: 0 });
      json(404, { error: "not found" });
    });
  };
  return { requests, handler };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}
function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const baseInput: Omit<AzureBootstrapInput, "port" | "servesTls"> = {
  image: `docker.io/midnightntwrk/proof-server@sha256:${"a".repeat(64)}`,
  env: {},
  drainSeconds: 630,
  blockLoadBalancerProbes: true,
  agent: { fleetName: FLEET, metricNamespace: NAMESPACE, identityClientId: CLIENT_ID, intervalSeconds: 60 },
};

// Rewrites the two Azure endpoints to the stub and logs every argument (the token must not be one),
// then runs the real curl. A bash function the script imports from its environment
// (BASH_FUNC_curl%%), not a wrapper script: the shim is not under test, and a bash process per
// curl call was most of this file's process starts.
const CURL_FN = `() {
  printf '%s\\n' "$@" >>"$STUB_STATE/curl-args"
  local a args=()
  for a in "$@"; do
    case "$a" in
      http://169.254.169.254/*) printf '%s\\n' "$a" >>"$STUB_STATE/urls"; a="$STUB_AZURE\${a#http://169.254.169.254}" ;;
      https://*.monitoring.azure.com/*) printf '%s\\n' "$a" >>"$STUB_STATE/urls"; a="$STUB_AZURE/\${a#https://*/}" ;;
    esac
    args+=("$a")
  done
  # Which run sent it: runs share one stub server.
  "$REAL_CURL" -H "X-Test-Run: $STUB_STATE" "\${args[@]}"
}`;

interface AgentRun { readonly result: RunResult; readonly posts: Recorded[]; readonly urls: string[]; readonly curlArgs: string; readonly answered: boolean; readonly loggerRan: boolean; readonly jqRuns: number }

interface RunOptions { servesTls?: boolean; proverPort: number; stubPort: number; answered?: boolean; draining?: boolean; systemState?: string }

async function runAgent(stub: ReturnType<typeof azureStub>, options: RunOptions): Promise<AgentRun> {
  const dir = scratch("azure-agent");
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  mkdirSync(state, { recursive: true });
  const files = extractNitroArtifacts(renderAzureCloudInit({ ...baseInput, port: options.proverPort, servesTls: options.servesTls ?? false })).files;
  writeFileSync(join(dir, "agent.env"), files.find((f) => f.path === AZURE_PATHS.agentEnv)!.content);
  writeFileSync(join(dir, "agent.sh"), files.find((f) => f.path === AZURE_PATHS.agentScript)!.content);
  // The script logs to stderr only (the unit sends it to the journal): a logger run would show.
  const loggerMark = join(dir, "logger-ran");
  writeExecutable(join(bin, "logger"), `#!/bin/sh\n: >'${loggerMark}'\n`);
  // `systemctl is-system-running`: prints the state and, like systemctl, fails for any but "running".
  const systemState = options.systemState ?? "running";
  const answered = join(dir, "run", "server-answered");
  const draining = join(dir, "run", "draining");
  mkdirSync(dirname(answered), { recursive: true });
  if (options.answered ?? true) writeFileSync(answered, "");
  if (options.draining === true) writeFileSync(draining, "");
  const result = await runAsync("bash", [join(dir, "agent.sh")], scriptEnv(bin, {
    STUB_STATE: state,
    STUB_AZURE: `http://127.0.0.1:${options.stubPort}`,
    REAL_CURL: realCurl,
    TEE_PROVER_AGENT_ENV: join(dir, "agent.env"),
    TEE_PROVER_ANSWERED_MARKER: answered,
    TEE_PROVER_DRAINING_MARKER: draining,
    "BASH_FUNC_curl%%": CURL_FN,
    // Counts the script's jq runs (each is a process on the host, every minute), then runs jq.
    "BASH_FUNC_jq%%": `() { printf 'jq\\n' >>"$STUB_STATE/jq-runs"; command jq "$@"; }`,
    "BASH_FUNC_systemctl%%": `() { echo ${systemState}; [[ ${systemState} == running ]]; }`,
  }));
  const read = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : "");
  return {
    result,
    posts: stub.requests.filter((r) => r.method === "POST" && r.headers["x-test-run"] === state),
    urls: read("urls").split("\n").filter(Boolean),
    curlArgs: read("curl-args"),
    answered: existsSync(answered),
    loggerRan: existsSync(loggerMark),
    jqRuns: read("jq-runs").split("\n").filter(Boolean).length,
  };
}

/** The document Azure's custom-metrics API takes for one value (docs/azure-monitoring.md). */
const doc = (metric: string, value: number, time: string) => ({
  time,
  data: { baseData: { metric, namespace: NAMESPACE, dimNames: [HOST_AGENT_DIMENSION], series: [{ dimValues: [FLEET], min: value, max: value, sum: value, count: 1 }] } },
});
const bodies = (r: AgentRun) => r.posts.map((p) => JSON.parse(p.body) as { time: string; data: { baseData: { metric: string; series: Array<{ max: number }> } } });
const valueOf = (r: AgentRun, metric: string) => bodies(r).find((b) => b.data.baseData.metric === metric)?.data.baseData.series[0]?.max;

describe("the Azure host agent", () => {
  it("posts Availability, JobsPending, JobsProcessing to the scale set's regional endpoint as the identity, one document each, token not in argv", async () => {
    const stub = azureStub({});
    const server = createHttpServer(stub.handler);
    const port = await listen(server);
    try {
      const startedAt = Date.now();
      const r = await runAgent(stub, { proverPort: port, stubPort: port });
      expect(r.result.code, r.result.stderr).toBe(0);
      expect(r.urls).toEqual([
        "http://169.254.169.254/metadata/instance/compute?api-version=2021-02-01",
        `http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmonitoring.azure.com%2F&client_id=${CLIENT_ID}`,
        ...Array(3).fill(`https://westeurope.monitoring.azure.com${VMSS_ID}/metrics`),
      ]);
      const time = bodies(r)[0]!.time;
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Azure takes timestamps up to 20 minutes old: the sample's own time.
      expect(Math.abs(Date.parse(time) - startedAt)).toBeLessThan(60_000);
      expect(r.posts.map((p) => JSON.parse(p.body))).toEqual([doc("Availability", 1, time), doc("JobsPending", 5, time), doc("JobsProcessing", 2, time)]);
      for (const p of r.posts) {
        expect(p.url).toBe(`${VMSS_ID}/metrics`);
        expect([p.headers["authorization"], p.headers["content-type"]]).toEqual([`Bearer ${TOKEN}`, "application/json"]);
      }
      expect(r.curlArgs).not.toContain(TOKEN);
      expect(r.result.stderr).toContain(`published availability=1 to ${VMSS_ID}`);
      expect(r.loggerRan).toBe(false);
      // Three jq per sample: IMDS's compute document, /ready's counts, the metric documents (the token is read by bash).
      expect(r.jqRuns).toBe(3);
    } finally {
      await close(server);
    }
  });

  it("with a TLS-serving release, probes over HTTPS and posts the certificate's days to expiry", async () => {
    const dir = scratch("tls");
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    const generated = run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=prover.example"]);
    expect(generated.code, generated.stderr).toBe(0);
    const stub = azureStub({});
    const azure = createHttpServer(stub.handler);
    const prover = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, stub.handler);
    const [stubPort, proverPort] = await Promise.all([listen(azure), listen(prover)]);
    try {
      const r = await runAgent(stub, { servesTls: true, proverPort, stubPort });
      expect(r.result.code, r.result.stderr).toBe(0);
      expect(bodies(r).map((b) => b.data.baseData.metric)).toEqual(["Availability", "JobsPending", "JobsProcessing", "TlsCertDaysToExpiry"]);
      expect(valueOf(r, "Availability")).toBe(1);
      // Issued for 30 days a moment ago.
      expect([29, 30]).toContain(valueOf(r, "TlsCertDaysToExpiry"));
    } finally {
      await Promise.all([close(azure), close(prover)]);
    }
  });

  it("gating: silent before the first answer this boot, while draining, while shutting down; then reports a dead server as 0 and a 429 as alive", async () => {
    const stub = azureStub({});
    const azure = createHttpServer(stub.handler);
    const limited = azureStub({ prover: "429" });
    const limitedServer = createHttpServer(limited.handler);
    const dead = createHttpServer();
    const [stubPort, limitedPort, deadPort] = await Promise.all([listen(azure), listen(limitedServer), listen(dead)]);
    await close(dead);
    try {
      const [booting, draining, stopping, down, busy, firstAnswer] = await Promise.all([
        runAgent(stub, { proverPort: deadPort, stubPort, answered: false }),
        runAgent(stub, { proverPort: stubPort, stubPort, draining: true }),
        runAgent(stub, { proverPort: stubPort, stubPort, systemState: "stopping" }),
        runAgent(stub, { proverPort: deadPort, stubPort }),
        runAgent(limited, { proverPort: limitedPort, stubPort: limitedPort }),
        runAgent(stub, { proverPort: stubPort, stubPort, answered: false }),
      ]);
      for (const [silent, message] of [[booting, "the server has not answered yet this boot; publishing nothing"], [draining, "draining for a scheduled deletion; publishing nothing"], [stopping, "the VM is shutting down; publishing nothing"]] as const) {
        expect(silent.result.code, silent.result.stderr).toBe(0);
        expect(silent.result.stderr).toContain(message);
        // Not even IMDS is asked.
        expect(silent.urls).toEqual([]);
      }
      expect(booting.answered).toBe(false);
      expect(down.result.code, down.result.stderr).toBe(0);
      expect(bodies(down).map((b) => [b.data.baseData.metric, b.data.baseData.series[0]!.max])).toEqual([["Availability", 0]]);
      expect(busy.result.code, busy.result.stderr).toBe(0);
      expect(bodies(busy).map((b) => [b.data.baseData.metric, b.data.baseData.series[0]!.max])).toEqual([["Availability", 1]]);
      expect(busy.result.stderr).toContain("/ready gave no job counts (HTTP 429)");
      expect(firstAnswer.answered).toBe(true);
      expect(valueOf(firstAnswer, "Availability")).toBe(1);
    } finally {
      await Promise.all([close(azure), close(limitedServer)]);
    }
  });

  it("fails the unit (exit 1) when IMDS gives no token or Azure Monitor refuses a post", async () => {
    const noToken = azureStub({ tokenStatus: 404 });
    const refused = azureStub({ postStatus: 403 });
    const [a, b] = [createHttpServer(noToken.handler), createHttpServer(refused.handler)];
    const [pa, pb] = await Promise.all([listen(a), listen(b)]);
    try {
      const [tokenless, forbidden] = await Promise.all([runAgent(noToken, { proverPort: pa, stubPort: pa }), runAgent(refused, { proverPort: pb, stubPort: pb })]);
      expect(tokenless.result.code).toBe(1);
      expect(tokenless.posts).toEqual([]);
      expect(tokenless.result.stderr).toContain("no token for https://monitoring.azure.com/ from IMDS");
      expect(forbidden.result.code).toBe(1);
      // Every metric is still tried: one refused post does not hide the others.
      expect(forbidden.posts).toHaveLength(3);
      expect(forbidden.result.stderr).toContain("ERROR: posting");
    } finally {
      await Promise.all([close(a), close(b)]);
    }
  });
});

