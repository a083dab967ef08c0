import * as pulumi from "@pulumi/pulumi";
import { describe, expect, test } from "vitest";
import {
  ATTESTATION_LOG_MATCH,
  conditionDuration,
  GCP_SEVERITY,
  gcpMetricSource,
  L4_BLIND,
  MEMORY_REASON,
  METRIC,
  NO_POOL_REASON,
  QUEUE_DEPTH_REASON,
  stsExchangeLogFilter,
  thresholdValue,
  type GcpAlarmTargets,
  type GcpMetricSource,
  type GcpSeries,
} from "../../components/gcp/monitoring";
import { ALARM_CATALOGUE, type AlarmSpec, type Signal } from "../../src/monitoring/catalogue";

// The signal -> source mapping on its own: no resources, so no mock runtime is needed.

const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply((v) => { r(v); return v; }));

const terminate: GcpAlarmTargets = {
  mode: "terminate",
  project: "tee-prj",
  region: "europe-west4",
  fleetName: "prover-prod",
  backendServiceName: "prover-prod-backend",
  urlMapName: "prover-prod-urls",
  instanceGroupManagerName: "prover-prod-mig",
  endpointHost: "prover.example.com",
  listenerPort: 443,
  workloadIdentityPoolId: "prover-prod-pool",
  memoryMonitoring: true,
};
const passthrough: GcpAlarmTargets = {
  mode: "passthrough",
  project: "tee-prj",
  region: "europe-west4",
  fleetName: "prover-dev",
  // An Output, as the component passes it.
  backendServiceName: pulumi.output("prover-dev-backend"),
  instanceGroupManagerName: pulumi.output("prover-dev-mig"),
  endpointHost: pulumi.output("203.0.113.7"),
  listenerPort: 443,
};

const spec = (id: string): AlarmSpec => ALARM_CATALOGUE.find((a) => a.id === id)!;

function threshold(source: GcpMetricSource): Extract<GcpMetricSource, { kind: "threshold" }> {
  if (source.kind !== "threshold") throw new Error(`expected a threshold source, got ${source.kind}`);
  return source;
}

async function described(s: GcpSeries) {
  return { metricType: s.metricType, resourceType: s.resourceType, filter: await resolve(s.filter), aligner: s.perSeriesAligner, reducer: s.crossSeriesReducer, groupBy: s.groupByFields };
}

const FLEET_VMS = 'resource.label.project_id="tee-prj" AND metadata.system_labels.instance_group="prover-prod-mig"';
const LB = 'resource.type="https_lb_rule" AND resource.label.url_map_name="prover-prod-urls"';

