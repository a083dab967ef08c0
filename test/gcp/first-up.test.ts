import { beforeAll, describe, expect, test } from "vitest";
import { GCP_PROBER_METRIC_LABEL, GCP_PROBER_METRIC_NAMES, GCP_PROBER_METRICS } from "../../src/bootstrap/gcp-prober";
import { resourceKey, type PlannedResource } from "../../src/plan/engine";
import { gcpDevValues, ofType, one, planStack } from "../helpers/offline";
import { BUILT_IN_METRIC_TYPES, conditionRefs, firstUpProblems, LOG_METRIC, METRIC_DESCRIPTOR, POLICY, promqlName } from "./first-up";

// The GCP dev stack (terminate mode, Workload Identity pool, fleet prober): can its first
// `pulumi up` create every alert policy? See test/gcp/first-up.ts for the rule.

let resources: PlannedResource[];

beforeAll(async () => {
  resources = (await planStack(gcpDevValues(), "dev-gcp")).resources;
});

const key = (r: PlannedResource) => resourceKey(r.type, r.name);
const policies = () => ofType(resources, POLICY);
const kindsOf = (p: PlannedResource) => (p.inputs["conditions"] as Array<Record<string, unknown>>).map((c) => conditionRefs(c).kind);

describe("every alert policy can be created in the first pulumi up", () => {
  test("no policy names a metric that does not exist yet", () => {
    expect(firstUpProblems(resources)).toEqual([]);
  });

  test("the check saw every condition kind the stack uses and every metric it names", () => {
    expect(policies().length).toBeGreaterThanOrEqual(10);
    expect(new Set(policies().flatMap(kindsOf))).toEqual(new Set(["conditionThreshold", "conditionPrometheusQueryLanguage", "conditionMatchedLog"]));
    const named = new Set(policies().flatMap((p) => (p.inputs["conditions"] as Array<Record<string, unknown>>).flatMap((c) => conditionRefs(c).metricTypes)));
    expect([...named].sort()).toEqual([...Object.keys(BUILT_IN_METRIC_TYPES).filter((t) => !t.includes("guest/memory")), "custom.googleapis.com/tee_prover/jobs_pending_max"].sort());
  });

  test("no log-based metric is created: attestation failures are a log-match condition", () => {
    expect(ofType(resources, LOG_METRIC)).toEqual([]);
    const attestation = policies().find((p) => p.name.endsWith("-p0-attestation-failures"))!;
    const [condition] = attestation.inputs["conditions"] as Array<{ conditionMatchedLog?: { filter: string } }>;
    expect(condition!.conditionMatchedLog!.filter).toContain('protoPayload.serviceName="sts.googleapis.com"');
    expect(condition!.conditionMatchedLog!.filter).toContain("protoPayload.status.code>0");
    // Google's own limits for log-match policies: one notification per 5 minutes at most.
    expect(attestation.inputs["alertStrategy"]).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
    expect(String((attestation.inputs["documentation"] as { content: string }).content)).toContain("**Evaluation:** log-match: every failed STS token exchange");
  });
});

describe("the prober's custom metrics are declared before anything uses them", () => {
  const descriptors = () => ofType(resources, METRIC_DESCRIPTOR);

  test("one descriptor per metric the script writes: same kind, value type and label", () => {
    expect(descriptors().map((d) => [d.inputs["type"], d.inputs["metricKind"], d.inputs["valueType"], d.inputs["labels"]]).sort()).toEqual(
      GCP_PROBER_METRIC_NAMES.map((m) => [`custom.googleapis.com/tee_prover/${m}`, GCP_PROBER_METRICS[m].metricKind, GCP_PROBER_METRICS[m].valueType, [{ key: GCP_PROBER_METRIC_LABEL, valueType: "STRING", description: "Fleet name" }]]).sort(),
    );
  });

  test("a destroy or replacement leaves the shared metric types in place", () => {
    expect(descriptors()).toHaveLength(GCP_PROBER_METRIC_NAMES.length);
    expect(descriptors().every((d) => d.retainOnDelete)).toBe(true);
  });

  test("the prober VM starts writing only after its descriptors exist (no auto-created descriptor)", () => {
    expect(descriptors()).toHaveLength(GCP_PROBER_METRIC_NAMES.length);
    expect(one(resources, "gcp:compute/instance:Instance").dependsOn.sort()).toEqual(descriptors().map(key).sort());
  });

  test("the queue-depth policy and the dashboard depend on the jobs_pending_max descriptor", () => {
    const jobs = descriptors().find((d) => d.inputs["type"] === "custom.googleapis.com/tee_prover/jobs_pending_max")!;
    expect(policies().find((p) => p.name.endsWith("-p1-queue-deep"))!.dependsOn).toEqual([key(jobs)]);
    expect(one(resources, "gcp:monitoring/dashboard:Dashboard").dependsOn).toEqual([key(jobs)]);
  });
});

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
