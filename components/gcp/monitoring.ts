import * as pulumi from "@pulumi/pulumi";
import * as monitoring from "@pulumi/gcp/monitoring";
import type * as inputs from "@pulumi/gcp/types/input";
import type { AlarmSubscriptions } from "../../src/config/types";
import { HEALTH_PATH, PROVE_PATH, type IngressMode } from "../../src/ingress/model";
import { mapCatalogue, SEVERITIES, type AlarmSpec, type Severity, type Signal, type UnobservableAlarm } from "../../src/monitoring/catalogue";
import { autoNamed, GCP_NAME_MAX, GCP_NAME_PATTERN } from "../../src/naming";
import { attestationEnforcementFilter, firewallChangeFilter } from "./detection";
import type { GcpProberMetrics } from "./prober";

/**
 * Cloud Monitoring for a Confidential Space fleet: the cloud-neutral alarm catalogue mapped onto real
 * Google Cloud metrics per ingress mode (or reported as not observable, never faked), one set of
 * notification channels per severity, an HTTPS uptime check on /health and a dashboard.
 *
 * Metric sources (see the report in the pull request for the documentation behind each one):
 * - Application Load Balancer (terminate): `loadbalancing.googleapis.com/https/request_count` and
 *   `.../https/backend_latencies` on the `https_lb_rule` resource.
 * - Proxy Network Load Balancer (passthrough): only connection and byte counts (`l4_proxy/...`), so
 *   nothing about HTTP status or latency: TLS ends inside the TEE.
 * - Uptime check (both modes): `monitoring.googleapis.com/uptime_check/check_passed` and
 *   `.../time_until_ssl_cert_expires` on the `uptime_url` resource.
 * - Compute Engine: `compute.googleapis.com/instance/cpu/utilization` and `.../instance/uptime`
 *   (hypervisor metrics, no agent); `compute.googleapis.com/guest/memory/bytes_used` only when the
 *   Confidential Space launcher is allowed to report memory.
 * - Security Token Service audit logs for attestation token exchanges: a log-match condition, not a
 *   log-based metric (see ATTESTATION_LOG_MATCH below).
 * - The fleet prober's custom metrics (`custom.googleapis.com/tee_prover/*`), declared by their
 *   MetricDescriptor resources (components/gcp/prober.ts), on which the policies depend.
 *
 * Every policy must be creatable in the same `pulumi up` as everything it names: Cloud Monitoring
 * refuses a metric condition whose metric type does not exist yet (404 "Cannot find metric(s)"),
 * and a log-based metric is not usable for up to ~10 minutes after its creation whatever the
 * dependency order (hashicorp/terraform-provider-google#11102). So metric conditions name only
 * built-in metrics or declared custom metrics. docs/gcp-monitoring-first-up.md has the details.
 */

export interface GcpAlarmTargets {
  readonly mode: IngressMode;
  readonly project: string;
  readonly region: string;
  /** Fleet name: labels, display names, and the `fleet` label the prober writes on its metrics. */
  readonly fleetName: string;
  /** Global backend service behind the load balancer (its `name`). */
  readonly backendServiceName: pulumi.Input<string>;
  /** terminate mode: the URL map's name (request metrics of the Application LB are labelled by it). */
  readonly urlMapName?: pulumi.Input<string>;
  /** Regional managed instance group (its `name`): the instances' `instance_group` system label. */
  readonly instanceGroupManagerName: pulumi.Input<string>;
  /** Host (LB IP address or DNS name) and port the uptime check probes over HTTPS on /health. */
  readonly endpointHost: pulumi.Input<string>;
  readonly listenerPort: number;
  /**
   * Whether the uptime check validates the served certificate. Default: true in terminate mode (the
   * load balancer serves a managed or given certificate; then `endpointHost` must be a name the
   * certificate covers, not the bare IP), false in passthrough (the TEE's own certificate, typically
   * `--auto-generate-cert`, is self-signed; the check still reads its expiry).
   */
  readonly validateSsl?: boolean;
  /**
   * True only when the pinned image's launch policy allows memory monitoring on the production
   * (hardened) image (`tee.launch_policy.hardened_monitoring=memoryonly|all`, or the deprecated
   * `tee.launch_policy.monitoring_memory_allow=always`) AND the instance template sets the metadata
   * `tee-monitoring-memory-enable=true`. The launcher refuses to start the workload when the
   * metadata asks for monitoring the image does not allow, so never set one without the other.
   * Default false: memory is then not observable.
   */
  readonly memoryMonitoring?: boolean;
  /**
   * Workload Identity pool (its id) whose provider checks the Confidential Space attestation token.
   * When given, attestation failures are counted from the Security Token Service's ExchangeToken
   * Data Access audit logs, which are OFF by default: the project must enable ADMIN_READ audit logs
   * for `sts.googleapis.com`. Without a pool nothing exchanges an attestation token: not observable.
   */
  readonly workloadIdentityPoolId?: pulumi.Input<string>;
  /**
   * The fleet prober's custom metrics (src/bootstrap/gcp-prober.ts polls each instance's /ready),
   * with the MetricDescriptor resources that declare them. Without them queue depth is not observable.
   */
  readonly proberMetrics?: GcpProberMetrics;
  /** What the audit-log alarms watch (docs/tamper-detection.md). Without it they are not observable. */
  readonly audit?: GcpAuditTargets;
}

