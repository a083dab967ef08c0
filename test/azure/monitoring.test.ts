/**
 * azureMonitoring under the mock runtime with minimal mocks of our own (no dependency on the plan's
 * mocks): ONE program declares both fleets, a terminate fleet (Application Gateway) and a
 * passthrough fleet (Standard Load Balancer), each with the longest fleet name allowed (28).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import {
  ACTION_GROUP_SHORT_NAME_MAX,
  actionGroupShortName,
  ATTESTATION_ENFORCEMENT_OPERATIONS,
  AZURE_ATTESTATION_REASON,
  checkLogRetention,
  HOST_ROLE_OPERATIONS,
  L4_BLIND,
  metricAlertTiming,
  METRIC_ALERT_FREQUENCIES,
  METRIC_ALERT_WINDOWS,
  isoMinutes,
  NETWORK_RULE_OPERATIONS,
  NO_PROOF_COUNTER,
  NO_REQUEST_METRIC,
  resourceGroupScope,
  TEE_DOWN_REASON,
  TLS_TERMINATE_REASON,
  dynamicSensitivity,
  type AzureMonitoringInputs,
} from "../../components/azure/monitoring";
import type { AlarmSubscriptions } from "../../src/config/types";
import { dynamicRuleFromInputs, perMinute, replay, replayDynamic, ruleFromInputs, type Sample } from "../helpers/azure-metric-alert-replay";
import { ALARM_CATALOGUE, SEVERITIES, type Severity } from "../../src/monitoring/catalogue";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG = "tee-prover-rg";
const RG_SCOPE = `${SUB}/resourceGroups/${RG}`;
// 28 characters: the longest fleet name.
const TERMINATE = "prover-terminate-staging-abc";
const PASSTHROUGH = "prover-passthru-staging-abcd";
const VMSS_ID = (fleet: string) => `${RG_SCOPE}/providers/Microsoft.Compute/virtualMachineScaleSets/${fleet}-vmss`;
const AGW_ID = `${RG_SCOPE}/providers/Microsoft.Network/applicationGateways/${TERMINATE}-agw`;
const LB_ID = `${RG_SCOPE}/providers/Microsoft.Network/loadBalancers/${PASSTHROUGH}-lb`;
const NAMESPACE = "tee-prover/host-agent";
const VAULT_ID = `${RG_SCOPE}/providers/Microsoft.KeyVault/vaults/tp-vault-abc`;
/** Pulumi's marker of a secret value on the wire (@pulumi/pulumi runtime/rpc specialSigKey). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const WEBHOOK = "https://hooks.example.com/services/T000/B000/secret-token";

interface Recorded { type: string; name: string; inputs: Record<string, unknown> }
const recorded: Recorded[] = [];
let summaries: Record<string, { unobservable: Array<[string, string]>; groupIds: Record<string, string>; webhookSecret: boolean }>;

const none: AlarmSubscriptions = { emails: [], httpsEndpoints: [] };
const alarms: Record<Severity, AlarmSubscriptions> = {
  P0: { emails: ["oncall@example.com", "lead@example.com"], httpsEndpoints: [WEBHOOK] },
  P1: { emails: ["oncall@example.com"], httpsEndpoints: [] },
  P2: none,
  P3: { emails: ["review@example.com"], httpsEndpoints: [] },
};

function inputsFor(fleet: string, mode: "terminate" | "passthrough", lb: string): AzureMonitoringInputs {
  return { resourceGroupName: RG, location: "westeurope", mode, scaleSetId: pulumi.output(VMSS_ID(fleet)), loadBalancerId: pulumi.output(lb), metricNamespace: NAMESPACE, alarms, jobTimeoutSeconds: 600, tags: { fleet } };
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const provider = args.type.startsWith("azure-native:monitor:") ? "Microsoft.Insights" : "Microsoft.OperationalInsights";
        return { id: `${RG_SCOPE}/providers/${provider}/${args.type.split(":")[2]}/${args.name}`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "tee-prover-infra",
    "test",
    false,
  );
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    const { azureMonitoring } = await import("../../components/azure/monitoring");
    const parent = new pulumi.ComponentResource("test:azure:Parent", "p");
    const out: Record<string, unknown> = {};
    for (const [fleet, mode, lb, retention] of [[TERMINATE, "terminate", AGW_ID, 90], [PASSTHROUGH, "passthrough", LB_ID, undefined]] as const) {
      // The terminate fleet is given its vault (key changes on the data plane), the passthrough one not.
      const vault = mode === "terminate" ? { keyVaultId: pulumi.output(VAULT_ID) } : {};
      const m = azureMonitoring(fleet, { ...inputsFor(fleet, mode, lb), ...vault, ...(retention ? { logRetentionDays: retention } : {}) }, parent);
      out[fleet] = pulumi.all(Object.fromEntries(SEVERITIES.map((s) => [s, m.actionGroups[s].id]))).apply((groupIds) => ({
        unobservable: m.unobservable.map((u) => [u.alarm.id, u.reason]),
        groupIds,
      }));
      // Whether the P0 group's receivers (the webhook URL among them) are secret in state.
      out[`${fleet}-isSecret`] = pulumi.isSecret(m.actionGroups.P0.webhookReceivers);
    }
    return out;
  });
  await pulumi.runtime.disconnect();
  summaries = {};
  for (const fleet of [TERMINATE, PASSTHROUGH]) {
    const s = outputs![fleet] as { unobservable: Array<[string, string]>; groupIds: Record<string, string> };
    summaries[fleet] = { ...s, webhookSecret: outputs![`${fleet}-isSecret`] === true };
  }
});

const T = {
  workspace: "azure-native:operationalinsights:Workspace",
  diag: "azure-native:monitor:DiagnosticSetting",
  group: "azure-native:monitor:ActionGroup",
  metric: "azure-native:monitor:MetricAlert",
  log: "azure-native:monitor:ScheduledQueryRule",
  activity: "azure-native:monitor:ActivityLogAlert",
} as const;

// Sorted by name: registration order is not declaration order under the mocks.
const ofFleet = (type: string, fleet: string) => recorded.filter((r) => r.type === type && r.name.startsWith(`${fleet}-`)).sort((a, b) => a.name.localeCompare(b.name));
const alertOf = (fleet: string, id: string) => {
  const spec = ALARM_CATALOGUE.find((a) => a.id === id)!;
  const name = `${fleet}-${spec.severity.toLowerCase()}-${id}`;
  const found = recorded.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one alert ${name}, found ${found.length}`);
  return found[0]!;
};
const groupId = (fleet: string, severity: Severity) => summaries[fleet]!.groupIds[severity];

interface Criterion { name: string; metricNamespace: string; metricName: string; operator: string; threshold: number; timeAggregation: string; criterionType: string; skipMetricValidation?: boolean; dimensions?: unknown }
function metricAlert(fleet: string, id: string) {
  const r = alertOf(fleet, id);
  expect(r.type).toBe(T.metric);
  const criteria = r.inputs["criteria"] as { odataType: string; allOf: Criterion[] };
  expect(criteria.odataType).toBe("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria");
  expect(criteria.allOf).toHaveLength(1);
  return { inputs: r.inputs, c: criteria.allOf[0]! };
}

// [fleet, id, scope, namespace, metric, aggregation, operator, threshold, window, frequency, custom]
const METRIC_ALERTS: Array<[string, string, string, string, string, string, string, number, string, string, boolean]> = [
  [TERMINATE, "no-healthy-host", AGW_ID, "Microsoft.Network/applicationGateways", "HealthyHostCount", "Maximum", "LessThan", 1, "PT5M", "PT1M", false],
  [PASSTHROUGH, "no-healthy-host", LB_ID, "Microsoft.Network/loadBalancers", "DipAvailability", "Maximum", "LessThan", 1, "PT5M", "PT1M", false],
  ...[TERMINATE, PASSTHROUGH].flatMap((f): Array<[string, string, string, string, string, string, string, number, string, string, boolean]> => [
    [f, "cpu-high", VMSS_ID(f), "Microsoft.Compute/virtualMachineScaleSets", "Percentage CPU", "Average", "GreaterThan", 90, "PT15M", "PT5M", false],
    [f, "memory-high", VMSS_ID(f), "Microsoft.Compute/virtualMachineScaleSets", "Available Memory Percentage", "Minimum", "LessThan", 5, "PT5M", "PT5M", false],
    [f, "queue-deep", VMSS_ID(f), NAMESPACE, "JobsPending", "Maximum", "GreaterThan", 100, "PT5M", "PT5M", true],
    [f, "cpu-elevated", VMSS_ID(f), "Microsoft.Compute/virtualMachineScaleSets", "Percentage CPU", "Average", "GreaterThan", 85, "PT30M", "PT5M", false],
    [f, "cpu-sustained", VMSS_ID(f), "Microsoft.Compute/virtualMachineScaleSets", "Percentage CPU", "Average", "GreaterThan", 80, "PT1H", "PT5M", false],
  ]),
  [PASSTHROUGH, "tls-cert-expiring", VMSS_ID(PASSTHROUGH), NAMESPACE, "TlsCertDaysToExpiry", "Minimum", "LessThan", 14, "PT1H", "PT1H", true],
];

describe("metric alerts", () => {
  test.each(METRIC_ALERTS)("%s %s: %s / %s %s %s %s %s over %s every %s", (fleet, id, scope, ns, metric, agg, op, threshold, windowSize, frequency, custom) => {
    const { inputs, c } = metricAlert(fleet, id);
    const spec = ALARM_CATALOGUE.find((a) => a.id === id)!;
    expect(inputs["scopes"]).toEqual([scope]);
    expect([c.metricNamespace, c.metricName, c.timeAggregation, c.operator, c.threshold, c.criterionType]).toEqual([ns, metric, agg, op, threshold, "StaticThresholdCriterion"]);
    expect([inputs["windowSize"], inputs["evaluationFrequency"]]).toEqual([windowSize, frequency]);
    // Custom metrics only: a platform metric keeps its validation (a typo is refused at creation).
    expect(c.skipMetricValidation).toBe(custom ? true : undefined);
    expect(inputs["actions"]).toEqual([{ actionGroupId: groupId(fleet, spec.severity) }]);
    expect(inputs["severity"]).toBe({ P0: 0, P1: 1, P2: 2, P3: 3 }[spec.severity]);
    expect(inputs["enabled"]).toBe(true);
    expect(inputs["location"]).toBe("global");
  });

  test("every metric alert of both fleets is in the table above or is terminate's traffic anomaly (none unchecked)", () => {
    const declared = recorded.filter((r) => r.type === T.metric).map((r) => r.name).sort();
    const expected = [...METRIC_ALERTS.map(([f, id]) => `${f}-${ALARM_CATALOGUE.find((a) => a.id === id)!.severity.toLowerCase()}-${id}`), `${TERMINATE}-p3-traffic-anomaly`].sort();
    expect(declared).toEqual(expected);
  });

  test("every window and frequency is one Azure allows, window >= frequency, never shorter than the catalogue's window", () => {
    for (const r of recorded.filter((x) => x.type === T.metric)) {
      const w = r.inputs["windowSize"] as string;
      const f = r.inputs["evaluationFrequency"] as string;
      expect(METRIC_ALERT_WINDOWS).toContain(w);
      expect(METRIC_ALERT_FREQUENCIES).toContain(f);
      expect(isoMinutes(w)).toBeGreaterThanOrEqual(isoMinutes(f));
      const spec = ALARM_CATALOGUE.find((a) => r.name.endsWith(`-${a.id}`))!;
      // A dynamic threshold judges N bins of `windowSize` each; a static one, one window.
      const failing = (r.inputs["criteria"] as { allOf: Array<{ failingPeriods?: { numberOfEvaluationPeriods: number } }> }).allOf[0]!.failingPeriods;
      expect(isoMinutes(w) * 60 * (failing?.numberOfEvaluationPeriods ?? 1)).toBeGreaterThanOrEqual(spec.periodSeconds * spec.evaluationPeriods);
    }
  });
});

describe("traffic anomaly (terminate): a dynamic threshold on the gateway's requests", () => {
  test("TotalRequests (Total per 5 minutes) outside a Low-sensitivity band on either side, 3 of 3 bins, P3", () => {
    const r = alertOf(TERMINATE, "traffic-anomaly");
    expect(r.type).toBe(T.metric);
    expect(r.inputs["scopes"]).toEqual([AGW_ID]);
    expect([r.inputs["windowSize"], r.inputs["evaluationFrequency"], r.inputs["severity"], r.inputs["location"]]).toEqual(["PT5M", "PT5M", 3, "global"]);
    expect(r.inputs["criteria"]).toEqual({
      odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
      allOf: [{
        criterionType: "DynamicThresholdCriterion",
        name: "traffic-anomaly",
        metricNamespace: "Microsoft.Network/applicationGateways",
        metricName: "TotalRequests",
        timeAggregation: "Total",
        operator: "GreaterOrLessThan",
        alertSensitivity: "Low",
        failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 },
      }],
    });
    expect(r.inputs["actions"]).toEqual([{ actionGroupId: groupId(TERMINATE, "P3") }]);
  });

  test("sensitivity follows the band's width: 3 sigma or more is Low (widest), 2 Medium, less High", () => {
    expect([dynamicSensitivity(3), dynamicSensitivity(2), dynamicSensitivity(1.5)]).toEqual(["Low", "Medium", "High"]);
  });

  test("replayed against a model of the learned band (240-360 per 5 min): a stop and a tripling page after 3 bins, a 10-minute spike does not", () => {
    const rule = dynamicRuleFromInputs("traffic-anomaly", alertOf(TERMINATE, "traffic-anomaly").inputs);
    const band = () => ({ lower: 240, upper: 360 });
    const min = 60;
    // The gateway counts requests per minute; a quiet minute is a 0 (ASSUMPTION of the replay, see its header).
    expect(replayDynamic(rule, perMinute("gw", 0, 90 * min, (t) => (t <= 30 * min ? 60 : 0)), 0, 90 * min, band).firedAt).toBe(45 * min);
    expect(replayDynamic(rule, perMinute("gw", 0, 90 * min, (t) => (t <= 30 * min ? 60 : 180)), 0, 90 * min, band).firedAt).toBe(45 * min);
    expect(replayDynamic(rule, perMinute("gw", 0, 90 * min, (t) => (t > 30 * min && t <= 40 * min ? 180 : 60)), 0, 90 * min, band).firedAt).toBeUndefined();
    expect(replayDynamic(rule, perMinute("gw", 0, 90 * min, () => 60), 0, 90 * min, band).firedAt).toBeUndefined();
  });
});

describe("window mapping", () => {
  test.each([
    [60, 3, "PT5M", "PT1M"], // 3 min: no 3-minute window, the next one up
    [60, 2, "PT5M", "PT1M"],
    [60, 1, "PT1M", "PT1M"],
    [300, 1, "PT5M", "PT5M"],
    [300, 2, "PT15M", "PT5M"],
    [300, 3, "PT15M", "PT5M"],
    [300, 6, "PT30M", "PT5M"],
    [300, 12, "PT1H", "PT5M"],
    [3600, 1, "PT1H", "PT1H"],
    [3600, 6, "PT6H", "PT1H"],
    [900, 1, "PT15M", "PT15M"],
  ])("period %is x %i -> window %s, frequency %s", (periodSeconds, evaluationPeriods, windowSize, evaluationFrequency) => {
    expect(metricAlertTiming({ periodSeconds, evaluationPeriods })).toEqual({ windowSize, evaluationFrequency });
  });
  test("a window longer than a day is refused", () => {
    expect(() => metricAlertTiming({ periodSeconds: 3600, evaluationPeriods: 25 })).toThrow(/no metric alert window covers 1500 minutes/);
  });
});

// [id, query fragments, aggregation, column, operator, threshold, bin, periods]
const LOG_ALERTS: Array<[string, string[], string, string | undefined, string, number, string, number]> = [
  ["no-proofs", ['| where RequestUri startswith "/prove"', "countif(HttpStatus between (200 .. 299)) by bin(TimeGenerated, 5m)", "where requests > 0 and proofs == 0"], "Count", undefined, "GreaterThan", 0, "PT5M", 1],
  ["error-rate-high", ["serverError = iff(HttpStatus >= 500, 100.0, 0.0)"], "Average", "serverError", "GreaterThan", 1, "PT5M", 3],
  ["error-rate-elevated", ["serverError = iff(HttpStatus >= 500, 100.0, 0.0)"], "Average", "serverError", "GreaterThan", 0.5, "PT5M", 3],
  ["latency-p95-high", ['| where RequestUri startswith "/prove"', "percentile(TimeTaken, 95) by bin(TimeGenerated, 5m)"], "Maximum", "p95Seconds", "GreaterThan", 60, "PT5M", 3],
  ["latency-p95-elevated", ['| where RequestUri startswith "/prove"', "percentile(TimeTaken, 95) by bin(TimeGenerated, 5m)"], "Maximum", "p95Seconds", "GreaterThan", 45, "PT5M", 3],
];

describe("log alerts (terminate: the gateway's access log)", () => {
  test.each(LOG_ALERTS)("%s", (id, fragments, aggregation, column, operator, threshold, bin, periods) => {
    const r = alertOf(TERMINATE, id);
    expect(r.type).toBe(T.log);
    const spec = ALARM_CATALOGUE.find((a) => a.id === id)!;
    const workspace = ofFleet(T.workspace, TERMINATE)[0]!;
    expect(r.inputs["kind"]).toBe("LogAlert");
    expect(r.inputs["scopes"]).toEqual([`${RG_SCOPE}/providers/Microsoft.OperationalInsights/Workspace/${workspace.name}`]);
    expect([r.inputs["windowSize"], r.inputs["evaluationFrequency"]]).toEqual([bin, bin]);
    expect(r.inputs["actions"]).toEqual({ actionGroups: [groupId(TERMINATE, spec.severity)] });
    const [c] = (r.inputs["criteria"] as { allOf: Array<Record<string, unknown>> }).allOf;
    expect(c!["query"]).toContain(`AGWAccessLogs\n| where _ResourceId =~ "${AGW_ID}"`);
    for (const f of fragments) expect(c!["query"]).toContain(f);
    expect([c!["timeAggregation"], c!["metricMeasureColumn"], c!["operator"], c!["threshold"]]).toEqual([aggregation, column, operator, threshold]);
    expect(c!["failingPeriods"]).toEqual({ numberOfEvaluationPeriods: periods, minFailingPeriodsToAlert: periods });
  });

  test("the operator is the service's GreaterThan/LessThan, not the provider enum's eq/gt", () => {
    for (const r of recorded.filter((x) => x.type === T.log)) {
      const [c] = (r.inputs["criteria"] as { allOf: Array<{ operator: string }> }).allOf;
      expect(["GreaterThan", "LessThan"]).toContain(c!.operator);
    }
  });

  test("the passthrough fleet has no log alert: its load balancer writes no access log (and it was given no vault)", () => {
    expect(ofFleet(T.log, PASSTHROUGH)).toEqual([]);
    expect(ofFleet(T.log, TERMINATE).map((r) => r.name).sort()).toEqual([
      ...LOG_ALERTS.map(([id]) => `${TERMINATE}-${ALARM_CATALOGUE.find((a) => a.id === id)!.severity.toLowerCase()}-${id}`),
      `${TERMINATE}-p0-attestation-enforcement-changed-keyvault`,
    ].sort());
  });
});

describe("Activity Log alerts (tamper detection), both fleets", () => {
  test.each([
    ["attestation-enforcement-changed", "P0", ATTESTATION_ENFORCEMENT_OPERATIONS],
    ["host-role-changed", "P0", HOST_ROLE_OPERATIONS],
    ["network-rules-changed", "P3", NETWORK_RULE_OPERATIONS],
  ] as const)("%s (%s)", (id, severity, operations) => {
    for (const fleet of [TERMINATE, PASSTHROUGH]) {
      const r = alertOf(fleet, id);
      expect(r.type).toBe(T.activity);
      expect(r.inputs["scopes"]).toEqual([RG_SCOPE]);
      expect(r.inputs["location"]).toBe("Global");
      expect(r.inputs["condition"]).toEqual({
        allOf: [{ field: "category", equals: "Administrative" }, { anyOf: operations.map((op) => ({ field: "operationName", equals: op })) }],
      });
      expect(r.inputs["actions"]).toEqual({ actionGroups: [{ actionGroupId: groupId(fleet, severity) }] });
    }
  });

  test("what each list covers", () => {
    expect(ATTESTATION_ENFORCEMENT_OPERATIONS).toEqual(expect.arrayContaining(["Microsoft.KeyVault/vaults/accessPolicies/write", "Microsoft.KeyVault/vaults/keys/write", "Microsoft.Authorization/roleAssignments/write"]));
    expect(HOST_ROLE_OPERATIONS).toEqual(expect.arrayContaining(["Microsoft.ManagedIdentity/userAssignedIdentities/write", "Microsoft.Compute/virtualMachines/runCommand/action"]));
    expect(NETWORK_RULE_OPERATIONS).toEqual(expect.arrayContaining(["Microsoft.Network/networkSecurityGroups/securityRules/write"]));
  });

  test("the resource group scope comes from the scale set id; a malformed id is refused", () => {
    expect(resourceGroupScope(VMSS_ID("x"))).toBe(RG_SCOPE);
    expect(resourceGroupScope(`${RG_SCOPE}`)).toBe(RG_SCOPE);
    expect(() => resourceGroupScope("vmss-1")).toThrow(/not an Azure resource id/);
  });
});

describe("Key Vault data-plane key changes (keyVaultId given)", () => {
  test("the vault's AuditEvent log goes to the workspace, in its own table", () => {
    const diag = ofFleet(T.diag, TERMINATE).find((d) => d.name === `${TERMINATE}-diag-keyvault`)!;
    expect([diag.inputs["resourceUri"], diag.inputs["logAnalyticsDestinationType"], diag.inputs["logs"], diag.inputs["metrics"]]).toEqual([VAULT_ID, "Dedicated", [{ category: "AuditEvent", enabled: true }], undefined]);
    expect(ofFleet(T.diag, PASSTHROUGH).some((d) => d.name.endsWith("-keyvault"))).toBe(false);
  });
  test("a P0 log alert fires on any key create, import, update, delete, purge, restore or recover", () => {
    const r = recorded.find((x) => x.name === `${TERMINATE}-p0-attestation-enforcement-changed-keyvault`)!;
    expect(r.type).toBe(T.log);
    const [c] = (r.inputs["criteria"] as { allOf: Array<Record<string, unknown>> }).allOf;
    expect(c!["query"]).toBe(`AZKVAuditLogs\n| where _ResourceId =~ "${VAULT_ID}"\n| where OperationName in ("KeyCreate", "KeyImport", "KeyUpdate", "KeyDelete", "KeyPurge", "KeyRestore", "KeyRecover")`);
    expect([c!["timeAggregation"], c!["operator"], c!["threshold"], c!["failingPeriods"]]).toEqual(["Count", "GreaterThan", 0, { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }]);
    expect([r.inputs["severity"], r.inputs["windowSize"], r.inputs["evaluationFrequency"], r.inputs["actions"]]).toEqual([0, "PT5M", "PT5M", { actionGroups: [groupId(TERMINATE, "P0")] }]);
  });
});

describe("every catalogue id is accounted for, per mode", () => {
  test("terminate: alert or unobservable, never both, never neither", () => {
    expect(summaries[TERMINATE]!.unobservable).toEqual([
      ["attestation-failures", AZURE_ATTESTATION_REASON],
      ["tee-down", TEE_DOWN_REASON],
      ["tls-cert-expiring", TLS_TERMINATE_REASON],
    ]);
    checkAccounted(TERMINATE);
  });
  test("passthrough: the L4 blind spots", () => {
    expect(summaries[PASSTHROUGH]!.unobservable).toEqual([
      ["attestation-failures", AZURE_ATTESTATION_REASON],
      ["no-proofs", NO_PROOF_COUNTER],
      ["tee-down", TEE_DOWN_REASON],
      ["error-rate-high", L4_BLIND],
      ["latency-p95-high", L4_BLIND],
      ["error-rate-elevated", L4_BLIND],
      ["latency-p95-elevated", L4_BLIND],
      ["traffic-anomaly", NO_REQUEST_METRIC],
    ]);
    checkAccounted(PASSTHROUGH);
  });
  function checkAccounted(fleet: string) {
    const unobservable = new Set(summaries[fleet]!.unobservable.map(([id]) => id));
    for (const spec of ALARM_CATALOGUE) {
      const alerts = recorded.filter((r) => [T.metric, T.log, T.activity].includes(r.type as never) && r.name === `${fleet}-${spec.severity.toLowerCase()}-${spec.id}`);
      expect(alerts.length + (unobservable.has(spec.id) ? 1 : 0), spec.id).toBe(1);
    }
  }
});

describe("action groups", () => {
  test("one per severity, short names within 12 characters for the 28-character fleet names, distinct per severity", () => {
    for (const fleet of [TERMINATE, PASSTHROUGH]) {
      const groups = ofFleet(T.group, fleet);
      expect(groups.map((g) => g.name)).toEqual(SEVERITIES.map((s) => `${fleet}-${s.toLowerCase()}`));
      const shorts = groups.map((g) => g.inputs["groupShortName"] as string);
      for (const s of shorts) expect(s.length).toBeLessThanOrEqual(ACTION_GROUP_SHORT_NAME_MAX);
      expect(new Set(shorts).size).toBe(4);
      expect(groups.every((g) => g.inputs["location"] === "Global" && g.inputs["enabled"] === true)).toBe(true);
    }
    expect(actionGroupShortName(TERMINATE, "P0")).toBe("prover-te-p0");
    // A name whose cut ends on a hyphen loses it; a name of symbols only still gets a name.
    expect(actionGroupShortName("prover-x-yyyy", "P3")).toBe("prover-x-p3");
    expect(actionGroupShortName("___", "P1")).toBe("tp-p1");
  });

  test("receivers: e-mail and webhook with the common alert schema; the webhook URL is a secret", () => {
    const p0 = ofFleet(T.group, TERMINATE)[0]!;
    expect(p0.inputs["emailReceivers"]).toEqual([
      { name: "email-0", emailAddress: "oncall@example.com", useCommonAlertSchema: true },
      { name: "email-1", emailAddress: "lead@example.com", useCommonAlertSchema: true },
    ]);
    // The engine receives the receivers as a secret (Pulumi's secret signature wraps the value): encrypted in state.
    expect(p0.inputs["webhookReceivers"]).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: [{ name: "webhook-0", serviceUri: WEBHOOK, useCommonAlertSchema: true }] });
    expect(summaries[TERMINATE]!.webhookSecret).toBe(true);
    // No webhook, no secret: the P1 group's receivers are plain.
    expect(ofFleet(T.group, TERMINATE)[1]!.inputs["webhookReceivers"]).toEqual([]);
    const p2 = ofFleet(T.group, TERMINATE)[2]!;
    expect([p2.inputs["emailReceivers"], p2.inputs["webhookReceivers"]]).toEqual([[], []]);
  });
});

describe("workspace and diagnostic settings", () => {
  test("retention per fleet: given (90) or the default (30); out of range refused", () => {
    expect(ofFleet(T.workspace, TERMINATE).map((w) => [w.inputs["retentionInDays"], w.inputs["sku"]])).toEqual([[90, { name: "PerGB2018" }]]);
    expect(ofFleet(T.workspace, PASSTHROUGH).map((w) => w.inputs["retentionInDays"])).toEqual([30]);
    expect(() => checkLogRetention(7)).toThrow(/logRetentionDays must be an integer from 30 to 730, got 7/);
    expect(() => checkLogRetention(731)).toThrow(/got 731/);
  });

  test("the gateway / load balancer sends all logs (to their own tables) and metrics; the scale set its metrics", () => {
    for (const [fleet, lb, kind] of [[TERMINATE, AGW_ID, "gateway"], [PASSTHROUGH, LB_ID, "lb"]] as const) {
      const diags = ofFleet(T.diag, fleet).filter((d) => !d.name.endsWith("-diag-keyvault"));
      const workspaceId = `${RG_SCOPE}/providers/Microsoft.OperationalInsights/Workspace/${fleet}-logs`;
      expect(diags.map((d) => [d.name, d.inputs["resourceUri"], d.inputs["workspaceId"], d.inputs["logAnalyticsDestinationType"], d.inputs["logs"], d.inputs["metrics"]])).toEqual([
        [`${fleet}-diag-${kind}`, lb, workspaceId, "Dedicated", [{ categoryGroup: "allLogs", enabled: true }], [{ category: "AllMetrics", enabled: true }]],
        [`${fleet}-diag-vmss`, VMSS_ID(fleet), workspaceId, undefined, undefined, [{ category: "AllMetrics", enabled: true }]],
      ]);
    }
  });
});

describe("no-healthy-host replayed (test/helpers/azure-metric-alert-replay.ts)", () => {
  const minute = 60;
  const declared = (fleet: string) => ruleFromInputs("no-healthy-host", alertOf(fleet, "no-healthy-host").inputs);
  // Passthrough: Standard LB DipAvailability, one series per backend: the percentage of its
  // health probes that succeeded in the minute. A booting instance is in the backend pool from its
  // creation and fails its probes until the server listens (here 4 minutes of 0), then 100.
  const backend = (name: string, from: number, to: number, bootMinutes: number, healthyUntil = Infinity): Sample[] =>
    perMinute(name, from, to, (t) => (t >= from + bootMinutes * minute && t < healthyUntil ? 100 : 0));
  // Terminate: Application Gateway HealthyHostCount, one value per minute for the pool.
  const pool = (to: number, healthy: (t: number) => number): Sample[] => perMinute("pool", 0, to, healthy);

  test("passthrough: a surge boot next to a healthy host never fires; the old host then leaves", () => {
    const samples = [...backend("old", 0, 30 * minute, 0), ...backend("new", 10 * minute, 60 * minute, 4)];
    expect(replay(declared(PASSTHROUGH), samples, 0, 60 * minute).firedAt).toBeUndefined();
  });

  test("passthrough: the only host dies at minute 15 and stays in the pool: fires 5 minutes later (window PT5M, Maximum < 1)", () => {
    const samples = backend("only", 0, 40 * minute, 0, 15 * minute);
    expect(replay(declared(PASSTHROUGH), samples, 0, 40 * minute).firedAt).toBe(19 * minute);
  });

  test("passthrough: a single-instance fleet's FIRST boot fires (known limit: nothing healthy yet, and a partial window counts)", () => {
    const samples = backend("first", 0, 20 * minute, 4);
    expect(replay(declared(PASSTHROUGH), samples, 0, 20 * minute).firedAt).toBe(0);
  });

  test("passthrough: a host passing its probes one minute in five never fires (one healthy sample per window is enough)", () => {
    const flapping = perMinute("flap", 0, 31 * minute, (t) => (t % (5 * minute) === 0 ? 100 : 0));
    expect(replay(declared(PASSTHROUGH), flapping, 0, 30 * minute).firedAt).toBeUndefined();
  });

  test("terminate: a boot behind the gateway (1 healthy, then 2) never fires; a dead pool fires after 5 minutes", () => {
    const rule = declared(TERMINATE);
    expect(replay(rule, pool(60 * minute, (t) => (t >= 10 * minute && t < 14 * minute ? 1 : t >= 14 * minute ? 2 : 1)), minute, 60 * minute).firedAt).toBeUndefined();
    expect(replay(rule, pool(40 * minute, (t) => (t < 15 * minute ? 1 : 0)), minute, 40 * minute).firedAt).toBe(19 * minute);
  });
});
