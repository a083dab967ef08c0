import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import type * as consumption from "@pulumi/azure-native/consumption";
import type { AlarmSubscriptions, BudgetSettings } from "../../src/config/types";
import { fleetBudget } from "./budget";
import type { HostAgentMetricName } from "../../src/bootstrap/host-agent-metrics";
import { PROVE_PATH, type IngressMode } from "../../src/ingress/model";
import { ALARM_CATALOGUE, mapCatalogue, SEVERITIES, type AlarmSpec, type Severity, type Signal, type UnobservableAlarm } from "../../src/monitoring/catalogue";

/**
 * Azure Monitor for a confidential-VM fleet: the cloud-neutral alarm catalogue mapped onto Azure
 * platform metrics, the host agent's custom metrics, Application Gateway access logs and the
 * Activity Log, per ingress mode, or reported as not observable (never faked). Every Azure behaviour
 * relied on here, with its source, is in docs/azure-monitoring.md.
 */

export interface AzureMonitoringInputs {
  /** Resource group of the workspace, action groups and alert rules. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the workspace and the log alerts (metric, Activity Log alerts and action groups are global). */
  readonly location: string;
  /** Ingress mode: what the load balancer can see (docs/azure-monitoring.md). */
  readonly mode: IngressMode;
  /** The scale set's id; the host agent posts its custom metrics against this resource. */
  readonly scaleSetId: pulumi.Input<string>;
  /** passthrough: the Standard Load Balancer's id; terminate: the Application Gateway's id. */
  readonly loadBalancerId: pulumi.Input<string>;
  /** The host agent's custom metrics namespace. */
  readonly metricNamespace: string;
  /** Subscribers per severity: one action group each. */
  readonly alarms: Readonly<Record<Severity, AlarmSubscriptions>>;
  /** The proof server's job timeout, seconds (part of the shared contract; no alert reads it today). */
  readonly jobTimeoutSeconds: number;
  /** Tags on every resource that takes them. */
  readonly tags: Record<string, string>;
  /** Log Analytics retention in days (30-730); default {@link DEFAULT_LOG_RETENTION_DAYS}. Optional extension of the AZURE.md contract. */
  readonly logRetentionDays?: number;
  /** prod: the workspace is Pulumi-protected and kept when the stack is destroyed (the audit trail outlives the fleet). */
  readonly retainLogs?: boolean;
  /**
   * The attestation-gated Key Vault's id. When given, its AuditEvent log goes to the workspace and a
   * P0 log alert watches key changes made through the vault's data plane (a changed release policy
   * among them), which the Activity Log does not carry. Optional extension of the AZURE.md contract.
   */
  readonly keyVaultId?: pulumi.Input<string>;
  /** The monthly cost budget (docs/budgets.md): at `resourceGroupId`'s scope, notifying the action groups. */
  readonly budget?: { readonly settings: BudgetSettings; readonly resourceGroupId: pulumi.Input<string> };
}

export interface AzureMonitoring {
  readonly workspace: operationalinsights.Workspace;
  readonly actionGroups: Record<Severity, monitor.ActionGroup>;
  readonly unobservable: UnobservableAlarm[];
  readonly budget?: consumption.Budget;
}

/** Workspace retention default: the 30 days PerGB2018 includes without charge. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;
/** `retentionInDays` range of a PerGB2018 workspace. */
export const LOG_RETENTION_RANGE = { min: 30, max: 730 } as const;
/** Action group `groupShortName` limit (ARM: maxLength 12). */
export const ACTION_GROUP_SHORT_NAME_MAX = 12;

/** Allowed `evaluationFrequency` values of a metric alert. */
export const METRIC_ALERT_FREQUENCIES = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"] as const;
/** Allowed `windowSize` values of a metric alert. */
export const METRIC_ALERT_WINDOWS = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT24H"] as const;
export type MetricAlertFrequency = (typeof METRIC_ALERT_FREQUENCIES)[number];
export type MetricAlertWindow = (typeof METRIC_ALERT_WINDOWS)[number];

export function isoMinutes(duration: string): number {
  const m = /^PT(\d+)([MH])$/.exec(duration);
  if (!m) throw new Error(`not a PTnM/PTnH duration: ${duration}`);
  return Number(m[1]) * (m[2] === "H" ? 60 : 1);
}