describe("terminate: every signal but queue depth has a real source", () => {
  test("healthy hosts: checker locations that saw /health pass; silence is an outage", async () => {
    const s = threshold(gcpMetricSource("healthy-hosts", terminate));
    expect(await described(s.series)).toEqual({
      metricType: METRIC.checkPassed,
      resourceType: "uptime_url",
      filter: 'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" AND resource.label.project_id="tee-prj" AND resource.label.host="prover.example.com"',
      aligner: "ALIGN_NEXT_OLDER",
      reducer: "REDUCE_COUNT_TRUE",
      groupBy: undefined,
    });
    expect([s.denominator, s.unit, s.missingData]).toEqual([undefined, "as-is", "EVALUATION_MISSING_DATA_ACTIVE"]);
  });

  test("attestation failures: a log match on failed STS exchanges against the pool, no log-based metric", async () => {
    const source = gcpMetricSource("attestation-failure-percent", terminate);
    if (source.kind !== "log-match") throw new Error(`expected a log match, got ${source.kind}`);
    expect(source.evaluation).toBe(ATTESTATION_LOG_MATCH);
    expect(await resolve(source.filter)).toBe(
      'protoPayload.serviceName="sts.googleapis.com" AND protoPayload.methodName:"SecurityTokenService.ExchangeToken" AND protoPayload.resourceName:"/workloadIdentityPools/prover-prod-pool/providers/" AND protoPayload.status.code>0',
    );
    expect(stsExchangeLogFilter("p", true)).toBe(`${stsExchangeLogFilter("p", false)} AND protoPayload.status.code>0`);
    // The semantic change is stated where the on-call reads it.
    expect(ATTESTATION_LOG_MATCH).toMatch(/^log-match: every failed STS token exchange/);
    expect(ATTESTATION_LOG_MATCH).toContain("not the catalogue's 'above 1% of exchanges over 2 x 5 minutes'");
    expect(ATTESTATION_LOG_MATCH).toContain("at most one notification per 5 minutes and 20 a day");
  });

  test("no proofs: PromQL, /prove requests in the window with no 2xx among them", async () => {
    const s = gcpMetricSource("proofs-while-requests", terminate);
    if (s.kind !== "promql") throw new Error(s.kind);
    expect(s.metricTypes).toEqual([METRIC.requestCount]);
    const sel = (extra: string) => `loadbalancing_googleapis_com:https_request_count{monitored_resource="https_lb_rule",url_map_name="prover-prod-urls",matched_url_path_rule=~"/prove(/.*)?"${extra}}`;
    expect(await resolve(s.query(300, "above", 0))).toBe(`(sum(increase(${sel("")}[300s])) unless (sum(increase(${sel(',response_code_class="200"')}[300s])) > 0)) > 0`);
  });

  test("TEE running: VMs of the group running (uptime rate summed); silence is an outage", async () => {
    const s = threshold(gcpMetricSource("tee-running", terminate));
    expect(await described(s.series)).toEqual({
      metricType: METRIC.instanceUptime,
      resourceType: "gce_instance",
      filter: `metric.type="compute.googleapis.com/instance/uptime" AND resource.type="gce_instance" AND ${FLEET_VMS}`,
      aligner: "ALIGN_RATE",
      reducer: "REDUCE_SUM",
      groupBy: undefined,
    });
    expect(s.missingData).toBe("EVALUATION_MISSING_DATA_ACTIVE");
  });

  test("5xx: the URL map's 5xx responses (server and load balancer) over all its responses", async () => {
    const s = threshold(gcpMetricSource("http-5xx-percent", terminate));
    const all = `metric.type="loadbalancing.googleapis.com/https/request_count" AND ${LB}`;
    expect(await described(s.series)).toMatchObject({ metricType: METRIC.requestCount, filter: `${all} AND metric.label.response_code_class=500`, aligner: "ALIGN_DELTA", reducer: "REDUCE_SUM" });
    expect(await described(s.denominator!)).toMatchObject({ filter: all, aligner: "ALIGN_DELTA", reducer: "REDUCE_SUM" });
    expect([s.unit, s.missingData]).toEqual(["percent-to-fraction", "EVALUATION_MISSING_DATA_INACTIVE"]);
  });

  test("p95 latency: one distribution of the backend's /prove latencies (ms), its 95th percentile", async () => {
    const s = threshold(gcpMetricSource("proof-latency-p95-seconds", terminate));
    expect(await described(s.series)).toEqual({
      metricType: METRIC.backendLatencies,
      resourceType: "https_lb_rule",
      filter: `metric.type="loadbalancing.googleapis.com/https/backend_latencies" AND ${LB} AND resource.label.backend_target_name="prover-prod-backend" AND resource.label.matched_url_path_rule=one_of("/prove", "/prove/", "/prove/*")`,
      aligner: "ALIGN_DELTA",
      reducer: "REDUCE_PERCENTILE_95",
      groupBy: undefined,
    });
    expect(s.unit).toBe("seconds-to-milliseconds");
  });

  test("CPU: fleet mean of the hypervisor's utilization (a fraction)", async () => {
    const s = threshold(gcpMetricSource("cpu-percent", terminate));
    expect(await described(s.series)).toEqual({
      metricType: METRIC.cpuUtilization,
      resourceType: "gce_instance",
      filter: `metric.type="compute.googleapis.com/instance/cpu/utilization" AND resource.type="gce_instance" AND ${FLEET_VMS}`,
      aligner: "ALIGN_MEAN",
      reducer: "REDUCE_MEAN",
      groupBy: undefined,
    });
    expect(s.unit).toBe("percent-to-fraction");
  });

  test("memory (launcher monitoring allowed): used bytes over all states, per VM", async () => {
    const s = threshold(gcpMetricSource("memory-percent", terminate));
    const all = `metric.type="compute.googleapis.com/guest/memory/bytes_used" AND resource.type="gce_instance" AND ${FLEET_VMS}`;
    expect(await described(s.series)).toEqual({ metricType: METRIC.memoryBytesUsed, resourceType: "gce_instance", filter: `${all} AND metric.label.state="used"`, aligner: "ALIGN_MEAN", reducer: "REDUCE_SUM", groupBy: ["resource.label.instance_id"] });
    expect(await described(s.denominator!)).toEqual({ metricType: METRIC.memoryBytesUsed, resourceType: "gce_instance", filter: all, aligner: "ALIGN_MEAN", reducer: "REDUCE_SUM", groupBy: ["resource.label.instance_id"] });
  });

  test("TLS: days until the served certificate expires, worst checker location", async () => {
    const s = threshold(gcpMetricSource("tls-cert-days-left", terminate));
    expect(await described(s.series)).toMatchObject({ metricType: METRIC.certDaysLeft, resourceType: "uptime_url", aligner: "ALIGN_NEXT_OLDER", reducer: "REDUCE_MIN" });
  });

  test("queue depth: nothing polls /ready", () => {
    expect(gcpMetricSource("queue-depth", terminate)).toEqual({ kind: "unobservable", reason: QUEUE_DEPTH_REASON });
  });
});

