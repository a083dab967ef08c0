import { describe, expect, it } from "vitest";
import { runStackPolicy } from "../../../src/policy/evaluate";
import { awsCloudwatchMetricAlarmRequireRoutedP0Alarms as awsRule } from "../../../policy/baseline/rules/aws-cloudwatch-metricalarm-require-routed-p0-alarms";
import { gcpMonitoringAlertPolicyRequireRoutedP0Alerts as gcpRule } from "../../../policy/baseline/rules/gcp-monitoring-alertpolicy-require-routed-p0-alerts";
import { azureMonitorMetricAlertRequireRoutedP0Alerts as azureRule } from "../../../policy/baseline/rules/azure-monitor-metricalert-require-routed-p0-alerts";
import { awsDev, azureDev, gcpDev, NONE, pick, resource, withProps } from "./dev-stacks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";
const stackViolations = (...v: [string, string][]) => ({ kind: "violations", violations: v.map(([message, urn]) => ({ message, urn })) });

describe("aws-cloudwatch-metricalarm-require-routed-p0-alarms", () => {
  const lt = pick(awsDev, "aws:ec2/launchTemplate:LaunchTemplate", "prover-dev-host");
  const teeDown = pick(awsDev, ALARM, "prover-dev-p0-tee-down");

  it("passes the dev stack: four P0 alarms on the P0 topic, which has an email subscription", async () => {
    expect(await runStackPolicy(awsRule, awsDev)).toEqual(NONE);
  });

  it("refuses enclave hosts without any P0 alarm", async () => {
    const noP0 = awsDev.filter((r) => !(r.type === ALARM && r.name.includes("-p0-")));
    expect(await runStackPolicy(awsRule, noP0)).toEqual(
      stackViolations(['the stack runs proof-server hosts (prover-dev-host) but declares no P0 alarm (a CloudWatch alarm tagged Severity=P0 or named or described "[P0] ..."); add the P0 alarms and route them to on-call', lt.urn]),
    );
    // Without enclave hosts the rule has nothing to ask for.
    expect(await runStackPolicy(awsRule, noP0.filter((r) => r.urn !== lt.urn))).toEqual(NONE);
  });

  it("refuses a P0 alarm without actions, with an unknown topic, or on a topic nobody subscribed to", async () => {
    const others = awsDev.filter((r) => r.type !== ALARM || r.urn === teeDown.urn);
    const silent = withProps(teeDown, { alarmActions: [] });
    expect(await runStackPolicy(awsRule, others.map((r) => (r.urn === teeDown.urn ? silent : r)))).toEqual(stackViolations(["P0 alarm prover-dev-p0-tee-down has no alarmActions: it fires into nothing", teeDown.urn]));
    const unknownArn = "arn:aws:sns:us-east-1:123456789012:pager";
    const elsewhere = withProps(teeDown, { alarmActions: [unknownArn] });
    expect(await runStackPolicy(awsRule, others.map((r) => (r.urn === teeDown.urn ? elsewhere : r)))).toEqual(
      stackViolations([`P0 alarm prover-dev-p0-tee-down notifies ${unknownArn}, which is neither declared in this stack nor listed in externalTargets`, teeDown.urn]),
    );
    expect(await runStackPolicy(awsRule, others.map((r) => (r.urn === teeDown.urn ? elsewhere : r)), { externalTargets: [unknownArn] })).toEqual(NONE);
    // A topic with an explicit name is found by it; one with a namePrefix by the prefix.
    const named = others.map((r) => (r.urn === teeDown.urn ? elsewhere : r.type === "aws:sns/topic:Topic" && r.name === "prover-dev-p0" ? withProps(r, { name: "pager" }) : r));
    const subscribed = named.map((r) => (r.type === "aws:sns/topicSubscription:TopicSubscription" && r.name === "prover-dev-p0-email-0" ? withProps(r, { topic: unknownArn }) : r));
    expect(await runStackPolicy(awsRule, subscribed)).toEqual(NONE);
    const prefixed = subscribed.map((r) => (r.type === "aws:sns/topic:Topic" && r.name === "prover-dev-p0" ? withProps(r, { name: undefined, namePrefix: "pag" }) : r));
    expect(await runStackPolicy(awsRule, prefixed)).toEqual(NONE);
    const unsubscribed = others.filter((r) => !(r.type === "aws:sns/topicSubscription:TopicSubscription" && r.name.startsWith("prover-dev-p0-")));
    expect(await runStackPolicy(awsRule, unsubscribed)).toEqual(stackViolations(["P0 alarm prover-dev-p0-tee-down notifies prover-dev-p0, which has no subscription in this stack", teeDown.urn]));
  });
});

