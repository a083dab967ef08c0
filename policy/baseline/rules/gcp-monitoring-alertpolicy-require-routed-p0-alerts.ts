import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { GcpMonitoringAlertPolicy as AlertPolicy, GcpMonitoringNotificationChannel as NotificationChannel } from "../../common/resource-types";
import { P0_CONFIG, validateP0Alarms, type AlarmCloud } from "../../common/baseline-alarms";
import { bool, dependsOn, ofClasses, rec, str, strs } from "../../common/baseline-props";

// Why (mandatory): a Confidential Space fleet nobody is paged for fails silently; channels
// managed outside the stack count once listed in externalTargets, so no team is locked out.

/** P0 as our components mark it (components/gcp/monitoring.ts): severity CRITICAL, label severity=p0, "[P0] ..." display name. */
function isP0(r: PolicyResource): boolean {
  if (str(r.props["severity"]) === "CRITICAL") return true;
  if (str(rec(r.props["userLabels"])?.["severity"])?.toLowerCase() === "p0") return true;
  return str(r.props["displayName"])?.includes("[P0]") === true;
}

const gcp: AlarmCloud = {
  cloud: "gcp",
  p0Text: 'an alert policy with severity CRITICAL, label severity=p0 or display name "[P0] ..."',
  targetsName: "notificationChannels",
  p0Alarms: (resources) => ofClasses(resources, AlertPolicy).filter(isP0).map((resource) => ({ resource, targets: strs(resource.props["notificationChannels"]) })),
  // A channel's name ends in a server-assigned number, which no input holds: the engine links
  // an alert to its channels by dependency. When nothing recorded dependencies (an offline record
  // without them), any channel the stack declares in the same project stands in.
  targetFor: (ref, alarm, resources) => {
    const channels = ofClasses(resources, NotificationChannel);
    const viaDependency = channels.find((c) => dependsOn(alarm, c));
    if (viaDependency) return viaDependency;
    if (alarm.dependencies.length > 0 || Object.keys(alarm.propertyDependencies).length > 0) return undefined;
    const project = /^projects\/([^/]+)\/notificationChannels\//.exec(ref)?.[1];
    return channels.find((c) => project !== undefined && (str(c.props["project"]) ?? project) === project);
  },
  deliversNowhere: (channel) => (bool(channel.props["enabled"]) === false ? "is disabled" : undefined),
};

export const gcpMonitoringAlertPolicyRequireRoutedP0Alerts: StackValidationPolicy = {
  name: "gcp-monitoring-alertpolicy-require-routed-p0-alerts",
  description: "A stack running Confidential VM / Confidential Space hosts declares P0 alert policies, each notifying an enabled notification channel (or one listed in externalTargets).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Declare the P0 alert policies (severity CRITICAL) with notificationChannels on an enabled channel of the on-call rotation; list channels managed elsewhere in externalTargets.",
  configSchema: P0_CONFIG,
  validateStack: validateP0Alarms(gcp),
};
