import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as sns from "@pulumi/aws/sns";
import type * as budgets from "@pulumi/aws/budgets";
import { BUDGET_SEVERITIES, budgetStatementsFor, fleetBudget } from "./budget";
import type { BudgetSettings } from "../../src/config/types";
import { auditTrailRule, EVENT_RULE_NAME_MAX, hostRoleRule, kmsKeyRule, securityGroupRules, type AuditEventRule } from "./detection";
import type { AlarmSubscriptions } from "../../src/config/types";
import type { IngressMode } from "../../src/ingress/model";
import type { HostAgentMetricName } from "../../src/bootstrap/host-agent-metrics";
import { mapCatalogue, SEVERITIES, type AlarmSpec, type Severity, type Signal, type UnobservableAlarm } from "../../src/monitoring/catalogue";
import { AWS_NAME_LIMITS, autoNamed, metricSafe } from "../../src/naming";

/** One CloudWatch metric. Dimensions may be Outputs (load balancer and target group ARN suffixes). */
export interface CwMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, pulumi.Input<string>>;
  /** CloudWatch statistic: Sum, Minimum, Maximum, Average or a percentile such as p95. */
  readonly stat: string;
}

/** Where an alarm's number comes from on AWS, for one ingress mode. */
export type AwsMetricSource =
  | {
      readonly kind: "metric";
      readonly metric: CwMetric;
      readonly treatMissingData: "breaching" | "notBreaching" | "missing";
      /** When the metric is published less often than the catalogue's period (ACM: once a day). */
      readonly periodSeconds?: number;
    }
  | {
      readonly kind: "expression";
      /** CloudWatch metric math over `metrics` (ids m1, m2, ...). */
      readonly expression: string;
      readonly label: string;
      readonly metrics: Readonly<Record<string, CwMetric>>;
      readonly treatMissingData: "breaching" | "notBreaching" | "missing";
    }
  | {
      /**
       * A CloudWatch anomaly detection band around `FILL(m1, 0)` (the metric, a period without data
       * counted as 0): the alarm compares the value with the band CloudWatch learns from the
       * series' own history; the catalogue's threshold is the band's width in standard deviations.
       */
      readonly kind: "anomaly-band";
      readonly metric: CwMetric;
      readonly label: string;
      readonly treatMissingData: "breaching" | "notBreaching" | "missing";
    }
  | {
      /** CloudTrail management events matched by EventBridge rules, each routed to the severity's topic. */
      readonly kind: "events";
      readonly rules: readonly AuditEventRule[];
    }
  | { readonly kind: "unobservable"; readonly reason: string };

/** What the audit-trail alarms watch (docs/tamper-detection.md). */
export interface AuditTargets {
  readonly accountId: pulumi.Input<string>;
  readonly kmsKeyId: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly hostRoleName: pulumi.Input<string>;
  /** The load balancer's and the hosts' security groups. */
  readonly securityGroupIds: ReadonlyArray<pulumi.Input<string>>;
}

/** The resources alarm sources refer to. */
export interface AlarmTargets {
  readonly mode: IngressMode;
  readonly region: string;
  readonly fleetName: string;
  readonly metricNamespace: string;
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly targetGroupArnSuffix: pulumi.Input<string>;
  /** terminate mode: the /prove target group. */
  readonly proveTargetGroupArnSuffix?: pulumi.Input<string>;
  readonly autoScalingGroupName: pulumi.Input<string>;
  readonly certificateArn?: pulumi.Input<string>;
  /** Without it the audit-trail alarms are not observable (nothing to match). */
  readonly audit?: AuditTargets;
}

export const NO_AUDIT_TARGETS = "no key, host role or security groups given to match CloudTrail events against";

/** ACM's DaysToExpiry arrives once a day. */
export const ACM_METRIC_PERIOD_SECONDS = 86400;

/** Why passthrough has no traffic-anomaly alarm (docs/alarms.md, "Traffic anomalies"). */
export const CONNECTIONS_NOT_REQUESTS =
  "passthrough: the NLB counts TCP flows, not requests; a client may send many proofs over one kept-alive connection or open one per proof, so a band on flows would follow client behaviour, not the request pattern";

