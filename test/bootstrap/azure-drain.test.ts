import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AZURE_PATHS, renderAzureCloudInit, type AzureBootstrapInput } from "../../src/bootstrap/azure";
import { extractNitroArtifacts } from "../../src/bootstrap/nitro";
import { requireTool, scratchDirs, scriptEnv, writeExecutable } from "./helpers";

// The drain script run by bash against stubs of IMDS (curl), iptables and sleep: it must approve
// only this VM's Terminate event, only once the server is idle or the drain time is up, and in
// passthrough block the load balancer's probes first. The stubs are bash functions the script
// imports from its environment (BASH_FUNC_<name>%%) and read their state with builtins: they are
// not under test, and a bash (plus a cat) per stub call was most of this file's process starts.

const { scratch } = scratchDirs();
const base: AzureBootstrapInput = { image: `docker.io/midnightntwrk/proof-server@sha256:${"a".repeat(64)}`, servesTls: true, port: 6300, env: {}, drainSeconds: 630, blockLoadBalancerProbes: true, agent: { fleetName: "f", metricNamespace: "TeeProver/f", identityClientId: "0b0c4f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", intervalSeconds: 60 } };

const CURL_STUB = `() {
local url="" method=GET data="" writeout="" n=0 file body=""
while (($#)); do
  case "$1" in
    -X) method="$2"; shift 2 ;;
    -d) data="$2"; shift 2 ;;
    -H|--max-time) shift 2 ;;
    --write-out) writeout="$2"; shift 2 ;;
    http*) url="$1"; shift ;;
    *) shift ;;
  esac
done
echo "$method $url $data" >> "$STUB_STATE/curl.log"
case "$url" in
  *compute/name*) printf 'vm1' ;;
  *scheduledevents*) [[ "$method" == POST ]] || { IFS= read -r -d '' body <"$STUB_STATE/events.json" || true; printf '%s' "$body"; } ;;
  */ready)
    [[ ! -f "$STUB_STATE/ready.count" ]] || read -r n <"$STUB_STATE/ready.count"
    n=$(( n + 1 )); echo "$n" > "$STUB_STATE/ready.count"
    file="$STUB_STATE/ready.$n.json"; [[ -f "$file" ]] || file="$STUB_STATE/ready.json"
    IFS= read -r -d '' body <"$file" || true; printf '%s' "$body"
    [[ -z "$writeout" ]] || printf '\\n200' ;;
esac
}`;

interface DrainRun { readonly code: number | null; readonly stderr: string; readonly curl: string[]; readonly iptables: string; readonly readyPolls: number; readonly draining: boolean; readonly loggerRan: boolean }

function runDrain(input: AzureBootstrapInput, events: unknown, ready: { busyPolls: number }, options: { drainSecondsInFile?: number; maxSleeps?: number } = {}): DrainRun {
  requireTool("jq", "jq");
  const files = extractNitroArtifacts(renderAzureCloudInit(input)).files;
  const dir = scratch("drain");
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  mkdirSync(state, { recursive: true });
  // The script logs to stderr only (the unit sends it to the journal): a logger run would show.
  const loggerMark = join(dir, "logger-ran");
  writeExecutable(join(bin, "logger"), `#!/bin/sh\n: >'${loggerMark}'\n`);
  const stubs = {
    "BASH_FUNC_curl%%": CURL_STUB,
    "BASH_FUNC_iptables%%": `() { echo "$*" >> "$STUB_STATE/iptables.log"; }`,
    // Each sleep is a poll; after maxSleeps the "VM" gives up (a failing command ends the script under set -e).
    "BASH_FUNC_sleep%%": `() { local n=0; [[ ! -f "$STUB_STATE/sleeps" ]] || read -r n <"$STUB_STATE/sleeps"; n=$(( n + 1 )); echo "$n" > "$STUB_STATE/sleeps"; (( n < ${options.maxSleeps ?? 20} )); }`,
  };
  writeFileSync(join(state, "events.json"), JSON.stringify(events));
  for (let i = 1; i <= ready.busyPolls; i++) writeFileSync(join(state, `ready.${i}.json`), JSON.stringify({ jobsPending: 1, jobsProcessing: 1 }));
  writeFileSync(join(state, "ready.json"), JSON.stringify({ jobsPending: 0, jobsProcessing: 0 }));
  const drainEnv = files.find((f) => f.path === AZURE_PATHS.drainEnv)!.content;
  // A drain time of 0 (the renderer refuses it) makes "the time is up" deterministic.
  writeFileSync(join(dir, "drain.env"), options.drainSecondsInFile === undefined ? drainEnv : drainEnv.replace(/TEE_PROVER_DRAIN_SECONDS='\d+'/, `TEE_PROVER_DRAIN_SECONDS='${options.drainSecondsInFile}'`));
  writeFileSync(join(dir, "drain.sh"), files.find((f) => f.path === AZURE_PATHS.drainScript)!.content);
  const result = spawnSync("bash", [join(dir, "drain.sh")], { env: scriptEnv(bin, { STUB_STATE: state, TEE_PROVER_DRAIN_ENV: join(dir, "drain.env"), TEE_PROVER_DRAINING_MARKER: join(dir, "run", "draining"), ...stubs }), encoding: "utf8", timeout: 10_000 });
  const read = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : "");
  return { code: result.status, stderr: result.stderr, loggerRan: existsSync(loggerMark), curl: read("curl.log").split("\n").filter(Boolean), iptables: read("iptables.log"), readyPolls: Number(read("ready.count") || 0), draining: existsSync(join(dir, "run", "draining")) };
}