export interface GcpAuditTargets {
  /** The Workload Identity pool (its id) whose provider checks the attestation. */
  readonly workloadIdentityPoolId: pulumi.Input<string>;
  /** Secret Manager ids of the attestation-gated secrets. */
  readonly secretIds: ReadonlyArray<pulumi.Input<string>>;
  /** The fleet's VPC network (name, id or URL). */
  readonly network: pulumi.Input<string>;
}

/** One time series selection with its aggregation; the alignment period comes from the alarm. */
export interface GcpSeries {
  readonly metricType: string;
  readonly resourceType: string;
  /** Complete Monitoring filter: metric type, resource type and label restrictions. */
  readonly filter: pulumi.Output<string>;
  readonly perSeriesAligner: string;
  readonly crossSeriesReducer?: string;
  readonly groupByFields?: readonly string[];
}

/** How the catalogue's threshold (percent, seconds, count, days) maps onto the metric's unit. */
export type ThresholdUnit = "as-is" | "percent-to-fraction" | "seconds-to-milliseconds";

/** Where an alarm's number comes from on Google Cloud, for one ingress mode. */
export type GcpMetricSource =
  | {
      readonly kind: "threshold";
      /** The series compared with the threshold, or the numerator of a ratio. */
      readonly series: GcpSeries;
      /** Present for ratios (numerator / denominator, a fraction). */
      readonly denominator?: GcpSeries;
      readonly unit: ThresholdUnit;
      /** Whether an absence of data is itself a violation (as for a dead fleet). */
      readonly missingData: "EVALUATION_MISSING_DATA_ACTIVE" | "EVALUATION_MISSING_DATA_INACTIVE";
      /** Resources declaring the (custom) metrics the series name: the policy depends on them. */
      readonly declaredBy?: readonly pulumi.Resource[];
    }
  | {
      /** Fires on each matching log entry (a log-match condition: no metric involved). */
      readonly kind: "log-match";
      /** An Output: the pool id it names is drawn per deployment (components/gcp/identity.ts). */
      readonly filter: pulumi.Output<string>;
      /** How this differs from the catalogue entry's window and threshold, for the policy's documentation. */
      readonly evaluation: string;
    }
  | {
      readonly kind: "promql";
      readonly metricTypes: readonly string[];
      /** The PromQL expression; its window is the alarm's period, its comparison the alarm's. */
      readonly query: (windowSeconds: number, comparison: AlarmSpec["comparison"], threshold: number) => pulumi.Output<string>;
    }
  | { readonly kind: "unobservable"; readonly reason: string };

export const METRIC = {
  requestCount: "loadbalancing.googleapis.com/https/request_count",
  backendLatencies: "loadbalancing.googleapis.com/https/backend_latencies",
  checkPassed: "monitoring.googleapis.com/uptime_check/check_passed",
  certDaysLeft: "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires",
  cpuUtilization: "compute.googleapis.com/instance/cpu/utilization",
  instanceUptime: "compute.googleapis.com/instance/uptime",
  memoryBytesUsed: "compute.googleapis.com/guest/memory/bytes_used",
} as const;

/** PromQL name of the Application LB's request counter (first "/" -> ":", other specials -> "_"). */
const PROMQL_REQUEST_COUNT = "loadbalancing_googleapis_com:https_request_count";

/**
 * Values the LB's `matched_url_path_rule` label takes for the /prove path rule: the rule's paths
 * ("/prove", "/prove/*") or their prefix form ("/prove/"), depending on which one matched.
 */
export const PROVE_PATH_RULE_VALUES = [PROVE_PATH, `${PROVE_PATH}/`, `${PROVE_PATH}/*`] as const;

