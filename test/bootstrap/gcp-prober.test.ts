import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GcpProberInput } from "../../src/bootstrap/gcp-prober-input";
import {
  GCP_PROBER_ENV_PATH,
  GCP_PROBER_METRIC_NAMES,
  GCP_PROBER_METRICS,
  GCP_PROBER_MONITORED_RESOURCE,
  GCP_PROBER_SCRIPT_PATH,
  extractGcpProberArtifacts,
  gcpProberMetricType,
  renderGcpProberCloudInit,
  type GcpProberMetricName,
} from "../../src/bootstrap/gcp-prober";
import { cloudInitSchemaAll, directive, parseUnit, requireTool, run, scratchDirs, scriptEnv, systemdVerifyRoot, writeExecutable, type RunResult } from "./helpers";

/**
 * The fleet prober's user-data: exact values, the real validators (each with a negative control),
 * and the script run with bash against local fakes of the metadata server, the Compute and
 * Monitoring APIs, and the proof servers.
 */

const { scratch, track } = scratchDirs();

function proberInput(overrides: Partial<GcpProberInput> = {}): GcpProberInput {
  return {
    fleetName: "prover-dev",
    project: "tee-prover-dev",
    region: "us-central1",
    instanceGroupManager: "prover-dev-mig",
    port: 6300,
    serverTls: false,
    metricPrefix: "custom.googleapis.com/tee_prover",
    intervalSeconds: 60,
    ...overrides,
  };
}

const rendered = renderGcpProberCloudInit(proberInput());
const artifacts = extractGcpProberArtifacts(rendered);
const fileContent = (path: string): string => artifacts.files.find((f) => f.path === path)?.content ?? "";
const SCRIPT = fileContent(GCP_PROBER_SCRIPT_PATH);

// ---- rendered values ------------------------------------------------------------------------

