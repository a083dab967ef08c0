import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { extractNitroArtifacts, NITRO_SCRIPT_PATHS, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import { HOST_AGENT_DIMENSION } from "../../src/bootstrap/host-agent-metrics";
import {
  describeEnclavesJson,
  nitroTestInput,
  readStubCalls,
  requireTool,
  runAsync,
  scratchDirs,
  scriptEnv,
  writeStubFunctions,
} from "../bootstrap/helpers";
import { alarmFromInputs, replay, type AlarmDefinition, type MetricId, type MetricSource, type ReplayResult, type Sample } from "../helpers/cloudwatch-replay";
import { devValues, ofType, planStack } from "../helpers/offline";
import { ALARM_CATALOGUE, AUDIT_SIGNALS } from "../../src/monitoring/catalogue";

/**
 * Issue 12, item 2 (and 6): a healthy rollout must not page, a real outage must. The metric streams
 * of a fleet (hosts booting, in service, draining, shutting down; scale-out, instance refresh at
 * 100%/200% healthy, a rate-limited burst; then outages) are replayed through EVERY metric alarm the
 * dev stack declares, read from the mock runtime, with the CloudWatch evaluator of
 * test/helpers/cloudwatch-replay.ts. What a host's agent publishes in each phase is not modelled:
 * the real host-agent.sh is run once per phase and its put-metric-data payload is what the replay
 * publishes. The load balancer's and EC2's own metrics are modelled from what their docs state.
 * The audit-trail alarms (changes to the key, host role, security groups) are EventBridge rules on
 * CloudTrail, not metrics: a rollout makes no such call, and test/aws/detection.test.ts matches them.
 */

const { scratch } = scratchDirs();

let alarms: AlarmDefinition[];
/** EventBridge rules of the audit-trail alarms, by logical name. */
let eventRules: string[];
let agentPhases: Record<AgentPhase, readonly Datum[]>;
let names: { fleet: string; namespace: string };

// ---- the agent, per phase, as it really publishes ------------------------------------------------

/**
 * booting: no enclave yet; starting: the enclave runs, its server does not answer yet; serving;
 * busy: rate-limited (429); stopping: shutdown; enclaveDead: after the host served.
 */
type AgentPhase = "booting" | "starting" | "serving" | "busy" | "stopping" | "enclaveDead";

interface Datum {
  readonly MetricName: string;
  readonly Value: number;
  readonly Dimensions: ReadonlyArray<{ Name: string; Value: string }>;
  readonly namespace: string;
}

function prover(mode: "ok" | "rateLimited"): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (mode === "rateLimited") return json(429, { error: "Too Many Requests" });
    if (url.pathname === "/health") return json(200, { status: "ok" });
    if (url.pathname === "/ready") return json(200, { status: "ok", jobsProcessing: 1, jobsPending: 2 });
    if (url.pathname === "/attestation") return json(200, { nonce: url.searchParams.get("nonce"), attestation: "hEShATgioFkQ" });
    json(404, {});
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** The rendered cloud-init's files for a host whose server listens on `port` (rendered once per port). */
const artifactsByPort = new Map<number, ReturnType<typeof extractNitroArtifacts>>();
function artifactsFor(port: number): ReturnType<typeof extractNitroArtifacts> {
  let artifacts = artifactsByPort.get(port);
  if (artifacts === undefined) artifactsByPort.set(port, (artifacts = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput({ hostPort: port })))));
  return artifacts;
}

