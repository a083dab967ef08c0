import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AzureMonitorActionGroup as ActionGroup, AzureMonitorMetricAlert as MetricAlert, AzureMonitorScheduledQueryRule as ScheduledQueryRule } from "../../common/resource-types";
import { linked, P0_CONFIG, validateP0Alarms, type AlarmCloud } from "../../common/baseline-alarms";
import { arr, bool, num, ofClasses, rec, recs, referencesByName, str, strs } from "../../common/baseline-props";

// Why (mandatory): a Confidential VM fleet nobody is paged for fails silently; action groups
// managed outside the stack count once listed in externalTargets, so no team is locked out.
// ARM ids compare case-insensitively.

/** P0 as our components mark it (components/azure/monitoring.ts): severity 0, tag Severity=P0, "[P0] ..." description. */
function isP0(r: PolicyResource): boolean {
  if (num(r.props["severity"]) === 0) return true;
  const severity = Object.entries(rec(r.props["tags"]) ?? {}).find(([k]) => k.toLowerCase() === "severity")?.[1];
  if (typeof severity === "string" && severity.toUpperCase() === "P0") return true;
  return str(r.props["description"])?.includes("[P0]") === true;
}

function targets(r: PolicyResource): string[] {
  if (r.isType(MetricAlert)) return recs(r.props["actions"]).flatMap((a) => (str(a["actionGroupId"]) ? [str(a["actionGroupId"])!] : []));
  return strs(rec(r.props["actions"])?.["actionGroups"]);
}

const RECEIVERS = ["emailReceivers", "smsReceivers", "webhookReceivers", "voiceReceivers", "azureAppPushReceivers", "logicAppReceivers", "azureFunctionReceivers", "armRoleReceivers", "eventHubReceivers", "itsmReceivers", "automationRunbookReceivers", "incidentReceivers"];

const azure: AlarmCloud = {
  cloud: "azure",
  p0Text: 'a metric or log alert with severity 0, tag Severity=P0 or description "[P0] ..."',
  targetsName: "action groups",
  p0Alarms: (resources) => ofClasses(resources, MetricAlert, ScheduledQueryRule).filter(isP0).map((resource) => ({ resource, targets: targets(resource) })),
  targetFor: (ref, alarm, resources) => linked(alarm, ofClasses(resources, ActionGroup), (g) => referencesByName(ref, g, ["actionGroupName"], true)),
  deliversNowhere: (group) => {
    if (bool(group.props["enabled"]) === false) return "is disabled";
    return RECEIVERS.some((k) => arr(group.props[k]).length > 0) ? undefined : "has no receivers";
  },
};

export const azureMonitorMetricAlertRequireRoutedP0Alerts: StackValidationPolicy = {
  name: "azure-monitor-metricalert-require-routed-p0-alerts",
  description: "A stack running Confidential VM hosts declares P0 alerts (severity 0), each notifying an enabled action group with receivers (or one listed in externalTargets).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Declare the P0 alerts (severity 0) with actions on an action group whose receivers page on-call; list action groups managed elsewhere in externalTargets.",
  configSchema: P0_CONFIG,
  validateStack: validateP0Alarms(azure),
};
