import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2Instance as Instance, AwsEc2LaunchTemplate as LaunchTemplate } from "../../common/resource-types";
import { forTypes, num, rec, str, type Props } from "../../common/baseline-props";
import type { ReportViolation } from "@pulumi/policy";

// Why (mandatory): IMDSv1 hands the instance role's credentials to any SSRF; a hop limit above 1
// lets containers on the host reach IMDS too. Left unset, the AMI's and account's defaults
// decide, so the rule asks for explicit values
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html).

function check(props: Props, report: ReportViolation): void {
  const md = rec(props["metadataOptions"]);
  // No metadata service at all is stricter than IMDSv2.
  if (str(md?.["httpEndpoint"]) === "disabled") return;
  const tokens = str(md?.["httpTokens"]);
  if (tokens !== "required") report(`metadataOptions.httpTokens is ${tokens ?? "unset (the AMI or account default decides)"}; set "required" (IMDSv2 only)`);
  const hops = num(md?.["httpPutResponseHopLimit"]);
  if (hops !== 1) report(`metadataOptions.httpPutResponseHopLimit is ${hops ?? "unset (the AMI or account default decides)"}; set 1 so only the host itself reaches the metadata service`);
}

export const awsEc2LaunchTemplateRequireImdsv2: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-require-imdsv2",
  description: "Launch templates and instances require IMDSv2 (httpTokens required) with a response hop limit of 1.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set metadataOptions { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 }.',
  validateResource: forTypes([
    [LaunchTemplate, (props, _args, report) => check(props, report)],
    [Instance, (props, _args, report) => check(props, report)],
  ]),
};