describe("renderGcpProberCloudInit", () => {
  it("writes the env file with exactly the input's values, single-quoted", () => {
    expect(fileContent(GCP_PROBER_ENV_PATH)).toBe(
      [
        "# Sourced by /usr/local/libexec/tee-prover/gcp-prober.sh. No secrets.",
        "TEE_PROVER_FLEET_NAME='prover-dev'",
        "TEE_PROVER_PROJECT='tee-prover-dev'",
        "TEE_PROVER_REGION='us-central1'",
        "TEE_PROVER_INSTANCE_GROUP_MANAGER='prover-dev-mig'",
        "TEE_PROVER_PORT='6300'",
        "TEE_PROVER_SERVER_TLS='false'",
        "TEE_PROVER_METRIC_PREFIX='custom.googleapis.com/tee_prover'",
        "",
      ].join("\n"),
    );
  });

  it("installs jq and curl, writes the env file, script and units, and enables the timer", () => {
    expect(rendered.startsWith("#cloud-config\n")).toBe(true);
    expect(artifacts.packages).toEqual(["jq", "curl"]);
    expect(artifacts.files.map((f) => [f.path, f.permissions, f.owner, f.defer])).toEqual([
      ["/etc/tee-prover/prober.env", "0644", "root:root", false],
      ["/usr/local/libexec/tee-prover/gcp-prober.sh", "0755", "root:root", false],
      ["/etc/systemd/system/tee-prover-prober.service", "0644", "root:root", false],
      ["/etc/systemd/system/tee-prover-prober.timer", "0644", "root:root", false],
    ]);
    expect(artifacts.scripts.map((s) => [s.path, s.shell])).toEqual([[GCP_PROBER_SCRIPT_PATH, "bash"]]);
    expect(SCRIPT).toMatch(/^#!\/usr\/bin\/env bash\n(#.*\n)+set -euo pipefail\n/);
    expect(artifacts.runcmd).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "tee-prover-prober.timer"],
    ]);
  });

  it("runs one oneshot sample per interval after the network is up", () => {
    const units = (input: GcpProberInput) => {
      const a = extractGcpProberArtifacts(renderGcpProberCloudInit(input));
      const unit = (name: string) => parseUnit(a.units.find((u) => u.name === name)?.content ?? "");
      return { service: unit("tee-prover-prober.service"), timer: unit("tee-prover-prober.timer") };
    };
    const { service, timer } = units(proberInput());
    expect(directive(service, "Unit", "Wants")).toBe("network-online.target");
    expect(directive(service, "Unit", "After")).toBe("network-online.target");
    expect(directive(service, "Service", "Type")).toBe("oneshot");
    expect(directive(service, "Service", "ExecStart")).toBe(GCP_PROBER_SCRIPT_PATH);
    expect(directive(service, "Service", "DynamicUser")).toBe("yes");
    // The script's stderr is its log: the journal tags it as logger -t did.
    expect(directive(service, "Service", "SyslogIdentifier")).toBe("tee-prover-prober");
    expect(service.has("Install")).toBe(false);
    expect([...(timer.get("Timer") ?? new Map<string, string[]>()).entries()]).toEqual([
      ["OnBootSec", ["60s"]],
      ["OnUnitActiveSec", ["60s"]],
      ["AccuracySec", ["5s"]],
      ["Unit", ["tee-prover-prober.service"]],
    ]);
    expect(directive(timer, "Install", "WantedBy")).toBe("timers.target");
    const other = units(proberInput({ intervalSeconds: 45 })).timer;
    expect([directive(other, "Timer", "OnBootSec"), directive(other, "Timer", "OnUnitActiveSec")]).toEqual(["45s", "45s"]);
  });

  it("exports the four INT64 gauges the alert policies use, on the fleet's generic_node", () => {
    expect(GCP_PROBER_METRICS).toEqual({
      healthy_instances: { metricKind: "GAUGE", valueType: "INT64" },
      probed_instances: { metricKind: "GAUGE", valueType: "INT64" },
      jobs_pending_max: { metricKind: "GAUGE", valueType: "INT64" },
      jobs_processing_total: { metricKind: "GAUGE", valueType: "INT64" },
    });
    expect(GCP_PROBER_MONITORED_RESOURCE).toEqual({ type: "generic_node", namespace: "tee-prover" });
    expect(gcpProberMetricType("custom.googleapis.com/tee_prover", "jobs_pending_max")).toBe("custom.googleapis.com/tee_prover/jobs_pending_max");
    // The script names each metric literally; the catalogue and the script must agree.
    for (const name of GCP_PROBER_METRIC_NAMES) expect(SCRIPT).toContain(`add_series ${name} `);
  });

  it("holds no secret, and the token never reaches a command line", () => {
    expect(rendered).not.toMatch(/PRIVATE KEY|password|api[-_]?key|secret=|Bearer [A-Za-z0-9]/i);
    expect(rendered).not.toMatch(/ya29\./);
    const envKeys = fileContent(GCP_PROBER_ENV_PATH).split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
    expect(envKeys).toEqual([
      "TEE_PROVER_FLEET_NAME",
      "TEE_PROVER_PROJECT",
      "TEE_PROVER_REGION",
      "TEE_PROVER_INSTANCE_GROUP_MANAGER",
      "TEE_PROVER_PORT",
      "TEE_PROVER_SERVER_TLS",
      "TEE_PROVER_METRIC_PREFIX",
    ]);
    // The token is written by printf (a builtin) to a private file; curl reads it with --header @file.
    expect(SCRIPT.split("\n").filter((l) => l.includes("$token"))).toEqual([
      `if [[ "$response_status" != "200" || ! "$token" =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then`,
      `printf 'Authorization: Bearer %s\\n' "$token" >"$work/auth-header"`,
    ]);
  });

  it("is deterministic and far below GCE's 256 KiB metadata value limit", () => {
    expect(renderGcpProberCloudInit(proberInput())).toBe(rendered);
    expect(Buffer.byteLength(rendered)).toBeLessThan(256 * 1024);
  });

  it("refuses input that would break the script, the units or the API paths, naming each problem", () => {
    const bad = () =>
      renderGcpProberCloudInit(
        proberInput({
          fleetName: "prover dev'",
          project: "Tee_Prover",
          region: "us-central",
          instanceGroupManager: "mig/../x",
          port: 0,
          metricPrefix: "custom.googleapis.com/tee_prover/",
          intervalSeconds: 5,
        }),
      );
    expect(bad).toThrow(/fleetName "prover dev'"/);
    expect(bad).toThrow(/project "Tee_Prover"/);
    expect(bad).toThrow(/region "us-central"/);
    expect(bad).toThrow(/instanceGroupManager "mig\/..\/x"/);
    expect(bad).toThrow(/port 0/);
    expect(bad).toThrow(/metricPrefix "custom.googleapis.com\/tee_prover\/"/);
    expect(bad).toThrow(/intervalSeconds 5/);
    expect(() => renderGcpProberCloudInit(proberInput({ metricPrefix: "external.googleapis.com/x" }))).toThrow(/metricPrefix/);
    expect(() => renderGcpProberCloudInit(proberInput({ region: "europe-west4", project: "my-project-123", intervalSeconds: 10 }))).not.toThrow();
  });
});

