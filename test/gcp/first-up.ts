import type { PlannedResource } from "../../src/plan/engine";
import { resourceKey } from "../../src/plan/engine";

/**
 * Whether every alert policy of a planned stack can be created in the stack's first `pulumi up`.
 *
 * Cloud Monitoring refuses (404 "Cannot find metric(s)") a policy whose condition names a metric
 * type the project does not have yet. A policy may therefore name only
 * - a built-in Google Cloud metric (the fixed list below, the ones this project uses), or
 * - a custom metric the stack declares with a MetricDescriptor, the policy depending on it.
 * A log-based metric (`logging.googleapis.com/user/...`) is never acceptable in a metric condition:
 * created in the same run it is refused for up to ~10 minutes whatever the order
 * (hashicorp/terraform-provider-google#11102). A log-match condition names no metric.
 */

export const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
export const METRIC_DESCRIPTOR = "gcp:monitoring/metricDescriptor:MetricDescriptor";
export const LOG_METRIC = "gcp:logging/metric:Metric";

/** Built-in metric types the stacks use, each documented by Google (so present in every project). */
export const BUILT_IN_METRIC_TYPES: Readonly<Record<string, string>> = {
  // https://cloud.google.com/monitoring/api/metrics_gcp_c (Compute Engine)
  "compute.googleapis.com/instance/cpu/utilization": "https://cloud.google.com/monitoring/api/metrics_gcp_c",
  "compute.googleapis.com/instance/uptime": "https://cloud.google.com/monitoring/api/metrics_gcp_c",
  "compute.googleapis.com/guest/memory/bytes_used": "https://cloud.google.com/monitoring/api/metrics_gcp_c",
  // https://cloud.google.com/load-balancing/docs/metrics (global external Application Load Balancer)
  "loadbalancing.googleapis.com/https/request_count": "https://cloud.google.com/load-balancing/docs/metrics",
  "loadbalancing.googleapis.com/https/backend_latencies": "https://cloud.google.com/load-balancing/docs/metrics",
  // https://cloud.google.com/monitoring/api/metrics_gcp_i_o (Cloud Monitoring uptime checks)
  "monitoring.googleapis.com/uptime_check/check_passed": "https://cloud.google.com/monitoring/api/metrics_gcp_i_o",
  "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires": "https://cloud.google.com/monitoring/api/metrics_gcp_i_o",
};

/** PromQL name of a Cloud Monitoring metric type: domain dots to "_", first "/" to ":", the rest "/" and "." to "_". */
export function promqlName(metricType: string): string {
  const slash = metricType.indexOf("/");
  return `${metricType.slice(0, slash).replace(/\./g, "_")}:${metricType.slice(slash + 1).replace(/[/.]/g, "_")}`;
}

/** What one condition names: metric types (filters, MQL), PromQL metric names, or a problem. */
export interface ConditionRefs {
  readonly kind: string;
  readonly metricTypes: string[];
  readonly promqlNames: string[];
  readonly problems: string[];
}

const CONDITION_KINDS = ["conditionThreshold", "conditionAbsent", "conditionMonitoringQueryLanguage", "conditionPrometheusQueryLanguage", "conditionMatchedLog", "conditionSql"] as const;