async function agentSample(phase: AgentPhase, port: number): Promise<Datum[]> {
  const dir = scratch(`agent-${phase}`);
  const artifacts = artifactsFor(port);
  const releaseEnv = join(dir, "release.env");
  writeFileSync(releaseEnv, artifacts.files.find((f) => f.path === "/etc/tee-prover/release.env")?.content ?? "");
  const script = join(dir, "host-agent.sh");
  writeFileSync(script, artifacts.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.hostAgent)?.content ?? "");
  const stubBin = join(dir, "bin");
  const stubState = join(dir, "stub-state");
  // The stubs as bash functions (BASH_ENV), as test/bootstrap/nitro-scripts.test.ts runs the agent:
  // a stub call starts no process.
  const stubFunctions = join(dir, "stubs.bash");
  mkdirSync(stubBin, { recursive: true });
  writeStubFunctions(stubFunctions);
  mkdirSync(stubState, { recursive: true });
  const marker = join(dir, "run", "enclave-started");
  const answered = join(dir, "run", "server-answered");
  mkdirSync(dirname(marker), { recursive: true });
  // run-enclave.sh's mark: absent only while this boot's enclave has not run yet; the agent's own
  // mark of the server's first answer: absent until then.
  if (phase !== "booting") writeFileSync(marker, "");
  if (phase !== "booting" && phase !== "starting") writeFileSync(answered, "");
  if (phase === "stopping") writeFileSync(join(stubState, "system-state"), "stopping");
  const enclaveUp = phase === "serving" || phase === "busy" || phase === "starting";
  writeFileSync(join(stubState, "describe-enclaves.json"), enclaveUp ? describeEnclavesJson({}) : "[]");
  const meminfo = join(dir, "meminfo");
  writeFileSync(meminfo, "MemTotal: 16000000 kB\nMemAvailable: 9000000 kB\nHugetlb: 4194304 kB\n");
  const result = await runAsync("bash", [script], scriptEnv(stubBin, {
    BASH_ENV: stubFunctions,
    STUB_STATE: stubState,
    TEE_PROVER_RELEASE_ENV: releaseEnv,
    TEE_PROVER_STARTED_MARKER: marker,
    TEE_PROVER_ANSWERED_MARKER: answered,
    TEE_PROVER_MEMINFO: meminfo,
    // The stub verifier says "verified"; what a real document needs is test/bootstrap's business.
    TEE_PROVER_ATTESTATION_VERIFIER: "verify-attestation",
  }));
  if (result.code !== 0) throw new Error(`host-agent.sh failed in phase ${phase}: ${result.stderr}`);
  const put = readStubCalls(stubState).find((c) => c.cmd === "aws" && c.args[1] === "put-metric-data");
  if (put === undefined) return [];
  const namespace = put.args[put.args.indexOf("--namespace") + 1] ?? "";
  const data = JSON.parse(put.args[put.args.indexOf("--metric-data") + 1] ?? "[]") as Array<Omit<Datum, "namespace">>;
  return data.map((d) => ({ ...d, namespace }));
}