const L4_BLIND = "passthrough: TLS ends inside the enclave, so the NLB sees TCP only; nobody outside the TEE sees HTTP status codes or per-request latency";

function agent(targets: AlarmTargets, metricName: HostAgentMetricName, stat: string): CwMetric {
  return { namespace: targets.metricNamespace, metricName, dimensions: { Fleet: targets.fleetName }, stat };
}

function alb(targets: AlarmTargets, metricName: string, stat: string, targetGroup?: pulumi.Input<string>): CwMetric {
  return {
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: { LoadBalancer: targets.loadBalancerArnSuffix, ...(targetGroup ? { TargetGroup: targetGroup } : {}) },
    stat,
  };
}

/** Map a catalogue signal onto a real CloudWatch source for the ingress mode, or say why none exists. */
export function awsMetricSource(signal: Signal, targets: AlarmTargets): AwsMetricSource {
  const terminate = targets.mode === "terminate";
  const prove = targets.proveTargetGroupArnSuffix;
  switch (signal) {
    case "healthy-hosts":
      return {
        kind: "metric",
        metric: {
          namespace: terminate ? "AWS/ApplicationELB" : "AWS/NetworkELB",
          metricName: "HealthyHostCount",
          dimensions: { LoadBalancer: targets.loadBalancerArnSuffix, TargetGroup: targets.targetGroupArnSuffix },
          stat: "Minimum",
        },
        // No data from the load balancer is itself an outage.
        treatMissingData: "breaching",
      };
    case "attestation-failure-percent":
      return {
        kind: "expression",
        expression: "100 * FILL(m1, 0) / m2",
        label: "attestation failures %",
        metrics: { m1: agent(targets, "AttestationFailures", "Sum"), m2: agent(targets, "AttestationChecks", "Sum") },
        treatMissingData: "missing",
      };
    case "proofs-while-requests":
      if (!terminate || !prove) return { kind: "unobservable", reason: `${L4_BLIND}; the server exposes no completed-proof counter outside the TEE` };
      return {
        kind: "expression",
        // 1 when /prove requests completed in the window but none succeeded.
        expression: "IF(FILL(m1, 0) > 0 AND FILL(m2, 0) == 0, 1, 0)",
        label: "proof requests without a successful proof",
        metrics: { m1: alb(targets, "RequestCount", "Sum", prove), m2: alb(targets, "HTTPCode_Target_2XX_Count", "Sum", prove) },
        treatMissingData: "notBreaching",
      };
    case "tee-running":
      // A silent agent means a dead host: missing data breaches.
      return { kind: "metric", metric: agent(targets, "EnclaveRunning", "Minimum"), treatMissingData: "breaching" };
    case "http-5xx-percent":
      if (!terminate) return { kind: "unobservable", reason: L4_BLIND };
      return {
        kind: "expression",
        expression: "100 * (FILL(m1, 0) + FILL(m2, 0)) / m3",
        label: "5xx %",
        metrics: {
          m1: alb(targets, "HTTPCode_Target_5XX_Count", "Sum"),
          m2: alb(targets, "HTTPCode_ELB_5XX_Count", "Sum"),
          m3: alb(targets, "RequestCount", "Sum"),
        },
        treatMissingData: "notBreaching",
      };
    case "proof-latency-p95-seconds":
      if (!terminate || !prove) return { kind: "unobservable", reason: L4_BLIND };
      return { kind: "metric", metric: alb(targets, "TargetResponseTime", "p95", prove), treatMissingData: "notBreaching" };
    case "cpu-percent":
      return {
        kind: "metric",
        metric: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { AutoScalingGroupName: targets.autoScalingGroupName }, stat: "Average" },
        treatMissingData: "missing",
      };
    case "memory-percent":
      return { kind: "metric", metric: agent(targets, "MemoryUtilization", "Maximum"), treatMissingData: "missing" };
    case "queue-depth":
      return { kind: "metric", metric: agent(targets, "JobsPending", "Maximum"), treatMissingData: "missing" };
    case "tls-cert-days-left":
      if (terminate) {
        if (!targets.certificateArn) return { kind: "unobservable", reason: "terminate mode without an ACM certificate ARN" };
        return {
          kind: "metric",
          metric: { namespace: "AWS/CertificateManager", metricName: "DaysToExpiry", dimensions: { CertificateArn: targets.certificateArn }, stat: "Minimum" },
          // ACM publishes DaysToExpiry about once a day and stops once the certificate has expired
          // (ACM user guide, "Supported CloudWatch metrics"; cdklabs/construct-hub#158): a day per
          // data point, and silence is the worst case, not "no data". See docs/aws-boot-rollout-and-alarms.md.
          periodSeconds: ACM_METRIC_PERIOD_SECONDS,
          treatMissingData: "breaching",
        };
      }
      // passthrough: the certificate lives in the enclave; the agent reads it from the TLS handshake.
      return { kind: "metric", metric: agent(targets, "TlsCertDaysToExpiry", "Minimum"), treatMissingData: "missing" };
    case "request-count-anomaly":
      if (!terminate) return { kind: "unobservable", reason: CONNECTIONS_NOT_REQUESTS };
      // The ALB publishes RequestCount only while requests flow (ELB user guide, "CloudWatch metrics
      // for your Application Load Balancer"): FILL makes a stop a 0, which is the drop to catch.
      // A band over a metric math expression: API_MetricMathAnomalyDetector
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricMathAnomalyDetector.html).
      return { kind: "anomaly-band", metric: alb(targets, "RequestCount", "Sum"), label: "requests", treatMissingData: "notBreaching" };
    case "attestation-enforcement-change":
      if (!targets.audit) return { kind: "unobservable", reason: NO_AUDIT_TARGETS };
      // The trail's own tampering pages with it: without the trail none of these rules hears anything.
      return { kind: "events", rules: [kmsKeyRule(targets.audit.kmsKeyId, targets.audit.kmsKeyArn), auditTrailRule()] };
    case "host-role-change":
      if (!targets.audit) return { kind: "unobservable", reason: NO_AUDIT_TARGETS };
      return { kind: "events", rules: [hostRoleRule(targets.audit.hostRoleName, targets.region)] };
    case "network-rule-change":
      if (!targets.audit) return { kind: "unobservable", reason: NO_AUDIT_TARGETS };
      return { kind: "events", rules: securityGroupRules(targets.audit.securityGroupIds) };
  }
}