/**
 * Window and frequency of one catalogue entry. A static-threshold metric alert judges ONE window
 * (no "N of M periods"), so the window is the catalogue's whole window (period x evaluation periods),
 * rounded UP to the next allowed size: the alert never fires sooner than the catalogue says. The
 * frequency is the catalogue's period, rounded down to an allowed one and never above the window.
 */
export function metricAlertTiming(spec: Pick<AlarmSpec, "periodSeconds" | "evaluationPeriods">): { windowSize: MetricAlertWindow; evaluationFrequency: MetricAlertFrequency } {
  const windowMinutes = (spec.periodSeconds * spec.evaluationPeriods) / 60;
  const windowSize = METRIC_ALERT_WINDOWS.find((w) => isoMinutes(w) >= windowMinutes);
  if (!windowSize) throw new Error(`no metric alert window covers ${windowMinutes} minutes`);
  const periodMinutes = spec.periodSeconds / 60;
  const fitting = METRIC_ALERT_FREQUENCIES.filter((f) => isoMinutes(f) <= Math.max(1, periodMinutes) && isoMinutes(f) <= isoMinutes(windowSize));
  const evaluationFrequency = fitting[fitting.length - 1] ?? "PT1M";
  return { windowSize, evaluationFrequency };
}

/** Azure alert severity: 0 Critical, 1 Error, 2 Warning, 3 Informational. */
export const AZURE_SEVERITY: Readonly<Record<Severity, 0 | 1 | 2 | 3>> = { P0: 0, P1: 1, P2: 2, P3: 3 };

/** How the catalogue's threshold maps onto the metric's unit. */
export type ThresholdUnit = "as-is" | "percent-to-fraction" | "used-percent-to-available-percent";

export type AzureAggregation = "Average" | "Minimum" | "Maximum" | "Total" | "Count";

/** Where an alarm's number comes from on Azure, for one ingress mode. */
export type AzureAlarmSource =
  | {
      readonly kind: "metric";
      /** The resource the metric belongs to (the alert's scope). */
      readonly target: "scaleSet" | "loadBalancer";
      readonly metricNamespace: string;
      readonly metricName: string;
      readonly timeAggregation: AzureAggregation;
      /** Whether the alert compares against the catalogue's direction, or its mirror (available vs used memory). */
      readonly operator: "GreaterThan" | "LessThan";
      readonly unit: ThresholdUnit;
      /** Custom metrics: absent until first written, so metric validation must be skipped. */
      readonly custom: boolean;
    }
  | {
      /**
       * A dynamic threshold: Azure Monitor learns the metric's band from its history and fires when
       * the value leaves it (docs/alarms.md, "Traffic anomalies").
       */
      readonly kind: "dynamic";
      readonly target: "loadBalancer";
      readonly metricNamespace: string;
      readonly metricName: string;
      readonly timeAggregation: AzureAggregation;
    }
  | {
      /** A Log Analytics query over the workspace, evaluated per `windowSize` bin. */
      readonly kind: "log";
      readonly query: (resourceId: string) => string;
      readonly timeAggregation: AzureAggregation;
      /** The column aggregated per bin; absent: the number of rows. */
      readonly metricMeasureColumn?: string;
    }
  | {
      /** Activity Log administrative events on the resource group, matched by operation name. */
      readonly kind: "activity";
      readonly operationNames: readonly string[];
    }
  | { readonly kind: "unobservable"; readonly reason: string };

export const PLATFORM_NAMESPACE = {
  scaleSet: "Microsoft.Compute/virtualMachineScaleSets",
  loadBalancer: "Microsoft.Network/loadBalancers",
  applicationGateway: "Microsoft.Network/applicationGateways",
} as const;

export const L4_BLIND =
  "passthrough: TLS ends inside the confidential VM, so the Standard Load Balancer forwards TCP only (its metrics are probe health, data path availability, bytes, packets and SNAT); nobody outside the TEE sees HTTP status codes or per-request latency";
/** Why passthrough has no traffic-anomaly alert (docs/alarms.md, "Traffic anomalies"). */
export const NO_REQUEST_METRIC =
  "passthrough: the Standard Load Balancer counts packets, bytes and SYNs, not requests; a client may send many proofs over one kept-alive connection or open one per proof, so a band on connections would follow client behaviour, not the request pattern";

/**
 * The catalogue's band width (standard deviations) as a dynamic threshold's sensitivity: High is
 * the tightest band, Low the widest (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-dynamic-thresholds).
 */