function filterTypes(filter: unknown, where: string, problems: string[]): string[] {
  if (typeof filter !== "string") {
    problems.push(`${where}: no filter`);
    return [];
  }
  const types = [...filter.matchAll(/metric\.type\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
  // Anything else naming metric.type (starts_with, one_of, !=) cannot be checked here.
  const mentions = filter.match(/metric\.type/g)?.length ?? 0;
  if (types.length === 0 || mentions !== types.length) problems.push(`${where}: metric.type is not a plain equality in ${JSON.stringify(filter)}`);
  return types;
}

/** Metric references of one condition of an AlertPolicy's `conditions` input. */
export function conditionRefs(condition: Record<string, unknown>): ConditionRefs {
  const kinds = CONDITION_KINDS.filter((k) => condition[k] !== undefined);
  const problems: string[] = [];
  if (kinds.length !== 1) return { kind: kinds.join("+") || "none", metricTypes: [], promqlNames: [], problems: [`expected exactly one known condition kind, found ${JSON.stringify(Object.keys(condition))}`] };
  const kind = kinds[0]!;
  const body = condition[kind] as Record<string, unknown>;
  const metricTypes: string[] = [];
  const promqlNames: string[] = [];
  switch (kind) {
    case "conditionThreshold":
      metricTypes.push(...filterTypes(body["filter"], "filter", problems));
      if (body["denominatorFilter"] !== undefined) metricTypes.push(...filterTypes(body["denominatorFilter"], "denominatorFilter", problems));
      break;
    case "conditionAbsent":
      metricTypes.push(...filterTypes(body["filter"], "filter", problems));
      break;
    case "conditionMonitoringQueryLanguage": {
      const query = String(body["query"]);
      // fetch <resource>::<metric type>, or `metric '<type>'`
      metricTypes.push(...[...query.matchAll(/::\s*([a-z0-9.-]+\/[A-Za-z0-9_/.]+)/g)].map((m) => m[1]!), ...[...query.matchAll(/\bmetric\s+'([^']+)'/g)].map((m) => m[1]!));
      if (metricTypes.length === 0) problems.push(`MQL names no metric I can read: ${query}`);
      break;
    }
    case "conditionPrometheusQueryLanguage": {
      const query = String(body["query"]);
      if (query.includes("__name__")) problems.push(`PromQL selects by __name__, not checkable: ${query}`);
      // Selectors: a name followed by its label set or range.
      promqlNames.push(...[...query.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!));
      if (promqlNames.length === 0) problems.push(`PromQL names no metric I can read: ${query}`);
      break;
    }
    case "conditionMatchedLog":
      // A log query: no metric. Nothing to exist beforehand.
      break;
    case "conditionSql":
      problems.push("SQL (Log Analytics) conditions are not checked");
      break;
  }
  return { kind, metricTypes, promqlNames, problems };
}

/** Every reason a policy of these resources would be refused in the first `pulumi up` (empty when none). */
export function firstUpProblems(resources: readonly PlannedResource[]): string[] {
  const declared = new Map<string, string>();
  for (const d of resources.filter((r) => r.type === METRIC_DESCRIPTOR)) declared.set(String(d.inputs["type"]), resourceKey(d.type, d.name));
  const declaredPromql = new Map([...declared].map(([type, key]) => [promqlName(type), { type, key }]));
  const builtInPromql = new Set(Object.keys(BUILT_IN_METRIC_TYPES).map(promqlName));
  const problems: string[] = [];
  for (const policy of resources.filter((r) => r.type === POLICY)) {
    const conditions = (policy.inputs["conditions"] ?? []) as Array<Record<string, unknown>>;
    const say = (text: string) => problems.push(`${policy.name}: ${text}`);
    if (conditions.length === 0) say("no condition");
    const needs = (type: string): void => {
      const key = declared.get(type);
      if (type in BUILT_IN_METRIC_TYPES) return;
      if (type.startsWith("logging.googleapis.com/user/")) say(`${type} is a log-based metric: refused for up to 10 minutes after its creation (hashicorp/terraform-provider-google#11102)`);
      else if (!key) say(`${type} is neither built in nor declared by a MetricDescriptor of the stack`);
      else if (!policy.dependsOn.includes(key)) say(`${type} is declared by ${key}, but the policy does not depend on it`);
    };
    for (const c of conditions) {
      const refs = conditionRefs(c);
      refs.problems.forEach(say);
      refs.metricTypes.forEach(needs);
      for (const name of refs.promqlNames) {
        if (builtInPromql.has(name)) continue;
        if (name.startsWith("logging_googleapis_com:user_")) {
          say(`${name} is a log-based metric: refused for up to 10 minutes after its creation (hashicorp/terraform-provider-google#11102)`);
          continue;
        }
        const d = declaredPromql.get(name);
        if (!d) say(`PromQL metric ${name} is neither built in nor declared by a MetricDescriptor of the stack`);
        else needs(d.type);
      }
      if (refs.kind === "conditionMatchedLog") {
        const strategy = policy.inputs["alertStrategy"] as { notificationRateLimit?: { period?: string } } | undefined;
        // Required by the API for log-match conditions (AlertPolicy.AlertStrategy.notificationRateLimit).
        if (!strategy?.notificationRateLimit?.period) say("a log-match condition without alertStrategy.notificationRateLimit is refused");
      }
    }
  }
  return problems;
}