export interface AlarmSet {
  readonly topics: Record<Severity, sns.Topic>;
  /** Metric alarms only (the audit-trail alarms are EventBridge rules, in `eventRules`). */
  readonly alarms: Record<string, cloudwatch.MetricAlarm>;
  /** Audit-trail alarms: catalogue id -> its EventBridge rules. */
  readonly eventRules: Record<string, cloudwatch.EventRule[]>;
  readonly unobservable: UnobservableAlarm[];
  readonly dashboard: cloudwatch.Dashboard;
  /** The monthly cost budget, when the stack has one (docs/budgets.md). */
  readonly budget?: budgets.Budget;
}

function comparison(spec: AlarmSpec): string {
  return spec.comparison === "above" ? "GreaterThanThreshold" : "LessThanThreshold";
}

function statArgs(stat: string): { statistic?: string; extendedStatistic?: string } {
  return /^p\d/.test(stat) ? { extendedStatistic: stat } : { statistic: stat };
}

/** One SNS topic per severity (subscriptions from config), the catalogue as alarms, and a dashboard. */
export function fleetAlarms(
  name: string,
  targets: AlarmTargets,
  subscriptions: Readonly<Record<Severity, AlarmSubscriptions>>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
  budget?: { readonly settings: BudgetSettings; readonly accountId: pulumi.Input<string> },
): AlarmSet {
  const opts = { parent };
  const topics = {} as Record<Severity, sns.Topic>;
  for (const severity of SEVERITIES) {
    const topic = new sns.Topic(autoNamed(`${name}-${severity.toLowerCase()}`, AWS_NAME_LIMITS.snsTopic), { displayName: `${name} ${severity}`, tags }, opts);
    topics[severity] = topic;
    const subs = subscriptions[severity];
    subs.emails.forEach((endpoint, i) => new sns.TopicSubscription(`${name}-${severity.toLowerCase()}-email-${i}`, { topic: topic.arn, protocol: "email", endpoint }, opts));
    // Webhook URLs usually embed a token: keep them encrypted in state.
    subs.httpsEndpoints.forEach((endpoint, i) => new sns.TopicSubscription(`${name}-${severity.toLowerCase()}-https-${i}`, { topic: topic.arn, protocol: "https", endpoint: pulumi.secret(endpoint) }, opts));
  }

  const alarms: Record<string, cloudwatch.MetricAlarm> = {};
  const widgets: pulumi.Output<unknown>[] = [];
  const { observable, unobservable } = mapCatalogue((signal) => awsMetricSource(signal, targets));
  const audit: Array<{ spec: AlarmSpec; rules: readonly AuditEventRule[] }> = [];
  for (const { spec, source } of observable) {
    if (source.kind === "events") {
      audit.push({ spec, rules: source.rules });
      continue;
    }
    const topicArn = topics[spec.severity].arn;
    const common = {
      alarmDescription: `[${spec.severity}] ${spec.description} (${name})`,
      comparisonOperator: comparison(spec),
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.evaluationPeriods,
      treatMissingData: source.treatMissingData,
      alarmActions: [topicArn],
      okActions: [topicArn],
      tags: { ...tags, Severity: spec.severity },
    };
    const logical = autoNamed(`${name}-${spec.severity.toLowerCase()}-${spec.id}`, AWS_NAME_LIMITS.cloudWatchAlarm);
    if (source.kind === "anomaly-band") {
      const { threshold: _width, ...banded } = common;
      const m = source.metric;
      const band = `ANOMALY_DETECTION_BAND(e1, ${spec.threshold})`;
      alarms[spec.id] = new cloudwatch.MetricAlarm(logical, {
        ...banded,
        // Out of the band on either side: a drop and a spike alike.
        comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
        thresholdMetricId: "ad1",
        metricQueries: [
          { id: "m1", returnData: false, metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat, period: spec.periodSeconds } },
          { id: "e1", expression: "FILL(m1, 0)", label: source.label, returnData: true },
          { id: "ad1", expression: band, label: `${source.label} (expected)`, returnData: true },
        ],
      }, opts);
      widgets.push(pulumi.output(m.dimensions).apply((dims) => ({
        type: "metric",
        properties: { title: `[${spec.severity}] ${spec.description}`, region: targets.region, period: spec.periodSeconds, metrics: [[m.namespace, m.metricName, ...Object.entries(dims).flat(), { id: "m1", stat: m.stat, visible: false }], [{ expression: "FILL(m1, 0)", label: source.label, id: "e1" }], [{ expression: band, label: `${source.label} (expected)`, id: "ad1" }]] },
      })));
      continue;
    }
    if (source.kind === "metric") {
      const period = source.periodSeconds ?? spec.periodSeconds;
      alarms[spec.id] = new cloudwatch.MetricAlarm(logical, {
        ...common,
        namespace: source.metric.namespace,
        metricName: source.metric.metricName,
        dimensions: source.metric.dimensions,
        period,
        ...statArgs(source.metric.stat),
      }, opts);
      widgets.push(pulumi.output(source.metric.dimensions).apply((dims) => ({
        type: "metric",
        properties: { title: `[${spec.severity}] ${spec.description}`, region: targets.region, stat: source.metric.stat, period, metrics: [[source.metric.namespace, source.metric.metricName, ...Object.entries(dims).flat()]] },
      })));
    } else {
      alarms[spec.id] = new cloudwatch.MetricAlarm(logical, {
        ...common,
        metricQueries: [
          { id: "e1", expression: source.expression, label: source.label, returnData: true },
          ...Object.entries(source.metrics).map(([id, m]) => ({
            id,
            returnData: false,
            metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat, period: spec.periodSeconds },
          })),
        ],
      }, opts);
      widgets.push(pulumi.output(Object.entries(source.metrics).map(([id, m]) => pulumi.output(m.dimensions).apply((dims) => [m.namespace, m.metricName, ...Object.entries(dims).flat(), { id, stat: m.stat, visible: false }]))).apply((metrics) => ({
        type: "metric",
        properties: { title: `[${spec.severity}] ${spec.description}`, region: targets.region, period: spec.periodSeconds, metrics: [[{ expression: source.expression, label: source.label, id: "e1" }], ...metrics] },
      })));
    }
  }
  const { rules: eventRules, published } = auditEventRules(name, targets, audit, topics, subscriptions, tags, parent);
  topicPolicies(name, topics, published, targets.audit?.accountId ?? budget?.accountId, budget?.settings, parent);
  const costBudget = budget ? fleetBudget(name, targets.fleetName, budget.settings, topics, tags, parent) : undefined;
  // Audit-trail alarms: how often each rule fired, and whether delivering to SNS failed (a broken
  // topic policy would lose the page). EventBridge's AWS/Events metrics, by RuleName.
  for (const { spec, rules } of audit) {
    (eventRules[spec.id] ?? []).forEach((rule, i) => {
      const region = rules[i]?.region ?? targets.region;
      widgets.push(rule.name.apply((ruleName) => ({
        type: "metric",
        properties: {
          title: `[${spec.severity}] ${spec.description}: ${rules[i]?.description ?? ruleName}`,
          region,
          stat: "Sum",
          period: spec.periodSeconds,
          metrics: [["AWS/Events", "TriggeredRules", "RuleName", ruleName], ["AWS/Events", "FailedInvocations", "RuleName", ruleName]],
        },
      })));
    });
  }
  const dashboard = new cloudwatch.Dashboard(`${name}-dashboard`, {
    dashboardName: metricSafe(`tee-prover-${name}`).slice(0, AWS_NAME_LIMITS.dashboard),
    dashboardBody: pulumi.all(widgets).apply((ws) => JSON.stringify({ widgets: ws.map((w, i) => ({ ...(w as object), x: (i % 3) * 8, y: Math.floor(i / 3) * 6, width: 8, height: 6 })) })),
  }, opts);
  return { topics, alarms, eventRules, unobservable, dashboard, ...(costBudget ? { budget: costBudget } : {}) };
}

