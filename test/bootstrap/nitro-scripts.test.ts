import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_NITRO_ROOT_G1_SHA256 } from "../../src/attestation/pins";
import { HOST_AGENT_METRIC_NAMES } from "../../src/bootstrap/host-agent-metrics";
import { extractNitroArtifacts, NITRO_SCRIPT_PATHS, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import {
  ALL_ZERO,
  countJqRuns,
  PCR0,
  PCR1,
  PCR2,
  describeEifJson,
  describeEnclavesJson,
  nitroTestInput,
  readStubCalls,
  removeDir,
  requireTool,
  run,
  runAsync,
  scriptEnv,
  tempDir,
  writeStubFunctions,
  writeStubs,
  type RunResult,
  type StubCall,
  type TestInputOptions,
} from "./helpers";

/**
 * The host scripts, exactly as rendered, executed with bash on this machine. `aws`, `nitro-cli`,
 * `systemctl`, the verifier, `socat` and `vsock-proxy` are stubs that record their arguments (the
 * first four as bash functions read through BASH_ENV, which start no process; see
 * writeStubFunctions); jq, curl, openssl, awk and date are the real tools.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

let bash = "bash";
beforeAll(() => {
  // Its absolute path: a bare "bash" is looked up along PATH in every spawned child.
  bash = requireTool("bash", "bash");
  requireTool("jq", "jq");
  requireTool("curl", "curl");
  requireTool("openssl", "openssl");
});

interface Host {
  readonly dir: string;
  readonly stubBin: string;
  readonly stubState: string;
  readonly stateDir: string;
  readonly runDir: string;
  /** Where run-enclave.sh marks that this boot's enclave ran (/run/tee-prover/enclave-started). */
  readonly startedMarker: string;
  /** Where the agent marks the server's first answer this boot (/run/tee-prover/server-answered). */
  readonly answeredMarker: string;
  readonly env: NodeJS.ProcessEnv;
  /** The rendered verify-attestation.py, written out and executable. */
  readonly verifier: string;
  script(path: string): string;
  calls(): StubCall[];
  /** How many jq processes the scripts started so far. */
  jqRuns(): number;
}

interface Rendered {
  readonly releaseEnv: string;
  readonly scripts: ReadonlyMap<string, string>;
  readonly verifier: string;
}

/**
 * The rendered scripts, release.env and verifier for one set of options, written once and shared
 * by every host with those options (the scripts never write next to themselves).
 */
const renderedByOptions = new Map<string, Rendered>();
function rendered(options: TestInputOptions): Rendered {
  const key = JSON.stringify(options);
  const known = renderedByOptions.get(key);
  if (known !== undefined) return known;
  const dir = tempDir("rendered");
  dirs.push(dir);
  const artifacts = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput(options)));
  const releaseEnv = join(dir, "release.env");
  writeFileSync(releaseEnv, artifacts.files.find((f) => f.path === "/etc/tee-prover/release.env")?.content ?? "");
  const scripts = new Map<string, string>();
  for (const script of artifacts.scripts) {
    const local = join(dir, script.path.split("/").at(-1) ?? "script.sh");
    writeFileSync(local, script.content);
    scripts.set(script.path, local);
  }
  const verifier = join(dir, "verify-attestation.py");
  writeFileSync(verifier, artifacts.files.find((f) => f.path === NITRO_SCRIPT_PATHS.verifyAttestation)?.content ?? "", { mode: 0o755 });
  const result = { releaseEnv, scripts, verifier };
  renderedByOptions.set(key, result);
  return result;
}

/** The stubs, stateless (their state is $STUB_STATE): one copy for every host. */
let sharedStubs: { bin: string; functions: string } | undefined;
function stubs(): { bin: string; functions: string } {
  if (sharedStubs !== undefined) return sharedStubs;
  const dir = tempDir("stubs");
  dirs.push(dir);
  // Executables only for what the scripts `exec`; the rest are functions (BASH_ENV).
  writeStubs(join(dir, "bin"), ["socat", "vsock-proxy"]);
  writeStubFunctions(join(dir, "stubs.bash"));
  sharedStubs = { bin: join(dir, "bin"), functions: join(dir, "stubs.bash") };
  return sharedStubs;
}