describe("unobservable, and why", () => {
  const unobservable = (targets: GcpAlarmTargets) =>
    Object.fromEntries((["healthy-hosts", "attestation-failure-percent", "proofs-while-requests", "tee-running", "http-5xx-percent", "proof-latency-p95-seconds", "cpu-percent", "memory-percent", "queue-depth", "tls-cert-days-left"] as Signal[])
      .map((signal) => [signal, gcpMetricSource(signal, targets)] as const)
      .filter(([, s]) => s.kind === "unobservable")
      .map(([signal, s]) => [signal, (s as { reason: string }).reason]));

  test("passthrough without pool or memory monitoring: the L4 blind spots, memory, queue, attestation", () => {
    expect(unobservable(passthrough)).toEqual({
      "attestation-failure-percent": NO_POOL_REASON,
      "proofs-while-requests": `${L4_BLIND}; the server exposes no completed-proof counter outside the TEE`,
      "http-5xx-percent": L4_BLIND,
      "proof-latency-p95-seconds": L4_BLIND,
      "memory-percent": MEMORY_REASON,
      "queue-depth": QUEUE_DEPTH_REASON,
    });
  });

  test("a URL map given in passthrough mode is ignored: the proxy Network LB has none", () => {
    expect(Object.keys(unobservable({ ...passthrough, urlMapName: "stray" }))).toEqual(Object.keys(unobservable(passthrough)));
  });

  test("terminate without the URL map's name cannot select request metrics", () => {
    const { urlMapName: _ignored, ...rest } = terminate;
    const reasons = unobservable(rest);
    expect(Object.keys(reasons).sort()).toEqual(["http-5xx-percent", "proof-latency-p95-seconds", "proofs-while-requests", "queue-depth"]);
    expect(reasons["http-5xx-percent"]).toMatch(/URL map/);
  });

  test("the reasons name the missing piece", () => {
    expect(MEMORY_REASON).toContain("tee-monitoring-memory-enable=true");
    expect(MEMORY_REASON).toContain("tee.launch_policy.hardened_monitoring");
    expect(L4_BLIND).toMatch(/^passthrough: TLS ends inside the TEE/);
  });
});

describe("units, durations, severities", () => {
  test.each([
    ["error-rate-high", "percent-to-fraction", 0.01],
    ["error-rate-elevated", "percent-to-fraction", 0.005],
    ["cpu-high", "percent-to-fraction", 0.9],
    ["cpu-elevated", "percent-to-fraction", 0.85],
    ["cpu-sustained", "percent-to-fraction", 0.8],
    ["memory-high", "percent-to-fraction", 0.95],
    ["latency-p95-high", "seconds-to-milliseconds", 60000],
    ["latency-p95-elevated", "seconds-to-milliseconds", 45000],
    ["tls-cert-expiring", "as-is", 14],
    ["no-healthy-host", "as-is", 1],
  ] as const)("%s: %s -> %s", (id, unit, value) => {
    expect(thresholdValue(spec(id), unit)).toBe(value);
  });

  test("duration is period x evaluations", () => {
    expect(ALARM_CATALOGUE.map((a) => [a.id, conditionDuration(a)])).toEqual([
      ["no-healthy-host", "180s"],
      ["attestation-failures", "600s"],
      ["no-proofs", "300s"],
      ["tee-down", "120s"],
      ["error-rate-high", "900s"],
      ["latency-p95-high", "900s"],
      ["cpu-high", "600s"],
      ["memory-high", "300s"],
      ["queue-deep", "300s"],
      ["error-rate-elevated", "900s"],
      ["latency-p95-elevated", "900s"],
      ["cpu-elevated", "1800s"],
      ["tls-cert-expiring", "3600s"],
      ["attestation-enforcement-changed", "300s"],
      ["host-role-changed", "300s"],
      ["network-rules-changed", "300s"],
      ["traffic-anomaly", "900s"],
      ["cpu-sustained", "3600s"],
    ]);
  });

  test("P0 -> CRITICAL, P1 -> ERROR, P2 and P3 -> WARNING (the API knows no lower level)", () => {
    expect(GCP_SEVERITY).toEqual({ P0: "CRITICAL", P1: "ERROR", P2: "WARNING", P3: "WARNING" });
  });
});