// ---- real validators ------------------------------------------------------------------------

function shellcheck(content: string): RunResult {
  requireTool("shellcheck", "shellcheck");
  const file = join(scratch("shellcheck"), "gcp-prober.sh");
  writeFileSync(file, content);
  return run("shellcheck", ["--shell", "bash", "--severity", "style", "--format", "gcc", file]);
}

/** systemd-analyze exits 0 on a directive it ignores, so any output at all is a failure. */
function systemdVerify(files: ReadonlyArray<{ path: string; content: string; permissions: string }>, units: readonly string[]): string | undefined {
  requireTool("systemd-analyze", "systemd");
  const root = systemdVerifyRoot(files, []);
  track(root);
  const result = run("systemd-analyze", ["verify", `--root=${root}`, ...units]);
  return result.code === 0 && result.stdout === "" && result.stderr === "" ? undefined : `exit ${result.code}: ${result.stderr}${result.stdout}`;
}

describe("validators", () => {
  it("cloud-init schema accepts the document and catches a numeric file mode (negative control)", () => {
    const badDocument = rendered.replace('permissions: "0755"', "permissions: 755");
    expect(badDocument).not.toBe(rendered);
    // One interpreter for both documents (helpers.ts).
    const [good, bad] = cloudInitSchemaAll([rendered, badDocument], scratch) as [RunResult, RunResult];
    expect(good.stdout + good.stderr).toMatch(/Valid cloud-config/);
    expect(good.code).toBe(0);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/permissions/);
  });

  it("shellcheck finds nothing in the script, and catches an unquoted variable in it (negative control)", () => {
    const good = shellcheck(SCRIPT);
    expect(good.stdout + good.stderr).toBe("");
    expect(good.code).toBe(0);
    const badScript = SCRIPT.replace('. "$prober_env"', ". $prober_env");
    expect(badScript).not.toBe(SCRIPT);
    const bad = shellcheck(badScript);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain("SC2086");
  });

  it("systemd-analyze verify accepts both units with the script in place", () => {
    expect(artifacts.units.map((u) => u.name)).toEqual(["tee-prover-prober.service", "tee-prover-prober.timer"]);
    expect(systemdVerify(artifacts.files, ["tee-prover-prober.service", "tee-prover-prober.timer"])).toBeUndefined();
  });

  it("systemd-analyze verify catches a bad timer value and a missing script (negative controls)", () => {
    const badTimer = artifacts.files.map((f) => (f.path.endsWith(".timer") ? { ...f, content: f.content.replace("OnUnitActiveSec=60s", "OnUnitActiveSec=soon") } : f));
    expect(systemdVerify(badTimer, ["tee-prover-prober.timer"])).toMatch(/^exit 0: .*tee-prover-prober\.timer:\d+: Failed to parse timer value, ignoring: soon/);
    const noScript = artifacts.files.filter((f) => f.path !== GCP_PROBER_SCRIPT_PATH);
    expect(systemdVerify(noScript, ["tee-prover-prober.service"])).toMatch(/gcp-prober\.sh is not executable/);
  });
});

// ---- the script, run for real -----------------------------------------------------------------

const TOKEN = "ya29.test-access-token";
const PROJECT = "tee-prover-dev";
const ZONE_PREFIX = `/compute/v1/projects/${PROJECT}/zones/us-central1-a/instances/`;
const LIST_PATH = `/compute/v1/projects/${PROJECT}/regions/us-central1/instanceGroupManagers/prover-dev-mig/listManagedInstances`;
const TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";
const TIME_SERIES_PATH = `/v3/projects/${PROJECT}/timeSeries`;