export function dynamicSensitivity(width: number): "Low" | "Medium" | "High" {
  return width >= 3 ? "Low" : width >= 2 ? "Medium" : "High";
}

export const NO_PROOF_COUNTER = `${L4_BLIND}; the server exposes no completed-proof counter outside the TEE`;
/** Why tee-down has no Azure alert: see docs/azure-monitoring.md. */
export const TEE_DOWN_REASON =
  "Azure metric alerts have no setting that treats missing data as breaching, and a stopped or deleted confidential VM is exactly a VM that stops sending; the platform's VM availability metric is documented for single virtual machines, not for scale sets, and a per-VM alert would page for every instance a rolling upgrade or automatic repair replaces. VMs that run but do not serve page as no-healthy-host (passthrough: while they stay in the backend pool; terminate: the gateway's pool count)";
export const TLS_TERMINATE_REASON =
  "terminate: the Application Gateway publishes no certificate-expiry metric; its listener certificate is a Key Vault certificate that Key Vault renews by its lifetime action and announces near expiry through Event Grid (Microsoft.KeyVault.CertificateNearExpiry), not through a metric this module can alert on";

/** Host agent metrics the Azure alerts read (posted against the scale set, namespace inputs.metricNamespace). */
export const AZURE_AGENT_METRICS = ["JobsPending", "TlsCertDaysToExpiry"] as const satisfies readonly HostAgentMetricName[];
/** Why attestation-failures has no Azure alert: see docs/azure-monitoring.md ("The host agent"). */
export const AZURE_ATTESTATION_REASON =
  "Azure: nothing checks attestation per request. The proof server's /attestation produces an AWS Nitro document, which a confidential VM cannot; a confidential VM proves itself through its vTPM to Microsoft Azure Attestation, which takes Microsoft's guest attestation client (not in the Ubuntu archive), and a check the VM ran on itself would be reported by the very guest it judges. Attestation is enforced where it counts, by the key's release policy when the VM asks Key Vault for its key; the host agent publishes no AttestationFailures";

function agent(metricName: (typeof AZURE_AGENT_METRICS)[number], namespace: string, timeAggregation: AzureAggregation, operator: "GreaterThan" | "LessThan", unit: ThresholdUnit = "as-is"): AzureAlarmSource {
  return { kind: "metric", target: "scaleSet", metricNamespace: namespace, metricName, timeAggregation, operator, unit, custom: true };
}

function kql(value: string): string {
  return JSON.stringify(value);
}

/** Application Gateway access log rows of this gateway (resource-specific table; docs/azure-monitoring.md). */
function accessLog(resourceId: string, proveOnly: boolean): string {
  return [
    "AGWAccessLogs",
    `| where _ResourceId =~ ${kql(resourceId)}`,
    ...(proveOnly ? [`| where RequestUri startswith ${kql(PROVE_PATH)}`] : []),
  ].join("\n");
}

/** Activity Log operations that change what decides who may release the key. */
export const ATTESTATION_ENFORCEMENT_OPERATIONS = [
  "Microsoft.KeyVault/vaults/write",
  "Microsoft.KeyVault/vaults/delete",
  "Microsoft.KeyVault/vaults/accessPolicies/write",
  "Microsoft.KeyVault/vaults/keys/write",
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleAssignments/delete",
] as const;
/**
 * The host's identity and who can run code as root in the guest (inside the trust boundary on Azure:
 * the attestation proves the VM and its boot, not what runs later).
 */
export const HOST_ROLE_OPERATIONS = [
  "Microsoft.ManagedIdentity/userAssignedIdentities/write",
  "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
  "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
  "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
  "Microsoft.Compute/virtualMachines/runCommand/action",
  "Microsoft.Compute/virtualMachines/runCommands/write",
] as const;
/**
 * Key Vault data-plane operations (AuditEvent `OperationName`) that change a key or its release
 * policy: https://learn.microsoft.com/azure/key-vault/general/logging. Not in the Activity Log.
 */
export const KEY_VAULT_KEY_OPERATIONS = ["KeyCreate", "KeyImport", "KeyUpdate", "KeyDelete", "KeyPurge", "KeyRestore", "KeyRecover"] as const;

