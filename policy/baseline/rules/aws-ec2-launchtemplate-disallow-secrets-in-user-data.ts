import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2Instance as Instance, AwsEc2LaunchTemplate as LaunchTemplate } from "../../common/resource-types";
import { decodeUserData, secretsIn } from "../../common/baseline-secrets";
import { forTypes, str } from "../../common/baseline-props";

// Why (mandatory): user data is readable by anyone allowed ec2:DescribeLaunchTemplateVersions /
// DescribeInstanceAttribute and from the instance's metadata service, and it lands in Pulumi
// state; secrets belong in KMS-sealed or Secrets Manager values released to the attested enclave
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: "user data is not
// protected by authentication or cryptographic methods").

function check(text: string | undefined, report: ReportViolation): void {
  if (text === undefined) return;
  for (const why of secretsIn(text)) report(`user data holds ${why}; load secrets at boot from Secrets Manager / a KMS-sealed value instead`);
}

export const awsEc2LaunchTemplateDisallowSecretsInUserData: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-disallow-secrets-in-user-data",
  description: "Launch template and instance user data (decoded from base64 and gzip) holds no private keys, tokens, access keys or secret-named literals.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove the secret from user data; store it in Secrets Manager or encrypt it to the attested enclave's KMS key and fetch it at boot.",
  validateResource: forTypes([
    [LaunchTemplate, (props, _args, report) => check(str(props["userData"]) === undefined ? undefined : decodeUserData(str(props["userData"])!, true), report)],
    [
      Instance,
      (props, _args, report) => {
        const plain = str(props["userData"]);
        const b64 = str(props["userDataBase64"]);
        check(plain === undefined ? undefined : decodeUserData(plain, false), report);
        check(b64 === undefined ? undefined : decodeUserData(b64, true), report);
      },
    ],
  ]),
};