interface FakeInstance {
  readonly name: string;
  readonly status: string;
  /** Omitted: instances.get answers 404. */
  readonly ip?: string;
}

/**
 * /health's status and /ready's answer: a JSON body (200), a bare status (the rate limiter's 429),
 * or "reset" (the connection is dropped without a response).
 */
interface ProofBehaviour {
  readonly health: number | "reset";
  readonly ready: Record<string, unknown> | number | "reset";
}

interface Scenario {
  instances: FakeInstance[];
  tokenStatus: number;
  listStatus: number;
  monitoringStatus: number;
  /** Keyed by the proof server's local address (each instance has its own loopback IP). */
  proof: Record<string, ProofBehaviour>;
}

interface GoogleCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly metadataFlavor?: string;
  readonly authorization?: string;
  readonly body: string;
}

interface ProofCall {
  readonly ip: string;
  readonly path: string;
  readonly headers: readonly string[];
  /** The client's end of the connection: the same for two requests over one connection. */
  readonly clientPort: number;
}

let scenario: Scenario;
let googleCalls: GoogleCall[] = [];
let proofCalls: ProofCall[] = [];
let googleBase = "";
let proofPort = 0;
let tlsPort = 0;
const servers: Server[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** Plays the metadata server, the Compute Engine API and the Cloud Monitoring API. */
const googleHandler: RequestListener = (req, res) => {
  void readBody(req).then((body) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const header = (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined);
    googleCalls.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      metadataFlavor: header("metadata-flavor"),
      authorization: header("authorization"),
      body,
    });
    if (req.method === "GET" && url.pathname === TOKEN_PATH) {
      if (header("metadata-flavor") !== "Google") return sendJson(res, 403, { error: "Missing Metadata-Flavor:Google header" });
      if (scenario.tokenStatus !== 200) return sendJson(res, scenario.tokenStatus, { error: "unavailable" });
      return sendJson(res, 200, { access_token: TOKEN, expires_in: 3599, token_type: "Bearer" });
    }
    if (header("authorization") !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: { code: 401 } });
    if (req.method === "POST" && url.pathname === LIST_PATH) {
      if (scenario.listStatus !== 200) return sendJson(res, scenario.listStatus, { error: { code: scenario.listStatus } });
      // Two pages (the second behind a token that needs URL encoding), as the API paginates.
      const managed = scenario.instances.map((i) => ({
        instance: `https://www.googleapis.com${ZONE_PREFIX}${i.name}`,
        instanceStatus: i.status,
        currentAction: "NONE",
      }));
      if (url.searchParams.get("pageToken") === "page/2=") return sendJson(res, 200, { managedInstances: managed.slice(2) });
      if (managed.length === 0) return sendJson(res, 200, {});
      return sendJson(res, 200, managed.length > 2 ? { managedInstances: managed.slice(0, 2), nextPageToken: "page/2=" } : { managedInstances: managed });
    }
    if (req.method === "GET" && url.pathname.startsWith(ZONE_PREFIX)) {
      const instance = scenario.instances.find((i) => i.name === url.pathname.slice(ZONE_PREFIX.length));
      if (instance?.ip === undefined) return sendJson(res, 404, { error: { code: 404 } });
      return sendJson(res, 200, { name: instance.name, status: instance.status, networkInterfaces: [{ networkIP: instance.ip, name: "nic0" }] });
    }
    if (req.method === "POST" && url.pathname === TIME_SERIES_PATH) {
      return sendJson(res, scenario.monitoringStatus, scenario.monitoringStatus === 200 ? {} : { error: { code: scenario.monitoringStatus, message: "Field timeSeries[0] is invalid" } });
    }
    return sendJson(res, 404, { error: { code: 404 } });
  });
};