beforeAll(async () => {
  requireTool("bash", "bash");
  requireTool("jq", "jq");
  requireTool("curl", "curl");
  const run = await planStack(devValues(), "dev");
  alarms = ofType(run.resources, "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => alarmFromInputs(r.name, r.inputs));
  eventRules = ofType(run.resources, "aws:cloudwatch/eventRule:EventRule").map((r) => r.name);
  const input = nitroTestInput();
  names = { fleet: input.fleetName, namespace: input.metricNamespace };
  const ok = createServer(prover("ok"));
  const limited = createServer(prover("rateLimited"));
  const [okPort, limitedPort] = await Promise.all([listen(ok), listen(limited)]);
  const down = createServer();
  const downPort = await listen(down);
  await new Promise<void>((resolve) => down.close(() => resolve()));
  try {
    const phases: AgentPhase[] = ["booting", "starting", "serving", "busy", "stopping", "enclaveDead"];
    const ports: Record<AgentPhase, number> = { booting: downPort, starting: downPort, serving: okPort, busy: limitedPort, stopping: downPort, enclaveDead: downPort };
    const samples = await Promise.all(phases.map((p) => agentSample(p, ports[p])));
    agentPhases = Object.fromEntries(phases.map((p, i) => [p, samples[i] ?? []])) as Record<AgentPhase, Datum[]>;
  } finally {
    await Promise.all([ok, limited].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
});

// ---- the fleet model -------------------------------------------------------------------------

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
/** Midnight UTC, so daily ACM points and 5-minute periods line up as on the real clock. */
const T0 = 20_000 * DAY;

/** One parent instance's life, in seconds from T0. */
interface Host {
  readonly launch: number;
  /** When run-enclave.sh first saw the verified enclave running; undefined: never. */
  readonly enclaveStarts?: number;
  /** When the server inside first answers; undefined: with the enclave. */
  readonly serverUp?: number;
  /** Healthy in the target group (3 passing checks after the enclave started). */
  readonly inService?: number;
  /** Deregistered: draining for the deregistration delay, then terminated. */
  readonly drain?: number;
  readonly terminate?: number;
  readonly enclaveDies?: number;
  /** Every request answered 429 by the server's rate limiter. */
  readonly busy?: readonly [number, number];
}

/**
 * A host that boots in `boot` seconds (packages, EIF download and check, enclave start), whose
 * server answers 2 minutes later, healthy in the target group 30 s after that.
 */
function booting(launch: number, boot = 9 * MIN): Host {
  return { launch, enclaveStarts: launch + boot, serverUp: launch + boot + 2 * MIN, inService: launch + boot + 2 * MIN + 30 };
}

function retire(host: Host, drain: number, deregistrationDelay = 660): Host {
  return { ...host, drain, terminate: drain + deregistrationDelay };
}

/** Already in service when the replay starts. */
function serving(extra: Partial<Host> = {}): Host {
  return { launch: -DAY, enclaveStarts: -DAY + 9 * MIN, inService: -DAY + 10 * MIN, ...extra };
}

function agentPhase(h: Host, t: number): AgentPhase | undefined {
  if (t < h.launch || (h.terminate !== undefined && t >= h.terminate)) return undefined;
  // The shutdown's last seconds: systemd is stopping units.
  if (h.terminate !== undefined && t >= h.terminate - 30) return "stopping";
  if (h.enclaveStarts === undefined || t < h.enclaveStarts) return "booting";
  if (h.serverUp !== undefined && t < h.serverUp) return "starting";
  if (h.enclaveDies !== undefined && t >= h.enclaveDies) return "enclaveDead";
  if (h.busy !== undefined && t >= h.busy[0] && t < h.busy[1]) return "busy";
  return "serving";
}

function healthy(h: Host, t: number): boolean {
  if (h.inService === undefined || t < h.inService) return false;
  if (h.drain !== undefined && t >= h.drain) return false;
  // The target group marks a host unhealthy after 3 failed checks 10 s apart.
  if (h.enclaveDies !== undefined && t >= h.enclaveDies + 30) return false;
  return true;
}

type Metrics = Map<string, Map<number, number[]>>;

function keyOf(namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>): string {
  return `${namespace}|${metricName}|${Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",")}`;
}

/**
 * Every metric the stack's alarms read, for a fleet, from T0 - 1 h to T0 + `span`:
 * - the host agent: the real script's payload for the host's phase, every 60 s from boot
 *   (OnBootSec/OnUnitActiveSec);
 * - the load balancer (AWS/ApplicationELB, 1-minute data points): HealthyHostCount of the web
 *   target group, request counts and latencies of /prove, 503s from the ALB when no target is healthy;
 * - EC2 detailed monitoring: CPUUtilization per instance, aggregated by the ASG dimension.
 * ACM's DaysToExpiry is added separately (one point a day).
 */
function fleetMetrics(hosts: readonly Host[], span: number, declared: readonly AlarmDefinition[]): Metrics {
  const metrics: Metrics = new Map();
  const add = (key: string, t: number, value: number): void => {
    const byMinute = metrics.get(key) ?? new Map<number, number[]>();
    metrics.set(key, byMinute);
    const minute = Math.floor(t / MIN) * MIN;
    const values = byMinute.get(minute);
    if (values) values.push(value);
    else byMinute.set(minute, [value]);
  };
  // The dimensions of the load balancer's metrics as the alarms name them.
  const dims = (metricName: string, withTargetGroup: "web" | "prove" | "none"): Record<string, string> => {
    const candidates = declared.flatMap((a) => (a.source.kind === "metric" ? [a.source.metric] : Object.values(a.source.metrics))).filter((m) => m.metricName === metricName);
    const match = candidates.find((m) => (withTargetGroup === "none" ? m.dimensions["TargetGroup"] === undefined : withTargetGroup === "web" ? /web/.test(m.dimensions["TargetGroup"] ?? "") : /prove/.test(m.dimensions["TargetGroup"] ?? "")));
    if (match === undefined) throw new Error(`no declared alarm reads ${metricName} (${withTargetGroup})`);
    return { ...match.dimensions };
  };
  const asg = declared.flatMap((a) => (a.source.kind === "metric" ? [a.source.metric] : [])).find((m) => m.metricName === "CPUUtilization");
  if (asg === undefined) throw new Error("no CPU alarm declared");

  // The load balancer's series, keyed once (not once a minute).
  const healthyKey = keyOf("AWS/ApplicationELB", "HealthyHostCount", dims("HealthyHostCount", "web"));
  const prove = dims("RequestCount", "prove");
  const all = dims("RequestCount", "none");
  const [requestsProve, requestsAll, ok2xx, latency, elb5xx, cpu] = [
    keyOf("AWS/ApplicationELB", "RequestCount", prove),
    keyOf("AWS/ApplicationELB", "RequestCount", all),
    keyOf("AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", prove),
    keyOf("AWS/ApplicationELB", "TargetResponseTime", prove),
    keyOf("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", all),
    keyOf(asg.namespace, asg.metricName, asg.dimensions),
  ];
  const agentKeys = new Map(Object.values(agentPhases).flat().map((d) => [d, keyOf(d.namespace, d.MetricName, Object.fromEntries(d.Dimensions.map((x) => [x.Name, x.Value])))]));

  // Host times are relative to T0; metric timestamps are absolute.
  for (let t = T0 - HOUR; t < T0 + span; t += MIN) {
    const rel = t - T0;
    // Agent: one sample per host per minute, offset by its launch time.
    for (const h of hosts) {
      const sampleAt = rel + (((h.launch % MIN) + MIN) % MIN);
      if (sampleAt < h.launch + MIN) continue;
      const phase = agentPhase(h, sampleAt);
      if (phase === undefined) continue;
      for (const d of agentPhases[phase]) add(agentKeys.get(d)!, T0 + sampleAt, d.Value);
    }
    const healthyCount = hosts.filter((h) => healthy(h, rel)).length;
    add(healthyKey, t, healthyCount);
    // Traffic: 20 proofs a minute, 20-40 s each, plus 40 other requests; with no healthy
    // target the ALB answers 503 itself.
    add(requestsProve, t, 20);
    add(requestsAll, t, 60);
    if (healthyCount > 0) {
      add(ok2xx, t, 20);
      for (let i = 0; i < 20; i++) add(latency, t, 20 + i);
    } else {
      add(elb5xx, t, 60);
    }
    // EC2: a booting host is busy installing packages; a serving one runs at 35%.
    for (const h of hosts) {
      if (rel < h.launch || (h.terminate !== undefined && rel >= h.terminate)) continue;
      const phase = agentPhase(h, rel);
      add(cpu, t, phase === "booting" ? 70 : 35);
    }
  }
  return metrics;
}

/** ACM's DaysToExpiry: one point a day (at 00:07), none once the certificate has expired. */
function acmDaysToExpiry(daysLeftAt: (t: number) => number): MetricSource {
  return (_, from, to) => {
    const out: Sample[] = [];
    for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
      const t = day + 7 * MIN;
      const left = daysLeftAt(t);
      if (t >= from && t < to && left >= 0) out.push({ t, value: left });
    }
    return out;
  };
}

function sourceOf(metrics: Metrics, certificate: MetricSource): MetricSource {
  return (metric: MetricId, from, to) => {
    if (metric.namespace === "AWS/CertificateManager") return certificate(metric, from, to);
    const byMinute = metrics.get(keyOf(metric.namespace, metric.metricName, metric.dimensions));
    if (byMinute === undefined) return [];
    const out: Sample[] = [];
    for (let minute = Math.floor(from / MIN) * MIN; minute < to; minute += MIN) {
      for (const value of byMinute.get(minute) ?? []) if (minute >= from) out.push({ t: minute, value });
    }
    return out;
  };
}

const validCertificate = acmDaysToExpiry(() => 200);

/**
 * What CloudWatch would have learned for the traffic-anomaly band from weeks of the clients'
 * steady 60 requests a minute (fleetMetrics): 300 per 5 minutes, give or take 10 %. A model, not
 * a learning: the replay checks the alarm's wiring against it (docs/alarms.md, "Traffic anomalies").
 */
const LEARNED_TRAFFIC = () => ({ expected: 300, stdDev: 30 });

/** Replays every declared alarm over [T0, T0 + span], after an hour of steady state before T0. */
function replayAll(hosts: readonly Host[], span: number, certificate: MetricSource = validCertificate): ReplayResult[] {
  const source = sourceOf(fleetMetrics(hosts, span, alarms), certificate);
  return alarms.map((alarm) => replay(alarm, source, { from: T0 - 30 * MIN, to: T0 + span, band: LEARNED_TRAFFIC }));
}

function paged(results: readonly ReplayResult[]): Record<string, string> {
  return Object.fromEntries(
    results.filter((r) => r.firstAlarm !== undefined).map((r) => [r.alarm, `ALARM at T0${((r.firstAlarm?.t ?? 0) - T0) / MIN >= 0 ? "+" : ""}${((r.firstAlarm?.t ?? 0) - T0) / MIN} min`]),
  );
}

// ---- the stack and the agent, as replayed ----------------------------------------------------

describe("what is replayed", () => {
  test("every metric alarm the dev stack declares (15, every severity), read from the mock runtime; the audit-trail alarms are event rules", () => {
    // Catalogue = the 15 metric alarms + the audit-trail ones, which are EventBridge rules and not replayed.
    const audit = ALARM_CATALOGUE.filter((a) => AUDIT_SIGNALS.has(a.signal));
    expect(audit.map((a) => a.id)).toEqual(["attestation-enforcement-changed", "host-role-changed", "network-rules-changed"]);
    expect(ALARM_CATALOGUE.length).toBe(alarms.length + audit.length);
    expect(alarms.some((a) => audit.some((x) => a.name.endsWith(x.id)))).toBe(false);
    expect(audit.every((x) => eventRules.some((r) => r.includes(`-${x.id}-`)))).toBe(true);
    expect(alarms.map((a) => a.name).sort()).toEqual([
      "prover-dev-p0-attestation-failures",
      "prover-dev-p0-no-healthy-host",
      "prover-dev-p0-no-proofs",
      "prover-dev-p0-tee-down",
      "prover-dev-p1-cpu-high",
      "prover-dev-p1-error-rate-high",
      "prover-dev-p1-latency-p95-high",
      "prover-dev-p1-memory-high",
      "prover-dev-p1-queue-deep",
      "prover-dev-p2-cpu-elevated",
      "prover-dev-p2-error-rate-elevated",
      "prover-dev-p2-latency-p95-elevated",
      "prover-dev-p2-tls-cert-expiring",
      "prover-dev-p3-cpu-sustained",
      "prover-dev-p3-traffic-anomaly",
    ]);
    // The agent's metrics carry the fleet the alarms watch.
    const teeDown = alarms.find((a) => a.name.endsWith("p0-tee-down"));
    expect(teeDown?.source).toMatchObject({ kind: "metric", metric: { namespace: names.namespace, dimensions: { [HOST_AGENT_DIMENSION]: names.fleet } } });
  });

  test("the agent publishes nothing while booting or shutting down; 429 is alive; a dead enclave is reported", () => {
    const values = (phase: AgentPhase) => Object.fromEntries(agentPhases[phase].map((d) => [d.MetricName, d.Value]));
    expect(values("booting")).toEqual({});
    expect(values("starting")).toEqual({});
    expect(values("stopping")).toEqual({});
    expect(values("serving")).toMatchObject({ Availability: 1, EnclaveRunning: 1, AttestationChecks: 1, AttestationFailures: 0, JobsPending: 2 });
    expect(values("busy")).toMatchObject({ Availability: 1, EnclaveRunning: 1 });
    expect(values("busy")).not.toHaveProperty("AttestationFailures");
    expect(values("enclaveDead")).toMatchObject({ Availability: 0, EnclaveRunning: 0, AttestationChecks: 1, AttestationFailures: 1 });
  });
});

// ---- a healthy fleet never pages ---------------------------------------------------------------

/** Alarms not in OK at the end: a healthy fleet's alarms must all have judged real data. */
function notOk(results: readonly ReplayResult[]): Record<string, string> {
  return Object.fromEntries(results.filter((r) => r.final !== "OK").map((r) => [r.alarm, r.final]));
}

describe("traffic anomaly (the band is a model of what CloudWatch learned: 300 +- 30 per 5 minutes)", () => {
  const traffic = () => {
    const alarm = alarms.find((a) => a.name.endsWith("p3-traffic-anomaly"));
    if (!alarm) throw new Error("no traffic-anomaly alarm");
    return alarm;
  };
  /** The ALB's RequestCount (whole load balancer) at `perMinute(t)` a minute; none published at 0, as the ALB does. */
  const requests = (perMinute: (t: number) => number): MetricSource => (metric, from, to) => {
    const alarm = traffic();
    if (alarm.source.kind !== "expression" || JSON.stringify(metric.dimensions) !== JSON.stringify(alarm.source.metrics["m1"]?.dimensions)) return [];
    const out: Sample[] = [];
    for (let t = Math.ceil(from / MIN) * MIN; t < to; t += MIN) if (perMinute(t) > 0) out.push({ t, value: perMinute(t) });
    return out;
  };
  const run = (perMinute: (t: number) => number) => replay(traffic(), requests(perMinute), { from: T0 - 30 * MIN, to: T0 + HOUR, band: LEARNED_TRAFFIC });
  const at = (r: ReplayResult) => (r.firstAlarm ? (r.firstAlarm.t - T0) / MIN : undefined);

  test("declared as a 3-sigma band on either side of the whole ALB's requests, 3 of 3 periods", () => {
    const a = traffic();
    expect([a.comparisonOperator, a.band, a.evaluationPeriods, a.datapointsToAlarm, a.treatMissingData, a.period]).toEqual(["LessThanLowerOrGreaterThanUpperThreshold", { width: 3 }, 3, 3, "notBreaching", 300]);
    expect(a.source).toMatchObject({ kind: "expression", expression: "FILL(m1, 0)", metrics: { m1: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", stat: "Sum" } } });
    // The whole load balancer, not one target group: /prove alone (100 per 5 min) would sit far below the band.
    expect(a.source.kind === "expression" && a.source.metrics["m1"]?.dimensions["TargetGroup"]).toBe(undefined);
  });

  test("usual traffic, and traffic within 3 sigma (+20 %), never page", () => {
    expect(run(() => 60).firstAlarm).toBeUndefined();
    expect(run((t) => (t >= T0 ? 72 : 60)).firstAlarm).toBeUndefined();
    expect(run(() => 60).final).toBe("OK");
  });

  test("clients gone: the ALB publishes nothing, FILL makes it 0, and three empty periods page", () => {
    expect(at(run((t) => (t < T0 ? 60 : 0)))).toBe(15);
  });

  test("a spike (3 x) pages after three periods; one lasting two periods does not", () => {
    expect(at(run((t) => (t >= T0 ? 180 : 60)))).toBe(15);
    expect(run((t) => (t >= T0 && t < T0 + 10 * MIN ? 180 : 60)).firstAlarm).toBeUndefined();
  });

  test("a drop to a third pages too; the band's width matters (a 2-sigma drop, -20 %, does not)", () => {
    expect(at(run((t) => (t >= T0 ? 20 : 60)))).toBe(15);
    expect(run((t) => (t >= T0 ? 48 : 60)).firstAlarm).toBeUndefined();
  });
});

describe("healthy rollouts page nobody", () => {
  test("steady state: two hosts in service, every alarm OK on real data", () => {
    const results = replayAll([serving(), serving()], 2 * HOUR);
    expect(paged(results)).toEqual({});
    expect(notOk(results)).toEqual({});
  });

  test("scale-out 2 -> 4 (hosts booting for 9 min), then scale-in 4 -> 2 (drain 660 s, shutdown)", () => {
    const hosts = [serving(), serving(), retire(booting(10 * MIN), 90 * MIN), retire(booting(11 * MIN), 90 * MIN)];
    const results = replayAll(hosts, 3 * HOUR);
    expect(paged(results)).toEqual({});
    expect(notOk(results)).toEqual({});
    // The booting hosts did take part: four hosts were healthy in between.
    const healthy = results.find((r) => r.alarm.endsWith("p0-no-healthy-host"));
    expect(Math.max(...(healthy?.evaluations.flatMap((e) => e.range.filter((v): v is number => v !== undefined)) ?? []))).toBe(4);
  });

  test("instance refresh at 100% min / 200% max healthy: two new hosts, then the old two drain", () => {
    // New hosts boot slowly (14 min, near the 900 s grace); the old ones leave after warm-up.
    const fresh = [booting(10 * MIN, 14 * MIN), booting(10 * MIN, 14 * MIN)];
    const old = [retire(serving(), 10 * MIN + 14 * MIN + 15 * MIN), retire(serving(), 10 * MIN + 14 * MIN + 15 * MIN)];
    expect(paged(replayAll([...old, ...fresh], 3 * HOUR))).toEqual({});
  });

  test("dev, one host: its replacement boots beside it, then it drains and shuts down", () => {
    const hosts = [retire(serving(), 10 * MIN + 10 * MIN + 15 * MIN), booting(10 * MIN)];
    expect(paged(replayAll(hosts, 3 * HOUR))).toEqual({});
  });

  test("host replacement: a new host launches first, the old one is retired after warm-up", () => {
    const hosts = [serving(), retire(serving(), 40 * MIN), booting(15 * MIN)];
    expect(paged(replayAll(hosts, 3 * HOUR))).toEqual({});
  });

  test("a 20-minute burst that rate-limits every host (429 on every route)", () => {
    const burst = [20 * MIN, 40 * MIN] as const;
    expect(paged(replayAll([serving({ busy: burst }), serving({ busy: burst })], 2 * HOUR))).toEqual({});
  });
});

// ---- real outages page the P0s ------------------------------------------------------------------

describe("outages page", () => {
  test("the enclave dies on every host: tee-down, attestation failures, no healthy host, no proofs", () => {
    const results = replayAll([serving({ enclaveDies: 30 * MIN }), serving({ enclaveDies: 30 * MIN })], 2 * HOUR);
    const p = paged(results);
    expect(Object.keys(p).filter((n) => n.includes("-p0-")).sort()).toEqual([
      "prover-dev-p0-attestation-failures",
      "prover-dev-p0-no-healthy-host",
      "prover-dev-p0-no-proofs",
      "prover-dev-p0-tee-down",
    ]);
    // Within 15 minutes of the failure (5-minute periods, 2 of 2 for attestation).
    for (const r of results.filter((x) => x.alarm.includes("-p0-"))) {
      expect((r.firstAlarm?.t ?? Infinity) - (T0 + 30 * MIN), r.alarm).toBeLessThanOrEqual(15 * MIN);
    }
  });

  test("the enclave dies on one host of two: tee-down pages (fleet Minimum), service continues", () => {
    const p = paged(replayAll([serving({ enclaveDies: 30 * MIN }), serving()], 2 * HOUR));
    expect(p).toHaveProperty("prover-dev-p0-tee-down");
    expect(p).toHaveProperty("prover-dev-p0-attestation-failures");
    expect(p).not.toHaveProperty("prover-dev-p0-no-healthy-host");
  });

  test("every host gone (agents silent, no target): silence breaches tee-down and no-healthy-host", () => {
    const p = paged(replayAll([retire(serving(), 30 * MIN, 0), retire(serving(), 30 * MIN, 0)], 2 * HOUR));
    expect(p).toHaveProperty("prover-dev-p0-tee-down");
    expect(p).toHaveProperty("prover-dev-p0-no-healthy-host");
  });

  test("a replacement fleet whose enclave never starts (refused EIF) after the old one is gone", () => {
    const never = (launch: number): Host => ({ launch });
    const p = paged(replayAll([retire(serving(), 30 * MIN, 0), never(20 * MIN), never(20 * MIN)], 2 * HOUR));
    expect(p).toHaveProperty("prover-dev-p0-tee-down");
    expect(p).toHaveProperty("prover-dev-p0-no-healthy-host");
  });
});

describe("the agent as it was (published from boot) pages on every scale-out", () => {
  // What host-agent.sh published before this change while the host booted: no enclave, nothing on
  // the port, so Availability 0, EnclaveRunning 0 and a failed attestation check every minute.
  test("scale-out 2 -> 3 pages tee-down and attestation-failures", () => {
    const serving = agentPhases.serving;
    const legacyBooting: Datum[] = agentPhases.enclaveDead.filter((d) => d.MetricName !== "JobsPending");
    const saved = agentPhases.booting;
    agentPhases.booting = legacyBooting;
    try {
      const hosts: Host[] = [
        { launch: -DAY, enclaveStarts: -DAY, inService: -DAY },
        { launch: -DAY, enclaveStarts: -DAY, inService: -DAY },
        booting(10 * MIN),
      ];
      const p = paged(replayAll(hosts, 2 * HOUR));
      expect(Object.keys(p).sort()).toEqual(["prover-dev-p0-attestation-failures", "prover-dev-p0-tee-down"]);
      expect(serving.length).toBeGreaterThan(0);
    } finally {
      agentPhases.booting = saved;
    }
  });
});

// ---- item 6: the certificate-expiry alarm ---------------------------------------------------------

describe("certificate expiry (ACM DaysToExpiry, once a day, none after expiry)", () => {
  const cert = () => {
    const alarm = alarms.find((a) => a.name.endsWith("p2-tls-cert-expiring"));
    if (alarm === undefined) throw new Error("no certificate alarm declared");
    return alarm;
  };
  // Expires at T0 + 20 days; replayed hour by hour for 30 days.
  const expiring = acmDaysToExpiry((t) => Math.floor((T0 + 20 * DAY - t) / DAY));
  const replayCert = (alarm: AlarmDefinition, source: MetricSource) => replay(alarm, source, { from: T0, to: T0 + 30 * DAY, step: HOUR });

  test("pages once fewer than 14 days are left and keeps paging after expiry, when ACM is silent", () => {
    const result = replayCert(cert(), expiring);
    // The first point below 14 (13 days left) arrives at T0 + 6 d 00:07; its day closes at T0 + 7 d.
    expect(result.firstAlarm?.t).toBe(T0 + 7 * DAY);
    expect(result.final).toBe("ALARM");
    const afterExpiry = result.evaluations.filter((e) => e.t > T0 + 21 * DAY);
    expect(afterExpiry.every((e) => e.state === "ALARM")).toBe(true);
  });

  test("stays OK while a renewed certificate has months left", () => {
    const result = replayCert(cert(), acmDaysToExpiry(() => 395));
    expect(result.firstAlarm).toBeUndefined();
    expect(result.evaluations.filter((e) => e.t >= T0 + 3 * DAY).every((e) => e.state === "OK")).toBe(true);
  });

  test("the old setting (1-hour period, missing data 'missing') is silent once the certificate has expired", () => {
    const current = cert();
    if (current.source.kind !== "metric") throw new Error("expected a metric alarm");
    const old: AlarmDefinition = { ...current, period: HOUR, treatMissingData: "missing", source: { kind: "metric", metric: { ...current.source.metric, period: HOUR } } };
    const result = replayCert(old, expiring);
    expect(result.evaluations.filter((e) => e.t > T0 + 21 * DAY).every((e) => e.state === "INSUFFICIENT_DATA")).toBe(true);
    expect(result.final).toBe("INSUFFICIENT_DATA");
  });
});