/** Query of the vault's key changes (AZKVAuditLogs: the AuditEvent category in its own table). */
export function keyVaultChangeQuery(vaultId: string): string {
  return [
    "AZKVAuditLogs",
    `| where _ResourceId =~ ${kql(vaultId)}`,
    `| where OperationName in (${KEY_VAULT_KEY_OPERATIONS.map(kql).join(", ")})`,
  ].join("\n");
}

export const NETWORK_RULE_OPERATIONS = [
  "Microsoft.Network/networkSecurityGroups/write",
  "Microsoft.Network/networkSecurityGroups/delete",
  "Microsoft.Network/networkSecurityGroups/securityRules/write",
  "Microsoft.Network/networkSecurityGroups/securityRules/delete",
] as const;

/** Map a catalogue signal onto a real Azure Monitor source for the ingress mode, or say why none exists. */
export function azureAlarmSource(signal: Signal, mode: IngressMode, metricNamespace: string): AzureAlarmSource {
  const terminate = mode === "terminate";
  switch (signal) {
    case "healthy-hosts":
      // Maximum over the window below 1: not one healthy sample in the whole window (the catalogue's
      // "every period breaching"), so a host booting next to a healthy one never pages.
      return terminate
        ? { kind: "metric", target: "loadBalancer", metricNamespace: PLATFORM_NAMESPACE.applicationGateway, metricName: "HealthyHostCount", timeAggregation: "Maximum", operator: "LessThan", unit: "as-is", custom: false }
        : // Health probe status, percent of successful probes per backend: 0 for every backend = no healthy host.
          { kind: "metric", target: "loadBalancer", metricNamespace: PLATFORM_NAMESPACE.loadBalancer, metricName: "DipAvailability", timeAggregation: "Maximum", operator: "LessThan", unit: "as-is", custom: false };
    case "attestation-failure-percent":
      return { kind: "unobservable", reason: AZURE_ATTESTATION_REASON };
    case "proofs-while-requests":
      if (!terminate) return { kind: "unobservable", reason: NO_PROOF_COUNTER };
      return {
        kind: "log",
        // Binned by time like the other log alerts: a row per 5 minutes with requests and no 2xx.
        query: (id) => `${accessLog(id, true)}\n| summarize requests = count(), proofs = countif(HttpStatus between (200 .. 299)) by bin(TimeGenerated, 5m)\n| where requests > 0 and proofs == 0`,
        timeAggregation: "Count",
      };
    case "tee-running":
      return { kind: "unobservable", reason: TEE_DOWN_REASON };
    case "http-5xx-percent":
      if (!terminate) return { kind: "unobservable", reason: L4_BLIND };
      // One row per request worth 100 or 0: the bin's average is the 5xx percentage, gateway errors included.
      return { kind: "log", query: (id) => `${accessLog(id, false)}\n| project TimeGenerated, serverError = iff(HttpStatus >= 500, 100.0, 0.0)`, timeAggregation: "Average", metricMeasureColumn: "serverError" };
    case "proof-latency-p95-seconds":
      if (!terminate) return { kind: "unobservable", reason: L4_BLIND };
      // Metric alerts have no percentiles: the 95th percentile of /prove TimeTaken (seconds) per 5-minute bin.
      return {
        kind: "log",
        query: (id) => `${accessLog(id, true)}\n| summarize p95Seconds = percentile(TimeTaken, 95) by bin(TimeGenerated, 5m)`,
        timeAggregation: "Maximum",
        metricMeasureColumn: "p95Seconds",
      };
    case "cpu-percent":
      return { kind: "metric", target: "scaleSet", metricNamespace: PLATFORM_NAMESPACE.scaleSet, metricName: "Percentage CPU", timeAggregation: "Average", operator: "GreaterThan", unit: "as-is", custom: false };
    case "memory-percent":
      // Used above 95 % on any VM at any minute = available below 5 % (lowest sample of the window).
      return { kind: "metric", target: "scaleSet", metricNamespace: PLATFORM_NAMESPACE.scaleSet, metricName: "Available Memory Percentage", timeAggregation: "Minimum", operator: "LessThan", unit: "used-percent-to-available-percent", custom: false };
    case "queue-depth":
      return agent("JobsPending", metricNamespace, "Maximum", "GreaterThan");
    case "tls-cert-days-left":
      if (terminate) return { kind: "unobservable", reason: TLS_TERMINATE_REASON };
      // passthrough: the certificate lives in the TEE; the agent reads it from the TLS handshake.
      return agent("TlsCertDaysToExpiry", metricNamespace, "Minimum", "LessThan");
    case "request-count-anomaly":
      if (!terminate) return { kind: "unobservable", reason: NO_REQUEST_METRIC };
      // Requests the gateway served per period, summed.
      return { kind: "dynamic", target: "loadBalancer", metricNamespace: PLATFORM_NAMESPACE.applicationGateway, metricName: "TotalRequests", timeAggregation: "Total" };
    case "attestation-enforcement-change":
      return { kind: "activity", operationNames: ATTESTATION_ENFORCEMENT_OPERATIONS };
    case "host-role-change":
      return { kind: "activity", operationNames: HOST_ROLE_OPERATIONS };
    case "network-rule-change":
      return { kind: "activity", operationNames: NETWORK_RULE_OPERATIONS };
  }
}