/** Plays the proof servers; which one is asked is told by the address the request arrived on. */
const proofHandler: RequestListener = (req, res) => {
  const ip = req.socket.localAddress ?? "";
  proofCalls.push({ ip, path: req.url ?? "", headers: Object.keys(req.headers), clientPort: req.socket.remotePort ?? 0 });
  const behaviour = scenario.proof[ip];
  if (behaviour === undefined) return void req.socket.destroy();
  if (req.url === "/health") {
    if (behaviour.health === "reset") return void req.socket.destroy();
    return sendJson(res, behaviour.health, { status: behaviour.health === 200 ? "ok" : "unavailable", timestamp: "2025-01-01T00:00:00Z" });
  }
  if (req.url === "/ready") {
    if (behaviour.ready === "reset") return void req.socket.destroy();
    if (typeof behaviour.ready === "number") return sendJson(res, behaviour.ready, { error: "Too Many Requests" });
    return sendJson(res, 200, behaviour.ready);
  }
  return sendJson(res, 404, {});
};

function listen(server: Server, port: number, host: string): Promise<number> {
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

const ready = (jobsPending: unknown, jobsProcessing: unknown) => ({ status: "ok", jobsProcessing, jobsPending, jobCapacity: 0, timestamp: "2025-01-01T00:00:00Z" });

beforeAll(async () => {
  requireTool("bash", "bash");
  requireTool("jq", "jq");
  requireTool("curl", "curl");
  requireTool("openssl", "openssl");
  googleBase = `http://127.0.0.1:${await listen(createHttpServer(googleHandler), 0, "127.0.0.1")}`;
  // Five proof servers on one port, one per loopback address; 127.0.0.4 has none (refused).
  proofPort = await listen(createHttpServer(proofHandler), 0, "127.0.0.1");
  await listen(createHttpServer(proofHandler), proofPort, "127.0.0.2");
  await listen(createHttpServer(proofHandler), proofPort, "127.0.0.3");
  await listen(createHttpServer(proofHandler), proofPort, "127.0.0.5");
  await listen(createHttpServer(proofHandler), proofPort, "127.0.0.6");
  const dir = scratch("tls");
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  const generated = run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=proof-server",
  ]);
  expect(generated.code, generated.stderr).toBe(0);
  tlsPort = await listen(createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, proofHandler), 0, "127.0.0.1");
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

beforeEach(() => {
  googleCalls = [];
  proofCalls = [];
  scenario = {
    instances: [],
    tokenStatus: 200,
    listStatus: 200,
    monitoringStatus: 200,
    proof: {
      "127.0.0.1": { health: 200, ready: ready(7, 3) },
      "127.0.0.2": { health: 200, ready: ready(120, 16) },
      "127.0.0.3": { health: 503, ready: "reset" },
    },
  };
});

/**
 * Runs the rendered script with bash, as the unit would, and waits for it to exit. A `logger` on
 * PATH records whether it ran: the script logs to stderr only (the unit sends it to the journal).
 */
function runProber(input: GcpProberInput, mutate: (script: string) => string = (s) => s): Promise<RunResult & { loggerRan: boolean; runs: string[] }> {
  const dir = scratch("prober");
  // Each jq and curl the script starts is a process on the prober VM every interval: bash
  // functions (imported from the environment, no extra process) note each run, then run the tool.
  const runsFile = join(dir, "runs");
  const loggerMark = join(dir, "logger-ran");
  writeExecutable(join(dir, "bin", "logger"), `#!/bin/sh\n: >'${loggerMark}'\n`);
  const a = extractGcpProberArtifacts(renderGcpProberCloudInit(input));
  const envFile = join(dir, "prober.env");
  const script = join(dir, "gcp-prober.sh");
  writeFileSync(envFile, a.files.find((f) => f.path === GCP_PROBER_ENV_PATH)?.content ?? "");
  writeFileSync(script, mutate(a.scripts.find((s) => s.path === GCP_PROBER_SCRIPT_PATH)?.content ?? ""));
  const env = scriptEnv(join(dir, "bin"), {
    TEE_PROVER_PROBER_ENV: envFile,
    TEE_PROVER_METADATA_URL: googleBase,
    TEE_PROVER_COMPUTE_URL: googleBase,
    TEE_PROVER_MONITORING_URL: googleBase,
    "BASH_FUNC_jq%%": `() { printf 'jq\\n' >>'${runsFile}'; command jq "$@"; }`,
    "BASH_FUNC_curl%%": `() { printf 'curl\\n' >>'${runsFile}'; command curl "$@"; }`,
  });
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { env, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000, killSignal: "SIGKILL" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code, signal) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr: signal === null ? stderr : `${stderr}\nkilled by ${signal}`,
        loggerRan: existsSync(loggerMark),
        runs: existsSync(runsFile) ? readFileSync(runsFile, "utf8").split("\n").filter(Boolean) : [],
      }),
    );
  });
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`expected exactly one "${from}"`);
  return text.replace(from, to);
}

