import { describe, expect, test } from "vitest";
import { resourceKey, type PlannedResource } from "../../src/plan/engine";
import { firstUpProblems, LOG_METRIC, METRIC_DESCRIPTOR, POLICY, promqlName } from "./first-up";

// The first-up check (test/gcp/first-up.ts) on hand-made policies: it must refuse what Google
// refuses, or its verdict on the real stacks (component-terminate-dev, monitoring-*) proves nothing.

const key = (r: PlannedResource) => resourceKey(r.type, r.name);

describe("the check itself refuses what Google refuses", () => {
  const policy = (conditions: Array<Record<string, unknown>>, dependsOn: string[] = [], extra: Record<string, unknown> = {}): PlannedResource => ({
    type: POLICY, name: "p", custom: true, id: "x", inputs: { conditions, ...extra }, state: {}, protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn,
  });
  const descriptor: PlannedResource = { type: METRIC_DESCRIPTOR, name: "d", custom: true, id: "d", inputs: { type: "custom.googleapis.com/x/y" }, state: {}, protect: false, retainOnDelete: true, ignoreChanges: [], dependsOn: [] };
  const threshold = (filter: string) => ({ displayName: "c", conditionThreshold: { filter } });

  test("an undeclared custom metric, a declared one without the dependency, and a declared one with it", () => {
    expect(firstUpProblems([policy([threshold('metric.type="custom.googleapis.com/x/y" AND resource.type="generic_node"')])])).toEqual([
      "p: custom.googleapis.com/x/y is neither built in nor declared by a MetricDescriptor of the stack",
    ]);
    expect(firstUpProblems([descriptor, policy([threshold('metric.type="custom.googleapis.com/x/y"')])])).toEqual([
      `p: custom.googleapis.com/x/y is declared by ${key(descriptor)}, but the policy does not depend on it`,
    ]);
    expect(firstUpProblems([descriptor, policy([threshold('metric.type="custom.googleapis.com/x/y"')], [key(descriptor)])])).toEqual([]);
  });

  test("a log-based metric is refused even when the stack declares it and the policy depends on it", () => {
    const logMetric: PlannedResource = { ...descriptor, type: LOG_METRIC, name: "m", inputs: { name: "fails" } };
    expect(firstUpProblems([logMetric, policy([threshold('metric.type="logging.googleapis.com/user/fails"')], [key(logMetric)])])[0]).toMatch(/log-based metric: refused for up to 10 minutes/);
  });

  test("denominators, PromQL and MQL are read too; built-in metrics pass", () => {
    const ratio = { displayName: "r", conditionThreshold: { filter: 'metric.type="compute.googleapis.com/instance/uptime"', denominatorFilter: 'metric.type="custom.googleapis.com/nope"' } };
    expect(firstUpProblems([policy([ratio])])).toEqual(["p: custom.googleapis.com/nope is neither built in nor declared by a MetricDescriptor of the stack"]);
    const promql = { displayName: "q", conditionPrometheusQueryLanguage: { query: `sum(rate(${promqlName("loadbalancing.googleapis.com/https/request_count")}{a="b"}[5m])) / sum(rate(custom_googleapis_com:x_y[5m])) > 1` } };
    expect(firstUpProblems([policy([promql])])).toEqual(["p: PromQL metric custom_googleapis_com:x_y is neither built in nor declared by a MetricDescriptor of the stack"]);
    expect(firstUpProblems([descriptor, policy([promql], [key(descriptor)])])).toEqual([]);
    const mql = { displayName: "m", conditionMonitoringQueryLanguage: { query: "fetch gce_instance::compute.googleapis.com/instance/uptime | join (fetch generic_node::custom.googleapis.com/z)" } };
    expect(firstUpProblems([policy([mql])])).toEqual(["p: custom.googleapis.com/z is neither built in nor declared by a MetricDescriptor of the stack"]);
  });

  test("unreadable filters, unknown condition kinds and log matches without a rate limit are problems", () => {
    expect(firstUpProblems([policy([threshold('metric.type=starts_with("custom.googleapis.com/")')])])[0]).toMatch(/not a plain equality/);
    expect(firstUpProblems([policy([{ displayName: "s", conditionSql: { query: "SELECT 1" } }])])).toEqual(["p: SQL (Log Analytics) conditions are not checked"]);
    expect(firstUpProblems([policy([{ displayName: "z", conditionFuture: {} }])])[0]).toMatch(/expected exactly one known condition kind/);
    const logMatch = { displayName: "l", conditionMatchedLog: { filter: "severity>=ERROR" } };
    expect(firstUpProblems([policy([logMatch])])).toEqual(["p: a log-match condition without alertStrategy.notificationRateLimit is refused"]);
    expect(firstUpProblems([policy([logMatch], [], { alertStrategy: { notificationRateLimit: { period: "300s" } } })])).toEqual([]);
  });

  test("PromQL names follow Google's mapping", () => {
    expect(promqlName("loadbalancing.googleapis.com/https/request_count")).toBe("loadbalancing_googleapis_com:https_request_count");
    expect(promqlName("custom.googleapis.com/tee_prover/jobs_pending_max")).toBe("custom_googleapis_com:tee_prover_jobs_pending_max");
  });
});