export const L4_BLIND =
  "passthrough: TLS ends inside the TEE, so the proxy Network Load Balancer sees TCP only (its l4_proxy metrics count connections and bytes); nobody outside the TEE sees HTTP status codes or per-request latency";
/** Why passthrough has no traffic-anomaly alarm (docs/alarms.md, "Traffic anomalies"). */
export const CONNECTIONS_NOT_REQUESTS =
  "passthrough: the proxy Network Load Balancer counts TCP connections, not requests; a client may send many proofs over one kept-alive connection or open one per proof, so a band on connections would follow client behaviour, not the request pattern";

/** Requests in the same window a week earlier below which no ratio is judged (too few to mean anything). */
export const TRAFFIC_BASELINE_MIN_REQUESTS = 10;

/** A PromQL comparison of the catalogue's; a band has none of its own. */
function promqlComparison(comparison: AlarmSpec["comparison"]): ">" | "<" {
  if (comparison === "outside-band") throw new Error("a band alarm has no single comparison");
  return comparison === "above" ? ">" : "<";
}

/**
 * Requests in the last window against the same window one week earlier: the value is their ratio,
 * returned only when it is below 1/factor (a drop) or above factor (a spike). Cloud Monitoring's
 * forecast conditions only predict when a series will cross a fixed threshold
 * (https://cloud.google.com/monitoring/alerts/types-of-conditions#metric-threshold, "forecasted
 * value"), which catches neither a drop nor a spike against the usual pattern; PromQL's `offset`
 * compares with the past (https://cloud.google.com/monitoring/promql). A week, so the daily and
 * weekly rhythm of the clients is the baseline. A window without requests counts 0 (the LB writes
 * no point then): a stop is a drop. A baseline below {@link TRAFFIC_BASELINE_MIN_REQUESTS} is not
 * judged, and in a stack's first week there is no baseline: the alarm stays quiet, as CloudWatch's
 * and Azure's do while they learn.
 */
export function trafficAnomalyQuery(urlMap: string, windowSeconds: number, factor: number): string {
  const selector = `${PROMQL_REQUEST_COUNT}{monitored_resource="https_lb_rule",url_map_name="${urlMap}"}`;
  const now = `(sum(increase(${selector}[${windowSeconds}s])) or vector(0))`;
  const lastWeek = `(sum(increase(${selector}[${windowSeconds}s] offset 1w)) >= ${TRAFFIC_BASELINE_MIN_REQUESTS})`;
  const ratio = `(${now} / ${lastWeek})`;
  return `(${ratio} < ${1 / factor}) or (${ratio} > ${factor})`;
}

export const QUEUE_DEPTH_REASON = "Confidential Space runs only the workload container; no host agent polls /ready";
export const MEMORY_REASON =
  "Confidential Space runs no Ops Agent; the launcher reports compute.googleapis.com/guest/memory/bytes_used only when the image's launch policy allows monitoring on the production image (tee.launch_policy.hardened_monitoring) and the VM sets tee-monitoring-memory-enable=true, which this fleet does not";
/**
 * Google notifies at most once per 5 minutes and 20 times a day per log-based policy
 * (https://cloud.google.com/logging/docs/alerting/log-based-incidents); the rate limit is required
 * for log-match conditions (AlertPolicy.AlertStrategy.notificationRateLimit).
 */
export const LOG_MATCH_NOTIFICATION_PERIOD = "300s";
/** An incident of a log-match policy closes this long after its last matching entry. */
export const LOG_MATCH_AUTO_CLOSE = "1800s";

/**
 * Why attestation failures are a log-match condition. The catalogue asks for "failed exchanges /
 * exchanges above 1% over 2 x 5 minutes", which needs two log-based metrics, and a metric condition
 * on a log-based metric created in the same run is refused for up to ~10 minutes
 * (hashicorp/terraform-provider-google#11102; dependsOn does not help): the first `pulumi up` fails.
 * A log-match condition names no metric and is accepted at once
 * (https://cloud.google.com/logging/docs/alerting/monitoring-logs).
 */
export const ATTESTATION_LOG_MATCH =
  "log-match: every failed STS token exchange against the pool opens an incident (not the catalogue's 'above 1% of exchanges over 2 x 5 minutes'). A fleet exchanges a few tokens per VM and hour, far fewer than 100 per 10 minutes, so one failure already exceeds 1%: the threshold is the same in practice, the alert comes sooner. Google sends at most one notification per 5 minutes and 20 a day for this policy; an incident closes 30 minutes after the last failure.";