export function thresholdValue(spec: Pick<AlarmSpec, "threshold">, unit: ThresholdUnit): number {
  switch (unit) {
    case "as-is":
      return spec.threshold;
    case "percent-to-fraction":
      return spec.threshold / 100;
    case "used-percent-to-available-percent":
      return 100 - spec.threshold;
  }
}

/** `<fleet>-p0`, within 12 characters: the sender name of SMS and the subject of e-mails. */
export function actionGroupShortName(name: string, severity: Severity): string {
  const suffix = `-${severity.toLowerCase()}`;
  const head = name.replace(/[^A-Za-z0-9-]/g, "").slice(0, ACTION_GROUP_SHORT_NAME_MAX - suffix.length).replace(/-+$/, "");
  return `${head || "tp"}${suffix}`;
}

/** `/subscriptions/<s>/resourceGroups/<rg>` of a resource id (the Activity Log alerts' scope). */
export function resourceGroupScope(resourceId: string): string {
  const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)(\/|$)/i.exec(resourceId);
  if (!m?.[1]) throw new Error(`not an Azure resource id: ${resourceId}`);
  return m[1];
}

export function checkLogRetention(days: number): number {
  if (!Number.isInteger(days) || days < LOG_RETENTION_RANGE.min || days > LOG_RETENTION_RANGE.max) {
    throw new Error(`logRetentionDays must be an integer from ${LOG_RETENTION_RANGE.min} to ${LOG_RETENTION_RANGE.max}, got ${days}`);
  }
  return days;
}