/** A fake host: its own state in a temp dir, the rendered scripts and release.env, stubs first on PATH. */
function host(options: TestInputOptions = {}): Host {
  const dir = tempDir("host");
  dirs.push(dir);
  const { releaseEnv, scripts, verifier } = rendered(options);
  const { bin: stubBin, functions: stubFunctions } = stubs();
  const stubState = join(dir, "stub-state");
  const stateDir = join(dir, "var-lib");
  const runDir = join(dir, "run");
  const startedMarker = join(dir, "run-tee-prover", "enclave-started");
  const answeredMarker = join(dir, "run-tee-prover", "server-answered");
  mkdirSync(stubState, { recursive: true });
  return {
    dir,
    stubBin,
    stubState,
    stateDir,
    runDir,
    startedMarker,
    answeredMarker,
    verifier,
    env: scriptEnv(stubBin, {
      BASH_ENV: stubFunctions,
      STUB_STATE: stubState,
      TEE_PROVER_RELEASE_ENV: releaseEnv,
      TEE_PROVER_STATE_DIR: stateDir,
      TEE_PROVER_RUN_DIR: runDir,
      TEE_PROVER_STARTED_MARKER: startedMarker,
      TEE_PROVER_ANSWERED_MARKER: answeredMarker,
      TEE_PROVER_POLL_SECONDS: "0",
      // The stub (a function) by default; tests of the real verifier point this at the rendered one.
      TEE_PROVER_ATTESTATION_VERIFIER: "verify-attestation",
    }),
    script: (path) => {
      const local = scripts.get(path);
      if (local === undefined) throw new Error(`no script ${path}`);
      return local;
    },
    calls: () => readStubCalls(stubState),
    jqRuns: () => countJqRuns(stubState),
  };
}

// ---- fetch-and-verify-eif.sh ----------------------------------------------------------------

function verifyEif(h: Host, pcrs: Partial<Record<`PCR${number}`, string>>): RunResult {
  writeFileSync(join(h.stubState, "describe-eif.json"), describeEifJson(pcrs));
  return run(bash, [h.script(NITRO_SCRIPT_PATHS.fetchAndVerifyEif)], { env: h.env });
}