/** The statements SNS puts in a new topic's default policy: the owning account may use the topic. */
function ownerStatement(topicArn: pulumi.Input<string>, accountId: pulumi.Input<string>) {
  return {
    Sid: "OwnerAccount",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
    Resource: topicArn,
    Condition: { StringEquals: { "AWS:SourceOwner": accountId } },
  };
}

/**
 * EventBridge rules of the audit-trail alarms, each with an SNS target (the whole CloudTrail event is
 * the message), and per topic the rules publishing to it, for its policy (`topicPolicies`).
 * A rule must live in the region of the events it matches, and its SNS target in the rule's region
 * (https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification): a rule for IAM's
 * events outside us-east-1 gets its own topic there with the severity's subscriptions.
 */
function auditEventRules(
  name: string,
  targets: AlarmTargets,
  audit: ReadonlyArray<{ spec: AlarmSpec; rules: readonly AuditEventRule[] }>,
  topics: Record<Severity, sns.Topic>,
  subscriptions: Readonly<Record<Severity, AlarmSubscriptions>>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): { rules: Record<string, cloudwatch.EventRule[]>; published: Map<string, PublishedTopic> } {
  const out: Record<string, cloudwatch.EventRule[]> = {};
  // Per topic (severity, region): the rules publishing to it, for its policy.
  const published = new Map<string, PublishedTopic>();
  if (!targets.audit || audit.length === 0) return { rules: out, published };
  const topicKey = (severity: Severity, region: string | undefined) => (region ? `${severity.toLowerCase()}-${region}` : severity.toLowerCase());
  const remoteTopics = new Map<string, sns.Topic>();
  const topicFor = (severity: Severity, region: string | undefined): pulumi.Output<string> => {
    if (!region) return topics[severity].arn;
    const key = topicKey(severity, region);
    let topic = remoteTopics.get(key);
    if (!topic) {
      const sev = severity.toLowerCase();
      topic = new sns.Topic(autoNamed(`${name}-${sev}-${region}`, AWS_NAME_LIMITS.snsTopic), { region, displayName: `${name} ${severity} (${region})`, tags }, { parent });
      remoteTopics.set(key, topic);
      const subs = subscriptions[severity];
      const t = topic;
      subs.emails.forEach((endpoint, i) => new sns.TopicSubscription(`${name}-${sev}-${region}-email-${i}`, { region, topic: t.arn, protocol: "email", endpoint }, { parent }));
      subs.httpsEndpoints.forEach((endpoint, i) => new sns.TopicSubscription(`${name}-${sev}-${region}-https-${i}`, { region, topic: t.arn, protocol: "https", endpoint: pulumi.secret(endpoint) }, { parent }));
    }
    return topic.arn;
  };
  for (const { spec, rules } of audit) {
    out[spec.id] = rules.map((rule) => {
      const logical = autoNamed(`${name}-${spec.severity.toLowerCase()}-${spec.id}-${rule.id}`, EVENT_RULE_NAME_MAX);
      const region = rule.region ? { region: rule.region } : {};
      const eventRule = new cloudwatch.EventRule(logical, {
        ...region,
        description: `[${spec.severity}] ${spec.description}: ${rule.description} (${name})`,
        eventPattern: rule.pattern.apply((p) => JSON.stringify(p)),
        // ENABLED matches every CloudTrail event but read-only management events: what we want.
        state: "ENABLED",
        tags: { ...tags, Severity: spec.severity },
      }, { parent });
      const topicArn = topicFor(spec.severity, rule.region);
      new cloudwatch.EventTarget(logical, { ...region, rule: eventRule.name, arn: topicArn }, { parent });
      const key = topicKey(spec.severity, rule.region);
      const entry: PublishedTopic = published.get(key) ?? { severity: spec.severity, topicArn, ...region, ruleArns: [] };
      entry.ruleArns.push(eventRule.arn);
      published.set(key, entry);
      return eventRule;
    });
  }
  return { rules: out, published };
}