export const NO_AUDIT_TARGETS = "no pool, secrets or network given to match audit log entries against";
/** Confidential Space has no host role: the VM's service account is not what the secrets trust. */
export const NO_HOST_ROLE_REASON =
  "no host role on Confidential Space: the secrets are released to attested workloads of the Workload Identity pool, not to the VM's service account, so changes to that account do not open them; pool, provider and secret IAM changes page under attestation-enforcement-changed";
/** How the audit-log alarms are evaluated, for the policies' documentation. */
export const AUDIT_LOG_MATCH =
  "log-match on Admin Activity audit logs (always written): every matching change opens an incident. Google sends at most one notification per 5 minutes and 20 a day for this policy; an incident closes 30 minutes after the last matching entry.";

export const NO_POOL_REASON =
  "no Workload Identity pool: the workload exchanges no attestation token with the Security Token Service, so there are no attestation checks to count";

/** Log filter of STS token exchanges against the fleet's Workload Identity pool. */
export function stsExchangeLogFilter(poolId: string, failuresOnly: boolean): string {
  return [
    'protoPayload.serviceName="sts.googleapis.com"',
    // v1 and v1beta
    'protoPayload.methodName:"SecurityTokenService.ExchangeToken"',
    `protoPayload.resourceName:"/workloadIdentityPools/${poolId}/providers/"`,
    ...(failuresOnly ? ["protoPayload.status.code>0"] : []),
  ].join(" AND ");
}

function quoted(value: string): string {
  return JSON.stringify(value);
}

/** `metric.type="..." AND resource.type="..." AND <clauses>`, resolving Output label values. */
function filterOf(metricType: string, resourceType: string, clauses: ReadonlyArray<readonly [string, pulumi.Input<string>]>, raw: readonly string[] = []): pulumi.Output<string> {
  return pulumi.all(clauses.map(([, value]) => value)).apply((values) =>
    [`metric.type=${quoted(metricType)}`, `resource.type=${quoted(resourceType)}`, ...clauses.map(([key], i) => `${key}=${quoted(values[i]!)}`), ...raw].join(" AND "),
  );
}

function series(metricType: string, resourceType: string, clauses: ReadonlyArray<readonly [string, pulumi.Input<string>]>, agg: Omit<GcpSeries, "metricType" | "resourceType" | "filter">, raw: readonly string[] = []): GcpSeries {
  return { metricType, resourceType, filter: filterOf(metricType, resourceType, clauses, raw), ...agg };
}

function uptimeCheckSeries(targets: GcpAlarmTargets, metricType: string, agg: Omit<GcpSeries, "metricType" | "resourceType" | "filter">): GcpSeries {
  // The check's own metrics are written against the uptime_url resource (project_id, host).
  return series(metricType, "uptime_url", [["resource.label.project_id", targets.project], ["resource.label.host", targets.endpointHost]], agg);
}

function fleetInstances(targets: GcpAlarmTargets): Array<readonly [string, pulumi.Input<string>]> {
  // Every VM a managed instance group creates carries its group in the `instance_group` system label.
  return [["resource.label.project_id", targets.project], ["metadata.system_labels.instance_group", targets.instanceGroupManagerName]];
}