describe("gcp-monitoring-alertpolicy-require-routed-p0-alerts", () => {
  const tpl = pick(gcpDev, "gcp:compute/instanceTemplate:InstanceTemplate", "prover-dev-gcp-tpl");
  const teeDown = pick(gcpDev, ALERT, "prover-dev-gcp-p0-tee-down");
  const p0Channel = pick(gcpDev, "gcp:monitoring/notificationChannel:NotificationChannel", "prover-dev-gcp-p0-email-0");

  it("passes the dev stack (CRITICAL alerts on the P0 email channel)", async () => {
    expect(await runStackPolicy(gcpRule, gcpDev)).toEqual(NONE);
  });

  it("refuses Confidential Space hosts without a P0 alert, and a P0 alert without channels", async () => {
    const noP0 = gcpDev.filter((r) => !(r.type === ALERT && r.name.includes("-p0-")));
    expect(await runStackPolicy(gcpRule, noP0)).toEqual(
      stackViolations(['the stack runs proof-server hosts (prover-dev-gcp-tpl) but declares no P0 alarm (an alert policy with severity CRITICAL, label severity=p0 or display name "[P0] ..."); add the P0 alarms and route them to on-call', tpl.urn]),
    );
    const silent = [...noP0, withProps(teeDown, { notificationChannels: [] })];
    expect(await runStackPolicy(gcpRule, silent)).toEqual(stackViolations(["P0 alarm prover-dev-gcp-p0-tee-down has no notificationChannels: it fires into nothing", teeDown.urn]));
  });

  it("links channels by dependency when the engine recorded them, and refuses a disabled channel", async () => {
    const noP0 = gcpDev.filter((r) => !(r.type === ALERT && r.name.includes("-p0-")));
    const ref = (teeDown.props["notificationChannels"] as string[])[0]!;
    // The engine recorded dependencies, none on a channel: the channel it names is not in the stack.
    expect(await runStackPolicy(gcpRule, [...noP0, { ...teeDown, dependencies: [tpl.urn] }])).toEqual(
      stackViolations([`P0 alarm prover-dev-gcp-p0-tee-down notifies ${ref}, which is neither declared in this stack nor listed in externalTargets`, teeDown.urn]),
    );
    expect(await runStackPolicy(gcpRule, [...noP0, { ...teeDown, dependencies: [p0Channel.urn] }])).toEqual(NONE);
    const disabled = noP0.map((r) => (r.urn === p0Channel.urn ? withProps(r, { enabled: false }) : r));
    expect(await runStackPolicy(gcpRule, [...disabled, { ...teeDown, dependencies: [p0Channel.urn] }])).toEqual(stackViolations(["P0 alarm prover-dev-gcp-p0-tee-down notifies prover-dev-gcp-p0-email-0, which is disabled", teeDown.urn]));
  });
});

describe("azure-monitor-metricalert-require-routed-p0-alerts (the Azure dev stack)", () => {
  const vmss = pick(azureDev, "azure-native:compute:VirtualMachineScaleSet", "prover-dev-azure-vmss");
  const p0 = pick(azureDev, "azure-native:monitor:ActionGroup", "prover-dev-azure-p0");
  const noHost = pick(azureDev, "azure-native:monitor:MetricAlert", "prover-dev-azure-p0-no-healthy-host");

  it("passes: severity-0 alerts on the P0 action group, which mails on-call (ids compared case-insensitively)", async () => {
    expect(await runStackPolicy(azureRule, azureDev)).toEqual(NONE);
  });

  it("refuses the scale set without P0 alerts, and P0 alerts on a group without receivers", async () => {
    const isP0Alert = (r: { type: string; name: string }) => /MetricAlert|ScheduledQueryRule/.test(r.type) && r.name.includes("-p0-");
    expect(await runStackPolicy(azureRule, azureDev.filter((r) => !isP0Alert(r)))).toEqual(
      stackViolations(['the stack runs proof-server hosts (prover-dev-azure-vmss) but declares no P0 alarm (a metric or log alert with severity 0, tag Severity=P0 or description "[P0] ..."); add the P0 alarms and route them to on-call', vmss.urn]),
    );
    const mute = azureDev.filter((r) => !isP0Alert(r) || r.urn === noHost.urn).map((r) => (r.urn === p0.urn ? withProps(r, { emailReceivers: [] }) : r));
    expect(await runStackPolicy(azureRule, mute)).toEqual(stackViolations(["P0 alarm prover-dev-azure-p0-no-healthy-host notifies prover-dev-azure-p0, which has no receivers", noHost.urn]));
  });
});

describe("azure-monitor-metricalert-require-routed-p0-alerts", () => {
  // As components/azure/monitoring.ts declares them: one action group per severity, severity 0 alerts.
  const vmss = resource("azure-native:compute:VirtualMachineScaleSet", "prover-az-vmss", { virtualMachineProfile: { securityProfile: { securityType: "ConfidentialVM" } } });
  const group = resource("azure-native:monitor:ActionGroup", "prover-az-p0", { groupShortName: "prover-p0", enabled: true, emailReceivers: [{ name: "oncall", emailAddress: "oncall@example.com" }], tags: { Severity: "P0" } });
  const groupId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/microsoft.insights/actionGroups/prover-az-p0-1a2b3c4";
  const alert = resource("azure-native:monitor:MetricAlert", "prover-az-p0-tee-down", { severity: 0, description: "[P0] Enclave / confidential VM down (prover-az)", actions: [{ actionGroupId: groupId }], tags: { Severity: "P0" } });

  it("passes a severity-0 alert on an action group with an email receiver", async () => {
    expect(await runStackPolicy(azureRule, [vmss, group, alert])).toEqual(NONE);
  });

  it("refuses a confidential scale set without P0 alerts, and an action group without receivers", async () => {
    expect(await runStackPolicy(azureRule, [vmss, group])).toEqual(
      stackViolations(['the stack runs proof-server hosts (prover-az-vmss) but declares no P0 alarm (a metric or log alert with severity 0, tag Severity=P0 or description "[P0] ..."); add the P0 alarms and route them to on-call', vmss.urn]),
    );
    expect(await runStackPolicy(azureRule, [vmss, withProps(group, { emailReceivers: [] }), alert])).toEqual(stackViolations(["P0 alarm prover-az-p0-tee-down notifies prover-az-p0, which has no receivers", alert.urn]));
  });
});
