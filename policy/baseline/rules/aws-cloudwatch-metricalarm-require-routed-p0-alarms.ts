import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AwsCloudwatchCompositeAlarm as CompositeAlarm, AwsCloudwatchMetricAlarm as MetricAlarm, AwsSnsTopic as Topic, AwsSnsTopicSubscription as TopicSubscription } from "../../common/resource-types";
import { linked, P0_CONFIG, validateP0Alarms, type AlarmCloud } from "../../common/baseline-alarms";
import { ofClasses, rec, referencesByName, str, strs } from "../../common/baseline-props";

// Why (mandatory): an enclave fleet nobody is paged for fails silently (attestation failures,
// no healthy host, no proofs); targets managed outside the stack count once listed in
// externalTargets, so no team is locked out.

/** P0 as our components mark it (components/aws/alarms.ts): tag Severity=P0, description "[P0] ...". */
function isP0(r: PolicyResource): boolean {
  const tags = rec(r.props["tags"]) ?? {};
  const severity = Object.entries(tags).find(([k]) => k.toLowerCase() === "severity")?.[1];
  if (typeof severity === "string" && severity.toUpperCase() === "P0") return true;
  return [str(r.props["alarmName"]), str(r.props["alarmDescription"])].some((t) => t?.includes("[P0]") === true);
}

const aws: AlarmCloud = {
  cloud: "aws",
  p0Text: 'a CloudWatch alarm tagged Severity=P0 or named or described "[P0] ..."',
  targetsName: "alarmActions",
  p0Alarms: (resources) => ofClasses(resources, MetricAlarm, CompositeAlarm).filter(isP0).map((resource) => ({ resource, targets: strs(resource.props["alarmActions"]) })),
  targetFor: (ref, alarm, resources) => linked(alarm, ofClasses(resources, Topic), (t) => referencesByName(ref, t)),
  deliversNowhere: (topic, resources) => {
    const subscribed = ofClasses(resources, TopicSubscription).some((s) => {
      const arn = str(s.props["topic"]);
      return arn !== undefined ? referencesByName(arn, topic) : s.dependencies.some((d) => d.urn === topic.urn);
    });
    return subscribed ? undefined : "has no subscription in this stack";
  },
};

export const awsCloudwatchMetricAlarmRequireRoutedP0Alarms: StackValidationPolicy = {
  name: "aws-cloudwatch-metricalarm-require-routed-p0-alarms",
  description: "A stack running Nitro Enclave hosts declares P0 CloudWatch alarms, each notifying an SNS topic with a subscription (or a target listed in externalTargets).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Declare the P0 alarms (enclave down, no healthy host, no proofs, attestation failures) tagged Severity=P0, with alarmActions on an SNS topic that has an on-call subscription; list targets managed elsewhere in externalTargets.",
  configSchema: P0_CONFIG,
  validateStack: validateP0Alarms(aws),
};
