import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsCloudwatchLogGroup as LogGroup, AwsKmsKey as Key } from "../../common/resource-types";
import { bool, forTypes } from "../../common/baseline-props";
import { isProd, PROD_CONFIG, protectionMessage } from "../../common/baseline-prod";

// Why (mandatory): in production stacks only, deleting the attested KMS key makes every secret sealed to it
// unrecoverable once the deletion window ends; deleting the log group loses the audit trail. A
// KMS key has no deletion guard of its own in the provider, so only `protect` counts; a log
// group may instead set skipDestroy (kept in AWS when Pulumi deletes it).

export const awsKmsKeyRequireProtectionInProd: ResourceValidationPolicy = {
  name: "aws-kms-key-require-protection-in-prod",
  description: "In production stacks, KMS keys are protected and CloudWatch log groups are protected or retained (skipDestroy).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Pass { protect: true } to production KMS keys and log groups (log groups may set skipDestroy: true instead).",
  configSchema: PROD_CONFIG,
  validateResource: forTypes([
    [
      Key,
      (_props, args, report) => {
        if (isProd(args) && !args.opts.protect) report(protectionMessage("KMS key", undefined));
      },
    ],
    [
      LogGroup,
      (props, args, report) => {
        if (isProd(args) && !args.opts.protect && bool(props["skipDestroy"]) !== true) report(protectionMessage("log group", "skipDestroy: true"));
      },
    ],
  ]),
};