/** A topic EventBridge rules publish to: its severity, ARN, region (absent: the stack's) and the rules. */
interface PublishedTopic {
  readonly severity: Severity;
  readonly topicArn: pulumi.Output<string>;
  readonly region?: string;
  readonly ruleArns: pulumi.Output<string>[];
}

/**
 * One policy per topic that a service publishes to: EventBridge for the audit-trail rules (a
 * topic's resource policy must allow events.amazonaws.com to sns:Publish: EventBridge user guide,
 * "Using resource-based policies for Amazon EventBridge", Amazon SNS permissions) and AWS Budgets
 * for the budget's notifications (components/aws/budget.ts). Setting a topic policy replaces SNS's
 * default one, so the account's own statement is kept: CloudWatch alarms keep publishing under it.
 * One TopicPolicy per topic: two would overwrite each other.
 */
function topicPolicies(
  name: string,
  topics: Record<Severity, sns.Topic>,
  published: ReadonlyMap<string, PublishedTopic>,
  accountId: pulumi.Input<string> | undefined,
  budget: BudgetSettings | undefined,
  parent: pulumi.Resource,
): void {
  if (accountId === undefined) return;
  const entries = new Map(published);
  // Home-region topics the budget publishes to, without rules of their own.
  if (budget) {
    for (const severity of SEVERITIES) {
      const key = severity.toLowerCase();
      if (BUDGET_SEVERITIES.has(severity) && !entries.has(key)) entries.set(key, { severity, topicArn: topics[severity].arn, ruleArns: [] });
    }
  }
  for (const [key, { severity, topicArn, region, ruleArns }] of entries) {
    // The existing name for topics with rules (no replacement on upgrade); budget-only topics get their own.
    const logical = ruleArns.length > 0 ? `${name}-${key}-events` : `${name}-${key}-policy`;
    new sns.TopicPolicy(logical, {
      ...(region ? { region } : {}),
      arn: topicArn,
      policy: pulumi.all([topicArn, accountId, pulumi.all(ruleArns)]).apply(([arn, account, rules]) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          ownerStatement(arn, account),
          ...(rules.length > 0
            ? [{
                Sid: "EventBridgeAuditRules",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: arn,
                Condition: { ArnEquals: { "aws:SourceArn": rules } },
              }]
            : []),
          // Budgets publish to the stack's own region's topics only.
          ...(region ? [] : budgetStatementsFor(severity, budget, arn, account)),
        ],
      })),
    }, { parent });
  }
}