const instance = (name: string, ip: string | undefined, status = "RUNNING"): FakeInstance => (ip === undefined ? { name, status } : { name, status, ip });

/** The one timeSeries.create request of a run: its series, and its single shared endTime. */
function published(): { series: unknown[]; endTime: string } {
  const posts = googleCalls.filter((c) => c.path === TIME_SERIES_PATH);
  expect(posts).toHaveLength(1);
  const post = posts[0] as GoogleCall;
  expect(post.method).toBe("POST");
  expect(post.authorization).toBe(`Bearer ${TOKEN}`);
  const body = JSON.parse(post.body) as { timeSeries: Array<{ points: Array<{ interval: { endTime: string } }> }> };
  expect(Object.keys(body)).toEqual(["timeSeries"]);
  const endTimes = new Set(body.timeSeries.map((s) => s.points[0]?.interval.endTime));
  expect(endTimes.size).toBe(1);
  return { series: body.timeSeries, endTime: [...endTimes][0] ?? "" };
}

function expectedSeries(endTime: string, values: Partial<Record<GcpProberMetricName, string>>): unknown[] {
  return Object.entries(values).map(([name, value]) => ({
    metric: { type: `custom.googleapis.com/tee_prover/${name}`, labels: { fleet: "prover-dev" } },
    resource: { type: "generic_node", labels: { project_id: "tee-prover-dev", location: "us-central1", namespace: "tee-prover", node_id: "prover-dev" } },
    metricKind: "GAUGE",
    valueType: "INT64",
    points: [{ interval: { endTime }, value: { int64Value: value } }],
  }));
}