const terminate = (resources: string[]) => ({ DocumentIncarnation: 2, Events: [{ EventId: "E-42", EventType: "Terminate", ResourceType: "VirtualMachine", Resources: resources, EventStatus: "Scheduled" }] });
const approvals = (r: DrainRun) => r.curl.filter((l) => l.startsWith("POST "));

describe("drain on a scheduled deletion", () => {
  it("this VM's Terminate: blocks the load balancer's probes, waits until idle, then approves the event", () => {
    const r = runDrain(base, terminate(["vm0", "vm1"]), { busyPolls: 2 });
    expect(r.code).toBe(0);
    expect(r.iptables.trim()).toBe("-t raw -I PREROUTING -s 168.63.129.16 -p tcp --dport 6300 -j DROP");
    expect(r.readyPolls).toBe(3);
    // The host agent reads this mark and goes silent.
    expect(r.draining).toBe(true);
    expect(r.curl).toContain("GET https://127.0.0.1:6300/ready ");
    expect(approvals(r)).toEqual(['POST http://169.254.169.254/metadata/scheduledevents?api-version=2020-07-01 {"StartRequests":[{"EventId":"E-42"}]}']);
    // Logged to stderr (the journal), without a logger process.
    expect(r.stderr).toBe("terminate event E-42: draining for at most 630 s\napproving terminate event E-42\n");
    expect(r.loggerRan).toBe(false);
  });

  it("another VM's Terminate is not ours: nothing blocked, nothing approved", () => {
    const r = runDrain(base, terminate(["vm7"]), { busyPolls: 0 }, { maxSleeps: 3 });
    expect(r.code).not.toBe(0);
    expect(approvals(r)).toEqual([]);
    expect(r.iptables).toBe("");
    expect(r.readyPolls).toBe(0);
    expect(r.draining).toBe(false);
  });

  it("the drain time bounds the wait: a server that stays busy is approved once the time is up", () => {
    const r = runDrain(base, terminate(["vm1"]), { busyPolls: 1000 }, { drainSecondsInFile: 0 });
    expect(r.code).toBe(0);
    expect(approvals(r)).toHaveLength(1);
    expect(r.readyPolls).toBe(1);
  });

  it("terminate mode (plain HTTP, gateway probes): no probe blocking, /ready over http", () => {
    const r = runDrain({ ...base, servesTls: false, blockLoadBalancerProbes: false }, terminate(["vm1"]), { busyPolls: 0 });
    expect(r.code).toBe(0);
    expect(r.iptables).toBe("");
    expect(r.curl).toContain("GET http://127.0.0.1:6300/ready ");
    expect(approvals(r)).toHaveLength(1);
  });
});