/** Map a catalogue signal onto a real Cloud Monitoring source for the ingress mode, or say why none exists. */
export function gcpMetricSource(signal: Signal, targets: GcpAlarmTargets): GcpMetricSource {
  const urlMap = targets.mode === "terminate" ? targets.urlMapName : undefined;
  const noUrlMap = targets.mode === "terminate" ? "terminate mode without the URL map's name: the Application Load Balancer's request metrics cannot be selected" : L4_BLIND;
  switch (signal) {
    case "healthy-hosts":
      // The load balancer publishes no healthy-backend count; an HTTPS check through its front end
      // fails when no backend is healthy (502 in terminate mode, a reset connection in passthrough).
      // Value: how many checker locations saw /health answer 200.
      return {
        kind: "threshold",
        series: uptimeCheckSeries(targets, METRIC.checkPassed, { perSeriesAligner: "ALIGN_NEXT_OLDER", crossSeriesReducer: "REDUCE_COUNT_TRUE" }),
        unit: "as-is",
        missingData: "EVALUATION_MISSING_DATA_ACTIVE",
      };
    case "attestation-failure-percent":
      if (!targets.workloadIdentityPoolId) return { kind: "unobservable", reason: NO_POOL_REASON };
      // A failed exchange is a token the pool provider's attribute condition (the pins) rejected.
      return { kind: "log-match", filter: pulumi.output(targets.workloadIdentityPoolId).apply((id) => stsExchangeLogFilter(id, true)), evaluation: ATTESTATION_LOG_MATCH };
    case "proofs-while-requests": {
      if (!urlMap) return { kind: "unobservable", reason: targets.mode === "terminate" ? noUrlMap : `${L4_BLIND}; the server exposes no completed-proof counter outside the TEE` };
      const rule = `matched_url_path_rule=~"${PROVE_PATH}(/.*)?"`;
      return {
        kind: "promql",
        metricTypes: [METRIC.requestCount],
        // Value: /prove requests in the window when none of them succeeded (2xx); no series otherwise.
        query: (window, comparison, threshold) =>
          pulumi.output(urlMap).apply((map) => {
            const selector = (extra: string) => `${PROMQL_REQUEST_COUNT}{monitored_resource="https_lb_rule",url_map_name="${map}",${rule}${extra}}`;
            return `(sum(increase(${selector("")}[${window}s])) unless (sum(increase(${selector(',response_code_class="200"')}[${window}s])) > 0)) ${promqlComparison(comparison)} ${threshold}`;
          }),
      };
    }
    case "tee-running":
      // Running VM-seconds per second summed over the group = VMs running. A Confidential Space VM is
      // the TEE: the production image stops the VM when the workload exits (restart policy Never), a
      // hung workload is replaced by autohealing. No data at all (every VM gone) is itself an outage.
      return {
        kind: "threshold",
        series: series(METRIC.instanceUptime, "gce_instance", fleetInstances(targets), { perSeriesAligner: "ALIGN_RATE", crossSeriesReducer: "REDUCE_SUM" }),
        unit: "as-is",
        missingData: "EVALUATION_MISSING_DATA_ACTIVE",
      };
    case "http-5xx-percent": {
      if (!urlMap) return { kind: "unobservable", reason: noUrlMap };
      const requests = (raw: string[]) =>
        series(METRIC.requestCount, "https_lb_rule", [["resource.label.url_map_name", urlMap]], { perSeriesAligner: "ALIGN_DELTA", crossSeriesReducer: "REDUCE_SUM" }, raw);
      // Load-balancer-generated 5xx (no healthy backend, timeouts) count as well as the server's own.
      return { kind: "threshold", series: requests(["metric.label.response_code_class=500"]), denominator: requests([]), unit: "percent-to-fraction", missingData: "EVALUATION_MISSING_DATA_INACTIVE" };
    }
    case "proof-latency-p95-seconds":
      if (!urlMap) return { kind: "unobservable", reason: noUrlMap };
      // One distribution for all /prove responses of our backend service, then its 95th percentile (ms).
      return {
        kind: "threshold",
        series: series(
          METRIC.backendLatencies,
          "https_lb_rule",
          [["resource.label.url_map_name", urlMap], ["resource.label.backend_target_name", targets.backendServiceName]],
          { perSeriesAligner: "ALIGN_DELTA", crossSeriesReducer: "REDUCE_PERCENTILE_95" },
          [`resource.label.matched_url_path_rule=one_of(${PROVE_PATH_RULE_VALUES.map(quoted).join(", ")})`],
        ),
        unit: "seconds-to-milliseconds",
        missingData: "EVALUATION_MISSING_DATA_INACTIVE",
      };
    case "cpu-percent":
      return {
        kind: "threshold",
        series: series(METRIC.cpuUtilization, "gce_instance", fleetInstances(targets), { perSeriesAligner: "ALIGN_MEAN", crossSeriesReducer: "REDUCE_MEAN" }),
        unit: "percent-to-fraction",
        missingData: "EVALUATION_MISSING_DATA_INACTIVE",
      };
    case "memory-percent": {
      if (!targets.memoryMonitoring) return { kind: "unobservable", reason: MEMORY_REASON };
      // bytes_used has one series per state (used, free, buffered, cached, slab); their sum is the VM's memory.
      const bytes = (raw: string[]) =>
        series(METRIC.memoryBytesUsed, "gce_instance", fleetInstances(targets), { perSeriesAligner: "ALIGN_MEAN", crossSeriesReducer: "REDUCE_SUM", groupByFields: ["resource.label.instance_id"] }, raw);
      return { kind: "threshold", series: bytes(['metric.label.state="used"']), denominator: bytes([]), unit: "percent-to-fraction", missingData: "EVALUATION_MISSING_DATA_INACTIVE" };
    }
    case "queue-depth": {
      if (!targets.proberMetrics) return { kind: "unobservable", reason: QUEUE_DEPTH_REASON };
      // The prober's largest jobsPending over the fleet's instances in each sample.
      const metric = targets.proberMetrics.jobs_pending_max;
      return {
        kind: "threshold",
        series: series(metric.type, "generic_node", [["resource.label.project_id", targets.project], ["metric.label.fleet", targets.fleetName]], { perSeriesAligner: "ALIGN_MAX", crossSeriesReducer: "REDUCE_MAX" }),
        unit: "as-is",
        missingData: "EVALUATION_MISSING_DATA_INACTIVE",
        declaredBy: [metric.descriptor],
      };
    }
    case "tls-cert-days-left":
      // terminate: the load balancer's certificate; passthrough: the TEE's own, seen in the handshake.
      return {
        kind: "threshold",
        series: uptimeCheckSeries(targets, METRIC.certDaysLeft, { perSeriesAligner: "ALIGN_NEXT_OLDER", crossSeriesReducer: "REDUCE_MIN" }),
        unit: "as-is",
        missingData: "EVALUATION_MISSING_DATA_INACTIVE",
      };
    case "request-count-anomaly":
      if (!urlMap) return { kind: "unobservable", reason: targets.mode === "terminate" ? noUrlMap : CONNECTIONS_NOT_REQUESTS };
      return {
        kind: "promql",
        metricTypes: [METRIC.requestCount],
        query: (window, comparison, threshold) => {
          if (comparison !== "outside-band") throw new Error("request-count-anomaly is a band alarm");
          return pulumi.output(urlMap).apply((map) => trafficAnomalyQuery(map, window, threshold));
        },
      };
    case "attestation-enforcement-change": {
      const audit = targets.audit;
      if (!audit) return { kind: "unobservable", reason: NO_AUDIT_TARGETS };
      return {
        kind: "log-match",
        filter: pulumi.all([audit.workloadIdentityPoolId, pulumi.all([...audit.secretIds])]).apply(([pool, secrets]) => attestationEnforcementFilter(pool, secrets)),
        evaluation: AUDIT_LOG_MATCH,
      };
    }
    case "host-role-change":
      return { kind: "unobservable", reason: NO_HOST_ROLE_REASON };
    case "network-rule-change": {
      const audit = targets.audit;
      if (!audit) return { kind: "unobservable", reason: NO_AUDIT_TARGETS };
      return { kind: "log-match", filter: pulumi.output(audit.network).apply((network) => firewallChangeFilter(network, targets.fleetName)), evaluation: AUDIT_LOG_MATCH };
    }
  }
}