describe("gcp-prober.sh against fake Google APIs and proof servers", () => {
  it("probes the RUNNING instances over every page and posts the four gauges at the current time", async () => {
    // Pages: [a, c] then [b]; c is STOPPING (and points at a healthy server, so probing it would show).
    scenario.instances = [instance("prover-a", "127.0.0.1"), instance("prover-c", "127.0.0.1", "STOPPING"), instance("prover-b", "127.0.0.2")];
    const before = Math.floor(Date.now() / 1000) * 1000;
    const result = await runProber(proberInput({ port: proofPort }));
    const after = Date.now();
    expect(result.code, result.stderr).toBe(0);

    const { series, endTime } = published();
    expect(endTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(endTime)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(endTime)).toBeLessThanOrEqual(after);
    expect(series).toEqual(
      expectedSeries(endTime, { healthy_instances: "2", probed_instances: "2", jobs_pending_max: "120", jobs_processing_total: "19" }),
    );

    const token = googleCalls.filter((c) => c.path === TOKEN_PATH);
    expect(token.map((c) => [c.method, c.metadataFlavor, c.authorization])).toEqual([["GET", "Google", undefined]]);
    expect(googleCalls.filter((c) => c.path === LIST_PATH).map((c) => [c.method, c.query, c.body])).toEqual([
      ["POST", {}, ""],
      ["POST", { pageToken: "page/2=" }, ""],
    ]);
    // Only the RUNNING instances are looked up, with the token, at the configured Compute base.
    const gets = googleCalls.filter((c) => c.path.startsWith(ZONE_PREFIX));
    expect(gets.map((c) => [c.method, c.path.slice(ZONE_PREFIX.length), c.authorization]).sort()).toEqual([
      ["GET", "prover-a", `Bearer ${TOKEN}`],
      ["GET", "prover-b", `Bearer ${TOKEN}`],
    ]);
    expect(proofCalls.map((c) => `${c.ip}${c.path}`).sort()).toEqual(["127.0.0.1/health", "127.0.0.1/ready", "127.0.0.2/health", "127.0.0.2/ready"]);
    // One curl per instance: /health, then /ready over the same connection.
    for (const ip of ["127.0.0.1", "127.0.0.2"]) {
      const calls = proofCalls.filter((c) => c.ip === ip);
      expect(calls.map((c) => c.path)).toEqual(["/health", "/ready"]);
      expect(new Set(calls.map((c) => c.clientPort)).size).toBe(1);
    }
    // The instances never see a credential.
    for (const call of proofCalls) expect(call.headers).not.toContain("authorization");
    expect(result.stderr).toContain("published healthy=2 probed=2 jobs_pending_max=120 jobs_processing_total=19");
    // Processes per sample: curl for the token, each page, each instance's address, each
    // instance's /health + /ready (one), the post; jq for the token, each page, each address,
    // each /ready body, the series.
    const count = (tool: string) => result.runs.filter((r) => r === tool).length;
    expect([count("curl"), count("jq")]).toEqual([1 + 2 + 2 + 2 + 1, 1 + 2 + 2 + 2 + 1]);

    // Every series is one of the catalogue's metrics, with its kind and type.
    for (const s of series as Array<{ metric: { type: string }; metricKind: string; valueType: string }>) {
      const name = s.metric.type.split("/").at(-1) as GcpProberMetricName;
      expect(GCP_PROBER_METRICS[name]).toEqual({ metricKind: s.metricKind, valueType: s.valueType });
      expect(s.metric.type).toBe(gcpProberMetricType("custom.googleapis.com/tee_prover", name));
    }
  });

  /**
   * One run for the two classification tests below (a prober run is most of a test's CPU): five
   * instances, one per behaviour. .1 answers normally; .2 is rate-limited on both routes; .3 drops
   * /health but its limiter answers /ready (alive); .5 is down (/health 503, /ready reset); .6
   * answers neither route (the negative control of the 429s: down). Captured as the run ends,
   * since every test starts with fresh call lists.
   */
  let classification: Promise<{ result: RunResult & { loggerRan: boolean }; series: unknown[]; endTime: string }> | undefined;
  const classify = () =>
    (classification ??= (async () => {
      scenario.proof["127.0.0.2"] = { health: 429, ready: 429 };
      scenario.proof["127.0.0.3"] = { health: "reset", ready: 429 };
      scenario.proof["127.0.0.5"] = { health: 503, ready: "reset" };
      scenario.proof["127.0.0.6"] = { health: "reset", ready: "reset" };
      scenario.instances = [
        instance("prover-a", "127.0.0.1"),
        instance("prover-b", "127.0.0.2"),
        instance("prover-c", "127.0.0.3"),
        instance("prover-d", "127.0.0.5"),
        instance("prover-e", "127.0.0.6"),
      ];
      const result = await runProber(proberInput({ port: proofPort }));
      expect(result.code, result.stderr).toBe(0);
      return { result, ...published() };
    })());
  // a (200), b and c (429, each logged as alive) are the three healthy ones: d and e are not.
  // Job counts come only from the instance that answered /ready.
  const classified = (endTime: string) =>
    expectedSeries(endTime, { healthy_instances: "3", probed_instances: "5", jobs_pending_max: "7", jobs_processing_total: "3" });

  it("counts a down instance (/health 503, /ready unreachable) as unhealthy without aborting", async () => {
    const { result, series, endTime } = await classify();
    expect(series).toEqual(classified(endTime));
    expect(result.stderr).toContain("127.0.0.5: /health answered HTTP 503");
    expect(result.stderr).toContain("127.0.0.5: /ready gave no job counts (HTTP 000)");
    expect(result.stderr).not.toMatch(/127\.0\.0\.5: .*counted as alive/);
    // Logged once, to stderr (the journal); no logger process per line.
    expect(result.loggerRan).toBe(false);
  });

  it("counts a rate-limited instance (429 from /health or /ready) as alive and busy, not down", async () => {
    const { result, series, endTime } = await classify();
    expect(series).toEqual(classified(endTime));
    expect(result.stderr).toContain("127.0.0.2: /health answered HTTP 429 (rate-limited); counted as alive and busy");
    expect(result.stderr).toContain("127.0.0.2: /ready gave no job counts (HTTP 429)");
    expect(result.stderr).toContain("127.0.0.3: /health answered HTTP 000");
    expect(result.stderr).toContain("127.0.0.3: /ready answered HTTP 429 (rate-limited); counted as alive and busy");
    // Negative control: a 429 from neither route, and the instance is down.
    expect(result.stderr).toContain("127.0.0.6: /health answered HTTP 000");
    expect(result.stderr).toContain("127.0.0.6: /ready gave no job counts (HTTP 000)");
    expect(result.stderr).not.toMatch(/127\.0\.0\.6: .*counted as alive/);
  });

  it("publishes healthy 0 when nothing answers, and no job gauges when no count is a non-negative integer", async () => {
    scenario.proof["127.0.0.3"] = { health: 503, ready: ready("7", 1.5) };
    scenario.instances = [
      instance("prover-e", "127.0.0.4"), // connection refused
      instance("prover-f", undefined), // instances.get 404: no address
      instance("prover-g", "127.0.0.3"), // answers, but 503 and non-numeric counts
    ];
    const result = await runProber(proberInput({ port: proofPort }));
    expect(result.code, result.stderr).toBe(0);
    const { series, endTime } = published();
    expect(series).toEqual(expectedSeries(endTime, { healthy_instances: "0", probed_instances: "3" }));
    expect(result.stderr).toMatch(/no internal IP for https:\/\/www\.googleapis\.com\/compute\/v1\/.*\/prover-f \(HTTP 404\)/);
    expect(result.stderr).toContain("127.0.0.4: /health answered HTTP 000");

    googleCalls = [];
    scenario.instances = [];
    const empty = await runProber(proberInput({ port: proofPort }));
    expect(empty.code, empty.stderr).toBe(0);
    const none = published();
    expect(none.series).toEqual(expectedSeries(none.endTime, { healthy_instances: "0", probed_instances: "0" }));
  });

  it("probes over HTTPS without verifying the TEE's self-signed certificate when the servers use TLS", async () => {
    scenario.instances = [instance("prover-a", "127.0.0.1")];
    const result = await runProber(proberInput({ port: tlsPort, serverTls: true }));
    expect(result.code, result.stderr).toBe(0);
    const { series, endTime } = published();
    expect(series).toEqual(expectedSeries(endTime, { healthy_instances: "1", probed_instances: "1", jobs_pending_max: "7", jobs_processing_total: "3" }));
    expect(proofCalls.map((c) => c.path).sort()).toEqual(["/health", "/ready"]);

    // Negative controls: plain HTTP to the TLS port, and HTTPS with verification, both fail.
    googleCalls = [];
    const plain = await runProber(proberInput({ port: tlsPort, serverTls: false }));
    expect(plain.code, plain.stderr).toBe(0);
    const cleartext = published();
    expect(cleartext.series).toEqual(expectedSeries(cleartext.endTime, { healthy_instances: "0", probed_instances: "1" }));
    googleCalls = [];
    const verifying = await runProber(proberInput({ port: tlsPort, serverTls: true }), (script) => replaceOnce(script, "probe_options+=(-k)", "probe_options+=()"));
    expect(verifying.code, verifying.stderr).toBe(0);
    const strict = published();
    expect(strict.series).toEqual(expectedSeries(strict.endTime, { healthy_instances: "0", probed_instances: "1" }));
  });

  it("fails without publishing when it has no token or no instance list, and when the write is refused", async () => {
    scenario.instances = [instance("prover-a", "127.0.0.1")];
    scenario.tokenStatus = 500;
    const noToken = await runProber(proberInput({ port: proofPort }));
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("ERROR: no access token from the metadata server (HTTP 500)");
    expect(googleCalls.map((c) => c.path)).toEqual([TOKEN_PATH]);

    googleCalls = [];
    scenario.tokenStatus = 200;
    scenario.listStatus = 403;
    const noList = await runProber(proberInput({ port: proofPort }));
    expect(noList.code).toBe(1);
    expect(noList.stderr).toContain("ERROR: listManagedInstances failed (HTTP 403)");
    expect(googleCalls.map((c) => c.path)).toEqual([TOKEN_PATH, LIST_PATH]);
    expect(proofCalls).toEqual([]);

    googleCalls = [];
    scenario.listStatus = 200;
    scenario.monitoringStatus = 400;
    const refused = await runProber(proberInput({ port: proofPort }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("ERROR: timeSeries.create failed (HTTP 400)");
    expect(refused.stderr).toContain("Field timeSeries[0] is invalid");
  });
});