/** Workspace, diagnostic settings, one action group per severity and the catalogue as alerts. */
export function azureMonitoring(name: string, inputs: AzureMonitoringInputs, parent: pulumi.Resource): AzureMonitoring {
  const retentionInDays = checkLogRetention(inputs.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS);
  const opts = { parent };
  const rg = inputs.resourceGroupName;
  const tags = inputs.tags;

  const workspace = new operationalinsights.Workspace(`${name}-logs`, {
    resourceGroupName: rg,
    location: inputs.location,
    sku: { name: "PerGB2018" },
    retentionInDays,
    tags,
  }, { ...opts, ...(inputs.retainLogs ? { protect: true, retainOnDelete: true } : {}) });

  // Resource logs and platform metrics into the workspace. The gateway's logs go to their own
  // tables (AGWAccessLogs ...: "Dedicated"), which the log alerts query. A scale set has metrics
  // only (no resource log categories); the Standard Load Balancer has LoadBalancerHealthEvent.
  const gatewayOrLb = inputs.mode === "terminate" ? "gateway" : "lb";
  new monitor.DiagnosticSetting(`${name}-diag-${gatewayOrLb}`, {
    resourceUri: inputs.loadBalancerId,
    workspaceId: workspace.id,
    logAnalyticsDestinationType: "Dedicated",
    logs: [{ categoryGroup: "allLogs", enabled: true }],
    metrics: [{ category: "AllMetrics", enabled: true }],
  }, opts);
  new monitor.DiagnosticSetting(`${name}-diag-vmss`, {
    resourceUri: inputs.scaleSetId,
    workspaceId: workspace.id,
    metrics: [{ category: "AllMetrics", enabled: true }],
  }, opts);

  const actionGroups = {} as Record<Severity, monitor.ActionGroup>;
  for (const severity of SEVERITIES) {
    const subs = inputs.alarms[severity];
    actionGroups[severity] = new monitor.ActionGroup(`${name}-${severity.toLowerCase()}`, {
      resourceGroupName: rg,
      // Action groups are global resources.
      location: "Global",
      enabled: true,
      groupShortName: actionGroupShortName(name, severity),
      emailReceivers: subs.emails.map((emailAddress, i) => ({ name: `email-${i}`, emailAddress, useCommonAlertSchema: true })),
      // Webhook URLs usually embed a token: kept encrypted in state.
      webhookReceivers: subs.httpsEndpoints.map((endpoint, i) => ({ name: `webhook-${i}`, serviceUri: pulumi.secret(endpoint), useCommonAlertSchema: true })),
      tags: { ...tags, Severity: severity },
    }, opts);
  }

  const rgScope = pulumi.output(inputs.scaleSetId).apply(resourceGroupScope);
  const { observable, unobservable } = mapCatalogue((signal) => azureAlarmSource(signal, inputs.mode, inputs.metricNamespace));
  for (const { spec, source } of observable) {
    const logical = `${name}-${spec.severity.toLowerCase()}-${spec.id}`;
    const description = `[${spec.severity}] ${spec.description} (${name})`;
    const actionGroupId = actionGroups[spec.severity].id;
    const alertTags = { ...tags, Severity: spec.severity, Alarm: spec.id };
    // What every catalogue metric alert shares: where it lives, its severity, whom it notifies.
    const metricAlert = (alert: Pick<monitor.MetricAlertArgs, "evaluationFrequency" | "windowSize" | "criteria"> & { scope: pulumi.Input<string> }) =>
      new monitor.MetricAlert(logical, {
        resourceGroupName: rg,
        location: "global",
        description,
        severity: AZURE_SEVERITY[spec.severity],
        enabled: true,
        scopes: [alert.scope],
        evaluationFrequency: alert.evaluationFrequency,
        windowSize: alert.windowSize,
        criteria: alert.criteria,
        actions: [{ actionGroupId }],
        autoMitigate: true,
        tags: alertTags,
      }, opts);
    switch (source.kind) {
      case "metric": {
        const { windowSize, evaluationFrequency } = metricAlertTiming(spec);
        metricAlert({
          scope: source.target === "scaleSet" ? inputs.scaleSetId : inputs.loadBalancerId,
          evaluationFrequency,
          windowSize,
          criteria: {
            odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            allOf: [{
              criterionType: "StaticThresholdCriterion",
              name: spec.id,
              metricNamespace: source.metricNamespace,
              metricName: source.metricName,
              operator: source.operator,
              threshold: thresholdValue(spec, source.unit),
              timeAggregation: source.timeAggregation,
              // A custom metric does not exist until the agent first posts it: without this the
              // rule is refused at creation, on the first `pulumi up`.
              ...(source.custom ? { skipMetricValidation: true } : {}),
            }],
          },
        });
        break;
      }
      case "dynamic": {
        // One period per point, N of N points out of the band (the catalogue's window). Dynamic
        // thresholds learn from up to 10 days of history and fire only after 3 days and 30 points
        // of it (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-dynamic-thresholds).
        const bin = `PT${spec.periodSeconds / 60}M`;
        metricAlert({
          scope: inputs.loadBalancerId,
          evaluationFrequency: bin,
          windowSize: bin,
          criteria: {
            // Dynamic thresholds exist only in the multiple-resource criteria type (the provider's
            // single-resource criteria take static ones only), here with one resource in scope.
            odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
            allOf: [{
              criterionType: "DynamicThresholdCriterion",
              name: spec.id,
              metricNamespace: source.metricNamespace,
              metricName: source.metricName,
              timeAggregation: source.timeAggregation,
              // Out of the band on either side: a drop and a spike alike.
              operator: "GreaterOrLessThan",
              alertSensitivity: dynamicSensitivity(spec.threshold),
              failingPeriods: { numberOfEvaluationPeriods: spec.evaluationPeriods, minFailingPeriodsToAlert: spec.evaluationPeriods },
            }],
          },
        });
        break;
      }
      case "log": {
        catalogueLogAlert(logical, {
          resourceGroupName: rg,
          location: inputs.location,
          workspaceId: workspace.id,
          spec,
          description,
          query: pulumi.output(inputs.loadBalancerId).apply((id) => source.query(id)),
          timeAggregation: source.timeAggregation,
          ...(source.metricMeasureColumn ? { metricMeasureColumn: source.metricMeasureColumn } : {}),
          actionGroupId,
          tags: alertTags,
        }, opts);
        break;
      }
      case "activity":
        new monitor.ActivityLogAlert(logical, {
          resourceGroupName: rg,
          location: "Global",
          description,
          enabled: true,
          scopes: [rgScope],
          condition: {
            allOf: [
              { field: "category", equals: "Administrative" },
              { anyOf: source.operationNames.map((op) => ({ field: "operationName", equals: op })) },
            ],
          },
          actions: { actionGroups: [{ actionGroupId }] },
          tags: alertTags,
        }, opts);
        break;
    }
  }
  if (inputs.keyVaultId !== undefined) keyVaultChanges(name, inputs, inputs.keyVaultId, workspace, actionGroups, parent);
  const budget = inputs.budget ? fleetBudget(name, { budget: inputs.budget.settings, resourceGroupId: inputs.budget.resourceGroupId, actionGroups }, parent) : undefined;
  return { workspace, actionGroups, unobservable, ...(budget ? { budget } : {}) };
}