/** P0 pages, P3 is advisory. Cloud Monitoring knows CRITICAL, ERROR and WARNING. */
export const GCP_SEVERITY: Readonly<Record<Severity, "CRITICAL" | "ERROR" | "WARNING">> = { P0: "CRITICAL", P1: "ERROR", P2: "WARNING", P3: "WARNING" };

export function thresholdValue(spec: AlarmSpec, unit: ThresholdUnit): number {
  switch (unit) {
    case "as-is":
      return spec.threshold;
    case "percent-to-fraction":
      return spec.threshold / 100;
    case "seconds-to-milliseconds":
      return spec.threshold * 1000;
  }
}

export function conditionDuration(spec: AlarmSpec): string {
  return `${spec.periodSeconds * spec.evaluationPeriods}s`;
}

function aggregation(s: GcpSeries, spec: AlarmSpec) {
  return {
    alignmentPeriod: `${spec.periodSeconds}s`,
    perSeriesAligner: s.perSeriesAligner,
    ...(s.crossSeriesReducer ? { crossSeriesReducer: s.crossSeriesReducer } : {}),
    ...(s.groupByFields ? { groupByFields: [...s.groupByFields] } : {}),
  };
}

type ObservableSource = Exclude<GcpMetricSource, { kind: "unobservable" }>;

/** The alert policy condition of one catalogue entry. */
function condition(spec: AlarmSpec, source: ObservableSource): inputs.monitoring.AlertPolicyCondition {
  const displayName = spec.description;
  switch (source.kind) {
    case "threshold":
      return {
        displayName,
        conditionThreshold: {
          filter: source.series.filter,
          aggregations: [aggregation(source.series, spec)],
          ...(source.denominator ? { denominatorFilter: source.denominator.filter, denominatorAggregations: [aggregation(source.denominator, spec)] } : {}),
          comparison: spec.comparison === "above" ? "COMPARISON_GT" : "COMPARISON_LT",
          thresholdValue: thresholdValue(spec, source.unit),
          duration: conditionDuration(spec),
          evaluationMissingData: source.missingData,
          trigger: { count: 1 },
        },
      };
    case "promql":
      return {
        displayName,
        conditionPrometheusQueryLanguage: {
          query: source.query(spec.periodSeconds, spec.comparison, spec.threshold),
          duration: conditionDuration(spec),
          evaluationInterval: "60s",
        },
      };
    case "log-match":
      return { displayName, conditionMatchedLog: { filter: source.filter } };
  }
}