describe("fetch-and-verify-eif.sh", () => {
  it("admits an EIF whose PCRs match the pins (compared lowercased) and clears older releases", () => {
    const h = host();
    mkdirSync(h.stateDir, { recursive: true });
    writeFileSync(join(h.stateDir, "v6.2.0.eif"), "old");
    const result = verifyEif(h, { PCR0: PCR0.toUpperCase(), PCR1, PCR2 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("PCR0 matches the pin");
    expect(result.stderr).toContain("PCR2 matches the pin");
    // One jq reads every measurement (it was one per pinned PCR plus one for the check).
    expect(h.jqRuns()).toBe(1);
    expect(readdirSync(h.stateDir)).toEqual(["v6.3.1.eif"]);
    expect(h.calls().slice(0, 2)).toEqual([
      {
        cmd: "aws",
        args: [
          "s3",
          "cp",
          "--only-show-errors",
          "--region",
          "us-east-1",
          "s3://tee-prover-releases/v6.3.1/proof-server-v6.3.1.eif",
          join(h.stateDir, "v6.3.1.eif.download"),
        ],
      },
      { cmd: "nitro-cli", args: ["describe-eif", "--eif-path", join(h.stateDir, "v6.3.1.eif.download")] },
    ]);
  });

  it("refuses a wrong PCR1, naming the PCR, the expected and the actual value", () => {
    const h = host();
    const wrong = "1".repeat(96);
    const result = verifyEif(h, { PCR0, PCR1: wrong, PCR2 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`ERROR: PCR1 mismatch: expected ${PCR1}, actual ${wrong}`);
    expect(existsSync(join(h.stateDir, "v6.3.1.eif"))).toBe(false);
    expect(existsSync(join(h.stateDir, "v6.3.1.eif.download"))).toBe(false);
  });

  it("refuses all-zero PCRs (a debug-mode image)", () => {
    const result = verifyEif(host(), { PCR0: ALL_ZERO, PCR1: ALL_ZERO, PCR2: ALL_ZERO });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("ERROR: PCR0 is all zeros");
  });

  it("refuses an all-zero PCR even when that PCR is warnOnly", () => {
    const result = verifyEif(host({ warnOnly: [2] }), { PCR0, PCR1, PCR2: ALL_ZERO });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("ERROR: PCR2 is all zeros");
  });

  it("only warns about a warnOnly PCR that differs", () => {
    const h = host({ warnOnly: [2] });
    const other = "2".repeat(96);
    const result = verifyEif(h, { PCR0, PCR1, PCR2: other });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`WARNING: PCR2 mismatch (warnOnly, not enforced): expected ${PCR2}, actual ${other}`);
    expect(existsSync(join(h.stateDir, "v6.3.1.eif"))).toBe(true);
  });

  it("refuses an EIF that lacks a pinned PCR8 (unsigned image)", () => {
    const result = verifyEif(host({ pcr8: "ab".repeat(48) }), { PCR0, PCR1, PCR2 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`ERROR: PCR8 mismatch: expected ${"ab".repeat(48)}, actual <missing>`);
  });

  it.each([
    ["no Measurements object", "{}"],
    ["no output at all, even with every PCR warnOnly", ""],
  ])("refuses describe-eif output with %s", (_, output) => {
    const h = host({ warnOnly: [0, 1, 2] });
    writeFileSync(join(h.stubState, "describe-eif.json"), output);
    const result = run(bash, [h.script(NITRO_SCRIPT_PATHS.fetchAndVerifyEif)], { env: h.env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("printed no Measurements object");
  });
});

// ---- run-enclave.sh -------------------------------------------------------------------------

function runEnclave(h: Host, describeSequence: readonly string[], args: readonly string[] = []): RunResult {
  describeSequence.forEach((json, i) => writeFileSync(join(h.stubState, `describe-enclaves.${i + 1}.json`), json));
  writeFileSync(join(h.stubState, "describe-enclaves.json"), "[]");
  return run(bash, [h.script(NITRO_SCRIPT_PATHS.runEnclave), ...args], { env: h.env });
}

function withVerifiedEif(h: Host): Host {
  mkdirSync(h.stateDir, { recursive: true });
  writeFileSync(join(h.stateDir, "v6.3.1.eif"), "EIF");
  return h;
}

describe("run-enclave.sh", () => {
  const running = describeEnclavesJson({});

  it("starts the enclave in production mode with the pinned resources, and exits 1 when it disappears", () => {
    const h = withVerifiedEif(host());
    const result = runEnclave(h, [running, running, running, "[]"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("exiting so systemd restarts it");
    const nitro = h.calls().filter((c) => c.cmd === "nitro-cli");
    expect(nitro.map((c) => c.args)).toEqual([
      ["terminate-enclave", "--all"],
      ["run-enclave", "--eif-path", join(h.stateDir, "v6.3.1.eif"), "--cpu-count", "2", "--memory", "4096", "--enclave-cid", "16"],
      ["describe-enclaves"],
      ["describe-enclaves"],
      ["describe-enclaves"],
      ["describe-enclaves"],
    ]);
    expect(JSON.stringify(h.calls())).not.toContain("debug");
    // One jq per poll (it was three while the enclave ran).
    expect(h.jqRuns()).toBe(4);
  });

  it("marks this boot's enclave as started once it runs, and keeps the mark when it later dies (leaves RUNNING)", () => {
    const h = withVerifiedEif(host());
    const result = runEnclave(h, [running, describeEnclavesJson({ state: "TERMINATING" })]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("enclave CID 16 is in state TERMINATING");
    expect(result.stderr).toContain("exiting so systemd restarts it");
    // The agent keeps publishing (EnclaveRunning 0) after a crash: the mark is outside $run_dir.
    expect(existsSync(h.startedMarker)).toBe(true);
    expect(h.startedMarker.startsWith(`${h.runDir}/`)).toBe(false);
  });

  it("does not mark an enclave that never came up, nor a refused EIF", () => {
    const h = withVerifiedEif(host());
    expect(runEnclave(h, ["[]"]).code).toBe(1);
    expect(existsSync(h.startedMarker)).toBe(false);
    const refused = host();
    expect(runEnclave(refused, [running]).code).toBe(1);
    expect(existsSync(refused.startedMarker)).toBe(false);
  });

  it("terminates an enclave that reports DEBUG_MODE", () => {
    const h = withVerifiedEif(host());
    const result = runEnclave(h, [describeEnclavesJson({ flags: "DEBUG_MODE" })]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("runs in debug mode");
    expect(h.calls().at(-1)).toEqual({ cmd: "nitro-cli", args: ["terminate-enclave", "--all"] });
  });

  it("does not start without a verified EIF", () => {
    const h = host();
    const result = runEnclave(h, [running]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("tee-prover-eif.service must succeed first");
    expect(h.calls().some((c) => c.args[0] === "run-enclave")).toBe(false);
  });

  it("tolerates two failed describe-enclaves calls without restarting the enclave", () => {
    const h = withVerifiedEif(host());
    const result = runEnclave(h, [running, "FAIL", "FAIL", running, "[]"]);
    expect(result.code).toBe(1);
    expect(h.calls().filter((c) => c.args[0] === "describe-enclaves")).toHaveLength(5);
    expect(h.calls().filter((c) => c.args[0] === "run-enclave")).toHaveLength(1);
  });

  it("stop terminates the enclave, and the supervisor then exits 0", () => {
    const h = withVerifiedEif(host());
    const stop = run(bash, [h.script(NITRO_SCRIPT_PATHS.runEnclave), "stop"], { env: h.env });
    expect(stop.code).toBe(0);
    expect(h.calls()).toEqual([{ cmd: "nitro-cli", args: ["terminate-enclave", "--all"] }]);

    // ExecStop runs while the supervisor sleeps: the stub plays it by touching the marker.
    const h2 = withVerifiedEif(host());
    writeFileSync(join(h2.stubState, "describe-enclaves.2.touch"), join(h2.runDir, "stopping"));
    const result = runEnclave(h2, [running, "[]"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("enclave stopped on request");
  });
});

// ---- forwarder.sh and kms-proxy.sh ------------------------------------------------------------

describe("forwarder.sh and kms-proxy.sh", () => {
  it("forwarder runs socat from the host port to the enclave's vsock CID and port", () => {
    const h = host();
    const result = run(bash, [h.script(NITRO_SCRIPT_PATHS.forwarder)], { env: h.env });
    expect(result.code, result.stderr).toBe(0);
    expect(h.calls()).toEqual([{ cmd: "socat", args: ["TCP-LISTEN:6300,fork,reuseaddr", "VSOCK-CONNECT:16:6300"] }]);
  });

  it("kms-proxy runs vsock-proxy to the region's KMS endpoint only", () => {
    const h = host();
    const result = run(bash, [h.script(NITRO_SCRIPT_PATHS.kmsProxy)], { env: h.env });
    expect(result.code, result.stderr).toBe(0);
    expect(h.calls()).toEqual([
      {
        cmd: "vsock-proxy",
        args: ["8000", "kms.us-east-1.amazonaws.com", "443", "--config", "/etc/tee-prover/vsock-proxy.yaml"],
      },
    ]);
  });
});

// ---- host-agent.sh ----------------------------------------------------------------------------

interface ProverBehaviour {
  echoNonce: boolean;
  /** Answer every request 429, as the server's rate limiter does under a burst. */
  rateLimited?: boolean;
  /** What /attestation answers instead of the default body (a fake document). */
  attestation?: { status: number; body: (nonce: string | null) => unknown };
  /** Receives each ?nonce= the agent sent. */
  nonces?: string[];
}

/** A stand-in for the proof server's /health, /ready and /attestation. */
function proverHandler(behaviour: ProverBehaviour) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (behaviour.rateLimited === true) return json(429, { error: "Too Many Requests" });
    if (url.pathname === "/health") return json(200, { status: "ok", timestamp: "2026-01-07T23:30:00Z" });
    if (url.pathname === "/ready") {
      return json(200, { status: "ok", jobsProcessing: 2, jobsPending: 5, jobCapacity: 0, timestamp: "2026-01-07T23:30:00Z" });
    }
    if (url.pathname === "/attestation") {
      behaviour.nonces?.push(url.searchParams.get("nonce") ?? "");
      if (behaviour.attestation) return json(behaviour.attestation.status, behaviour.attestation.body(url.searchParams.get("nonce")));
      const nonce = behaviour.echoNonce ? url.searchParams.get("nonce") : "0123";
      return json(200, { platform: "AWS Nitro Enclaves", format: "CBOR", nonce, attestation: "hEShATgioFkQ6qVpbW9kdWxlX2lk" });
    }
    json(404, { error: "not found" });
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Datum {
  MetricName: string;
  Value: number;
  Unit: string;
  Dimensions: Array<{ Name: string; Value: string }>;
}

interface AgentRun {
  readonly result: RunResult;
  readonly putArgs: string[];
  readonly metrics: Map<string, number>;
  readonly data: Datum[];
}

const MEMINFO = ["MemTotal:       16000000 kB", "MemFree:         2000000 kB", "MemAvailable:    6000000 kB", "Hugetlb:         4194304 kB", ""].join("\n");

/**
 * `started`: the enclave already ran this boot (run-enclave.sh's mark); `answered`: its server
 * already answered once (the agent's own mark). Both by default, as on a host in service.
 */
async function runAgent(h: Host, enclaves: string, options: { started?: boolean; answered?: boolean; systemState?: string } = {}): Promise<AgentRun> {
  const started = options.started ?? true;
  mkdirSync(dirname(h.startedMarker), { recursive: true });
  if (started) writeFileSync(h.startedMarker, "");
  if (started && (options.answered ?? true)) writeFileSync(h.answeredMarker, "");
  if (options.systemState !== undefined) writeFileSync(join(h.stubState, "system-state"), options.systemState);
  writeFileSync(join(h.stubState, "describe-enclaves.json"), enclaves);
  writeFileSync(join(h.dir, "meminfo"), MEMINFO);
  // Async: the agent talks to a server in this process, which must keep serving meanwhile.
  const result = await runAsync(bash, [h.script(NITRO_SCRIPT_PATHS.hostAgent)], { ...h.env, TEE_PROVER_MEMINFO: join(h.dir, "meminfo") });
  const put = h.calls().find((c) => c.cmd === "aws" && c.args[0] === "cloudwatch");
  const putArgs = put?.args ?? [];
  const data = JSON.parse(putArgs[putArgs.indexOf("--metric-data") + 1] ?? "[]") as Datum[];
  return { result, putArgs, data, metrics: new Map(data.map((d) => [d.MetricName, d.Value])) };
}

describe("host-agent.sh", () => {
  it("publishes one sample of every metric with the Fleet dimension only", async () => {
    const server = createHttpServer(proverHandler({ echoNonce: true }));
    const port = await listen(server);
    try {
      const h = host({ hostPort: port });
      const { result, putArgs, data, metrics } = await runAgent(h, describeEnclavesJson({}));
      expect(result.code, result.stderr).toBe(0);
      expect(putArgs.slice(0, 2)).toEqual(["cloudwatch", "put-metric-data"]);
      expect(putArgs[putArgs.indexOf("--namespace") + 1]).toBe("TeeProver/prover-dev");
      expect(putArgs[putArgs.indexOf("--region") + 1]).toBe("us-east-1");
      expect(Object.fromEntries(metrics)).toEqual({
        Availability: 1,
        JobsPending: 5,
        JobsProcessing: 2,
        EnclaveRunning: 1,
        AttestationChecks: 1,
        AttestationFailures: 0,
        MemoryUtilization: 49.2,
      });
      for (const datum of data) expect(datum.Dimensions).toEqual([{ Name: "Fleet", Value: "prover-dev" }]);
      expect(data.find((d) => d.MetricName === "MemoryUtilization")?.Unit).toBe("Percent");
      expect(data.find((d) => d.MetricName === "EnclaveRunning")?.Unit).toBe("None");
      expect(result.stderr).toContain("published availability=1 enclave_running=1 attestation_failures=0");
      // Two jq per sample: /ready's counts, and the request with EnclaveRunning judged in it.
      expect(h.jqRuns()).toBe(2);
    } finally {
      await close(server);
    }
  });

  it("reports a debug-mode or unpinned enclave as not running", async () => {
    const server = createHttpServer(proverHandler({ echoNonce: false }));
    const port = await listen(server);
    try {
      // Four hosts of their own against one server: the runs are independent, so they run at once.
      const [debug, unpinned, otherCid, warnOnlyPcr0] = await Promise.all([
        runAgent(host({ hostPort: port }), describeEnclavesJson({ flags: "DEBUG_MODE" })),
        runAgent(host({ hostPort: port }), describeEnclavesJson({ pcr0: "3".repeat(96) })),
        runAgent(host({ hostPort: port }), describeEnclavesJson({ cid: 17 })),
        runAgent(host({ hostPort: port, warnOnly: [0] }), describeEnclavesJson({ pcr0: "3".repeat(96) })),
      ]);
      expect(debug.metrics.get("EnclaveRunning")).toBe(0);
      expect(unpinned.metrics.get("EnclaveRunning")).toBe(0);
      expect(otherCid.metrics.get("EnclaveRunning")).toBe(0);
      expect(warnOnlyPcr0.metrics.get("EnclaveRunning")).toBe(1);
    } finally {
      await close(server);
    }
  });

  it("still publishes Availability 0 when nothing answers on the host port", async () => {
    const server = createHttpServer();
    const port = await listen(server);
    await close(server);
    const h = host({ hostPort: port });
    const { result, metrics } = await runAgent(h, "[]");
    expect(result.code, result.stderr).toBe(0);
    expect(Object.fromEntries(metrics)).toEqual({
      Availability: 0,
      EnclaveRunning: 0,
      AttestationChecks: 1,
      AttestationFailures: 1,
      MemoryUtilization: 49.2,
    });
    expect(result.stderr).toContain("JobsPending and JobsProcessing not published");
  });

  it("with a TLS-serving EIF, probes over HTTPS and reports the certificate's days to expiry", async () => {
    const dir = tempDir("tls");
    dirs.push(dir);
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    const generated = run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=prover.example",
    ]);
    expect(generated.code, generated.stderr).toBe(0);
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, proverHandler({ echoNonce: true }));
    const port = await listen(server);
    try {
      const { result, metrics } = await runAgent(host({ hostPort: port, eifServesTls: true }), describeEnclavesJson({}));
      expect(result.code, result.stderr).toBe(0);
      expect([...metrics.keys()].sort()).toEqual([...HOST_AGENT_METRIC_NAMES].sort());
      expect(metrics.get("Availability")).toBe(1);
      expect(metrics.get("AttestationFailures")).toBe(0);
      // Issued for 30 days a moment ago: 29 whole days remain (30 only if no second has passed).
      expect([29, 30]).toContain(metrics.get("TlsCertDaysToExpiry"));
    } finally {
      await close(server);
    }
  });

  it("publishes nothing before this boot's enclave was verified and started", async () => {
    // A booting host: the forwarder is up, nothing answers behind it, no enclave yet.
    const server = createHttpServer();
    const port = await listen(server);
    await close(server);
    const h = host({ hostPort: port });
    const { result, putArgs } = await runAgent(h, "[]", { started: false });
    expect(result.code, result.stderr).toBe(0);
    expect(putArgs).toEqual([]);
    expect(h.calls().filter((c) => c.cmd === "aws" || c.cmd === "nitro-cli")).toEqual([]);
    expect(result.stderr).toContain("has not been verified and started yet this boot; publishing nothing");
  });

  it("publishes nothing until the server in the new enclave first answers; from then on, reports it", async () => {
    const h = host({ hostPort: 1 });
    const early = await runAgent(h, describeEnclavesJson({}), { answered: false });
    expect(early.result.code, early.result.stderr).toBe(0);
    expect(early.putArgs).toEqual([]);
    expect(early.result.stderr).toContain("the server has not answered yet this boot; publishing nothing");
    expect(existsSync(h.answeredMarker)).toBe(false);

    const server = createHttpServer(proverHandler({ echoNonce: true }));
    const port = await listen(server);
    try {
      const up = host({ hostPort: port });
      const first = await runAgent(up, describeEnclavesJson({}), { answered: false });
      expect(first.metrics.get("Availability")).toBe(1);
      expect(existsSync(up.answeredMarker)).toBe(true);
    } finally {
      await close(server);
    }
  });

  it("publishes nothing once the host is shutting down", async () => {
    const h = host({ hostPort: 1 });
    const { result, putArgs } = await runAgent(h, "[]", { systemState: "stopping" });
    expect(result.code, result.stderr).toBe(0);
    expect(putArgs).toEqual([]);
    expect(result.stderr).toContain("the host is shutting down; publishing nothing");
    // Any other state (e.g. "degraded" after an unrelated unit failed) still publishes.
    const degraded = await runAgent(host({ hostPort: 1 }), "[]", { systemState: "degraded" });
    expect(degraded.metrics.get("EnclaveRunning")).toBe(0);
  });

  it("counts a rate-limited server (429) as available, and its attestation as not checked", async () => {
    const server = createHttpServer(proverHandler({ echoNonce: true, rateLimited: true }));
    const port = await listen(server);
    try {
      const { result, metrics } = await runAgent(host({ hostPort: port }), describeEnclavesJson({}));
      expect(result.code, result.stderr).toBe(0);
      expect(Object.fromEntries(metrics)).toEqual({ Availability: 1, EnclaveRunning: 1, MemoryUtilization: 49.2 });
      expect(result.stderr).toContain("attestation not checked: rate-limited (HTTP 429)");
    } finally {
      await close(server);
    }
  });

  it("counts an attestation failure when the verifier rejects the document, and hands it the body, the nonce sent and the pins", async () => {
    const nonces: string[] = [];
    const body = { platform: "AWS Nitro Enclaves", format: "CBOR", attestation: "hEShATgioFkQ6qVpbW9kdWxlX2lk" };
    const server = createHttpServer(proverHandler({ echoNonce: true, nonces, attestation: { status: 200, body: (nonce) => ({ ...body, nonce }) } }));
    const port = await listen(server);
    try {
      const pcr3 = "ab".repeat(48);
      const h = host({ hostPort: port, parentRolePcr3: pcr3 });
      writeFileSync(join(h.stubState, "verifier-exit"), "1");
      writeFileSync(join(h.stubState, "verifier-output"), "ok structure: COSE_Sign1\nFAIL pcrs: PCRs match no accepted release\n");
      const { result, metrics } = await runAgent(h, describeEnclavesJson({}));
      expect(result.code, result.stderr).toBe(0);
      expect(metrics.get("AttestationChecks")).toBe(1);
      expect(metrics.get("AttestationFailures")).toBe(1);
      expect(result.stderr).toContain("attestation NOT verified: ok structure: COSE_Sign1; FAIL pcrs: PCRs match no accepted release");
      expect(nonces).toHaveLength(1);
      expect(nonces[0]).toMatch(/^[0-9a-f]{32}$/);
      const call = h.calls().find((c) => c.cmd === "verify-attestation");
      expect(call?.args).toEqual([
        "--nonce", nonces[0],
        "--releases", JSON.stringify([{ version: "v6.3.1", pcrs: { 0: { expected: PCR0, warnOnly: false }, 1: { expected: PCR1, warnOnly: false }, 2: { expected: PCR2, warnOnly: false } } }]),
        "--root-sha256", AWS_NITRO_ROOT_G1_SHA256,
        "--pcr3", pcr3,
        "--max-skew-seconds", "300",
      ]);
      expect(JSON.parse(readFileSync(join(h.stubState, "verifier-stdin"), "utf8"))).toEqual({ ...body, nonce: nonces[0] });
    } finally {
      await close(server);
    }
  });

  it("makes no check when the verifier itself cannot run, and fails an HTTP error without running it", async () => {
    const server = createHttpServer(proverHandler({ echoNonce: true }));
    const failing = createHttpServer(proverHandler({ echoNonce: true, attestation: { status: 503, body: () => ({ error: "NSM device not available" }) } }));
    const [port, failingPort] = await Promise.all([listen(server), listen(failing)]);
    try {
      const broken = host({ hostPort: port });
      writeFileSync(join(broken.stubState, "verifier-exit"), "2");
      writeFileSync(join(broken.stubState, "verifier-output"), "cannot check: python3-cryptography is missing\n");
      const down = host({ hostPort: failingPort });
      const [cannot, http] = await Promise.all([runAgent(broken, describeEnclavesJson({})), runAgent(down, describeEnclavesJson({}))]);
      expect(cannot.result.code, cannot.result.stderr).toBe(0);
      expect(cannot.metrics.has("AttestationChecks")).toBe(false);
      expect(cannot.metrics.has("AttestationFailures")).toBe(false);
      expect(cannot.result.stderr).toContain("ERROR: attestation not checked: the verifier failed (exit 2): cannot check: python3-cryptography is missing");
      expect(http.metrics.get("AttestationChecks")).toBe(1);
      expect(http.metrics.get("AttestationFailures")).toBe(1);
      expect(http.result.stderr).toContain("attestation check failed (HTTP 503)");
      expect(down.calls().some((c) => c.cmd === "verify-attestation")).toBe(false);
    } finally {
      await Promise.all([close(server), close(failing)]);
    }
  });

  it("with the real verifier, fails a genuine document that echoes the nonce in its JSON but does not carry it (the old check passed it)", async () => {
    requireTool("/usr/bin/python3", "python3-cryptography");
    const document = readFileSync(join(__dirname, "../fixtures/nitro-attestation/nitrite-blocky-2024-09-07.cbor")).toString("base64");
    const server = createHttpServer(
      proverHandler({ echoNonce: true, attestation: { status: 200, body: (nonce) => ({ platform: "AWS Nitro Enclaves", format: "CBOR/COSE_Sign1", nonce, attestation: document }) } }),
    );
    const port = await listen(server);
    try {
      const h = host({ hostPort: port });
      h.env.TEE_PROVER_ATTESTATION_VERIFIER = h.verifier;
      const { result, metrics } = await runAgent(h, describeEnclavesJson({}));
      expect(result.code, result.stderr).toBe(0);
      expect(metrics.get("AttestationChecks")).toBe(1);
      expect(metrics.get("AttestationFailures")).toBe(1);
      // Signed by AWS and chained to the root, but not ours: not this sample's nonce, not our release, not now.
      const verdict = /attestation NOT verified: (.*)/.exec(result.stderr)?.[1] ?? "";
      expect(verdict).toContain("ok root:");
      expect(verdict).toContain("ok signature:");
      expect(verdict).toContain("FAIL nonce:");
      expect(verdict).toContain("FAIL pcrs: PCRs match no accepted release (v6.3.1: PCR0, PCR1, PCR2 differ)");
      expect(verdict).toContain("FAIL timestamp:");
      expect(verdict).toMatch(/FAIL chain: .*leaf i-0a22e5c5f24d22174-enc\S+ is not valid at /);
    } finally {
      await close(server);
    }
  });

  it("exits non-zero when publishing itself fails", async () => {
    const h = host({ hostPort: 1 });
    // The aws stub records, then fails like a throttled or unauthorised call.
    writeFileSync(join(h.stubState, "aws-fail"), "");
    // ... and nitro-cli describe-enclaves fails too: the sample still says EnclaveRunning 0.
    const { result, metrics } = await runAgent(h, "FAIL");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ERROR: put-metric-data failed");
    expect(metrics.get("EnclaveRunning")).toBe(0);
  });
});