/** The vault's AuditEvent log into the workspace, and a P0 log alert on every key change in it. */
function keyVaultChanges(name: string, inputs: AzureMonitoringInputs, vaultId: pulumi.Input<string>, workspace: operationalinsights.Workspace, actionGroups: Record<Severity, monitor.ActionGroup>, parent: pulumi.Resource): void {
  const spec = ALARM_CATALOGUE.find((a) => a.signal === "attestation-enforcement-change");
  if (!spec) throw new Error("the catalogue has no attestation-enforcement-change entry");
  const opts = { parent };
  new monitor.DiagnosticSetting(`${name}-diag-keyvault`, {
    resourceUri: vaultId,
    workspaceId: workspace.id,
    logAnalyticsDestinationType: "Dedicated",
    logs: [{ category: "AuditEvent", enabled: true }],
  }, opts);
  const description = `[${spec.severity}] ${spec.description}: a key changed through the vault's data plane (${name})`;
  catalogueLogAlert(`${name}-${spec.severity.toLowerCase()}-${spec.id}-keyvault`, {
    resourceGroupName: inputs.resourceGroupName,
    location: inputs.location,
    workspaceId: workspace.id,
    spec,
    description,
    query: pulumi.output(vaultId).apply(keyVaultChangeQuery),
    timeAggregation: "Count",
    actionGroupId: actionGroups[spec.severity].id,
    tags: { ...inputs.tags, Severity: spec.severity, Alarm: spec.id },
  }, opts);
}

/**
 * A catalogue entry as a log alert on the workspace: one bin per catalogue period, and the
 * catalogue's "every one of N periods" exactly (N bins, all failing).
 */
function catalogueLogAlert(logical: string, alert: {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  readonly workspaceId: pulumi.Input<string>;
  readonly spec: AlarmSpec;
  readonly description: string;
  readonly query: pulumi.Input<string>;
  readonly timeAggregation: AzureAggregation;
  readonly metricMeasureColumn?: string;
  readonly actionGroupId: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}, opts: pulumi.CustomResourceOptions): monitor.ScheduledQueryRule {
  const { spec } = alert;
  const bin = `PT${spec.periodSeconds / 60}M`;
  return new monitor.ScheduledQueryRule(logical, {
    resourceGroupName: alert.resourceGroupName,
    location: alert.location,
    kind: "LogAlert",
    description: alert.description,
    displayName: alert.description,
    severity: AZURE_SEVERITY[spec.severity],
    enabled: true,
    scopes: [alert.workspaceId],
    evaluationFrequency: bin,
    windowSize: bin,
    criteria: {
      allOf: [{
        query: alert.query,
        timeAggregation: alert.timeAggregation,
        ...(alert.metricMeasureColumn ? { metricMeasureColumn: alert.metricMeasureColumn } : {}),
        // The service wants GreaterThan / LessThan here; the provider's ConditionOperator enum
        // (eq, gt, ...) belongs to dimension filters (docs/azure-monitoring.md).
        operator: spec.comparison === "above" ? "GreaterThan" : "LessThan",
        threshold: spec.threshold,
        failingPeriods: { numberOfEvaluationPeriods: spec.evaluationPeriods, minFailingPeriodsToAlert: spec.evaluationPeriods },
      }],
    },
    actions: { actionGroups: [alert.actionGroupId] },
    autoMitigate: true,
    tags: alert.tags,
  }, opts);
}