/** The dashboard tile of one catalogue entry: its series (threshold drawn) or, for a log match, the matching entries. */
function widget(spec: AlarmSpec, source: ObservableSource, title: string, project: string): pulumi.Output<unknown> {
  if (source.kind === "log-match") return source.filter.apply((filter) => ({ title, logsPanel: { filter, resourceNames: [`projects/${project}`] } }));
  const threshold = source.kind === "threshold" ? thresholdValue(spec, source.unit) : undefined;
  const query: pulumi.Output<object> = source.kind === "promql"
    ? source.query(spec.periodSeconds, spec.comparison, spec.threshold).apply((q) => ({ prometheusQuery: q }))
    : source.denominator
      ? pulumi.all([source.series.filter, source.denominator.filter]).apply(([n, d]) => ({
          timeSeriesFilterRatio: { numerator: { filter: n, aggregation: aggregation(source.series, spec) }, denominator: { filter: d, aggregation: aggregation(source.denominator!, spec) } },
        }))
      : source.series.filter.apply((f) => ({ timeSeriesFilter: { filter: f, aggregation: aggregation(source.series, spec) } }));
  return query.apply((timeSeriesQuery) => ({
    title,
    xyChart: {
      dataSets: [{ timeSeriesQuery, plotType: "LINE" }],
      ...(threshold === undefined ? {} : { thresholds: [{ value: threshold, label: `${spec.comparison} ${spec.threshold}` }] }),
    },
  }));
}

export interface GcpMonitoring {
  readonly channels: Record<Severity, monitoring.NotificationChannel[]>;
  /** The e-mail channels alone, per severity: the only kind a Cloud Billing budget can notify. */
  readonly emailChannels: Record<Severity, monitoring.NotificationChannel[]>;
  readonly policies: Record<string, monitoring.AlertPolicy>;
  readonly unobservable: UnobservableAlarm[];
  readonly uptimeCheck: monitoring.UptimeCheckConfig;
  readonly dashboard: monitoring.Dashboard;
}

function documentation(spec: AlarmSpec, targets: GcpAlarmTargets, source: GcpMetricSource, subscribed: boolean): pulumi.Output<string> {
  const metrics = source.kind === "threshold" ? [source.series.metricType, ...(source.denominator ? [source.denominator.metricType] : [])] : source.kind === "promql" ? source.metricTypes : [];
  const origin = source.kind === "log-match" ? source.filter.apply((f) => `Cloud Logging entries matching \`${f}\``) : pulumi.output([...new Set(metrics)].map((m) => `\`${m}\``).join(", "));
  return origin.apply((origin) => [
    `**Severity:** ${spec.severity} (${GCP_SEVERITY[spec.severity]})`,
    "",
    `**Alarm:** ${spec.description} (\`${spec.id}\`)`,
    "",
    `**Fleet:** ${targets.fleetName} (project ${targets.project}, ${targets.region}, ingress ${targets.mode})`,
    "",
    `**Source:** ${origin}`,
    ...(source.kind === "log-match" ? ["", `**Evaluation:** ${source.evaluation}`] : []),
    ...(subscribed ? [] : ["", `**No subscriber:** no notification channel is configured for ${spec.severity}; incidents open in Cloud Monitoring only.`]),
  ].join("\n"));
}

/** Notification channels per severity, the catalogue as alert policies, an uptime check and a dashboard. */
export function gcpMonitoring(
  name: string,
  targets: GcpAlarmTargets,
  subscriptions: Readonly<Record<Severity, AlarmSubscriptions>>,
  labels: Record<string, string>,
  parent: pulumi.Resource,
): GcpMonitoring {
  if (!GCP_NAME_PATTERN.test(targets.fleetName)) throw new Error(`fleet name ${JSON.stringify(targets.fleetName)} must match ${GCP_NAME_PATTERN}`);
  const opts = { parent };
  const project = targets.project;
  const logical = (suffix: string) => autoNamed(`${name}-${suffix}`, GCP_NAME_MAX);

  const channels = {} as Record<Severity, monitoring.NotificationChannel[]>;
  const emailChannels = {} as Record<Severity, monitoring.NotificationChannel[]>;
  for (const severity of SEVERITIES) {
    const sev = severity.toLowerCase();
    const subs = subscriptions[severity];
    const userLabels = { ...labels, severity: sev };
    emailChannels[severity] = subs.emails.map((email, i) => new monitoring.NotificationChannel(logical(`${sev}-email-${i}`), {
      project,
      type: "email",
      displayName: `${name} ${severity} email ${i + 1}`,
      labels: { email_address: email },
      userLabels,
    }, opts));
    channels[severity] = [
      ...emailChannels[severity],
      // Webhook URLs carry their token. sensitiveLabels only has authToken/password/serviceKey (slack,
      // basic auth, PagerDuty), not `url`, so the labels are a secret: encrypted in state, hidden in diffs.
      ...subs.httpsEndpoints.map((url, i) => new monitoring.NotificationChannel(logical(`${sev}-webhook-${i}`), {
        project,
        type: "webhook_tokenauth",
        displayName: `${name} ${severity} webhook ${i + 1}`,
        labels: pulumi.secret({ url }),
        userLabels,
      }, opts)),
    ];
  }

  const validateSsl = targets.validateSsl ?? targets.mode === "terminate";
  const uptimeCheck = new monitoring.UptimeCheckConfig(logical("health"), {
    project,
    displayName: `${name} ${HEALTH_PATH}`,
    period: "60s",
    timeout: "10s",
    checkerType: "STATIC_IP_CHECKERS",
    monitoredResource: { type: "uptime_url", labels: { project_id: project, host: targets.endpointHost } },
    httpCheck: {
      requestMethod: "GET",
      path: HEALTH_PATH,
      port: targets.listenerPort,
      useSsl: true,
      // passthrough: the TEE's certificate is usually self-signed (--auto-generate-cert).
      validateSsl,
      // 429 is the server's own rate limiter answering: alive and busy. The limiter counts /health
      // too, so a burst of clients would otherwise page "no healthy host" for a serving fleet.
      acceptedResponseStatusCodes: [{ statusValue: 200 }, { statusValue: 429 }],
    },
    userLabels: labels,
  }, opts);

  const policies: Record<string, monitoring.AlertPolicy> = {};
  const widgets: pulumi.Output<unknown>[] = [];
  // Declaring resources of every custom metric a policy or chart names.
  const declaring = new Set<pulumi.Resource>();
  const { observable, unobservable } = mapCatalogue((signal) => gcpMetricSource(signal, targets));
  for (const { spec, source } of observable) {
    const dependsOn = source.kind === "threshold" ? [...(source.declaredBy ?? [])] : [];
    dependsOn.forEach((r) => declaring.add(r));
    const severityChannels = channels[spec.severity];
    const title = `[${spec.severity}] ${spec.description}`;
    policies[spec.id] = new monitoring.AlertPolicy(logical(`${spec.severity.toLowerCase()}-${spec.id}`), {
      project,
      displayName: `${title} (${targets.fleetName})`,
      combiner: "OR",
      severity: GCP_SEVERITY[spec.severity],
      conditions: [condition(spec, source)],
      ...(source.kind === "log-match"
        ? { alertStrategy: { notificationRateLimit: { period: LOG_MATCH_NOTIFICATION_PERIOD }, autoClose: LOG_MATCH_AUTO_CLOSE } }
        : {}),
      // A channel's provider id is its full name, projects/P/notificationChannels/ID.
      notificationChannels: severityChannels.map((c) => c.id),
      documentation: {
        mimeType: "text/markdown",
        subject: `${title} (${targets.fleetName})`,
        content: documentation(spec, targets, source, severityChannels.length > 0),
      },
      userLabels: { ...labels, severity: spec.severity.toLowerCase(), alarm: spec.id },
    }, dependsOn.length ? { ...opts, dependsOn } : opts);
    widgets.push(widget(spec, source, title, project));
  }

  // Charts name the same custom metrics; whether a dashboard validates them is not documented, so it waits too.
  const dashboard = new monitoring.Dashboard(logical("dashboard"), {
    project,
    dashboardJson: pulumi.all(widgets).apply((ws) => JSON.stringify({
      displayName: `tee-prover ${name}`,
      mosaicLayout: { columns: 12, tiles: ws.map((widget, i) => ({ xPos: (i % 2) * 6, yPos: Math.floor(i / 2) * 4, width: 6, height: 4, widget })) },
    })),
  }, declaring.size ? { ...opts, dependsOn: [...declaring] } : opts);

  return { channels, emailChannels, policies, unobservable, uptimeCheck, dashboard };
}
