import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2Instance as Instance, AwsEc2LaunchTemplate as LaunchTemplate, AwsEbsVolume as Volume } from "../../common/resource-types";
import { bool, forTypes, rec, recs, str } from "../../common/baseline-props";

// Why (mandatory): host volumes hold logs, the EIF and swap of the parent instance; unencrypted
// EBS is readable from snapshots. Without a block device mapping the root volume is encrypted
// only if the AMI's snapshot or the account's encryption-by-default says so
// (https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html), which the
// stack does not show: the rule asks for it explicitly.

export const awsEc2LaunchTemplateRequireEncryptedDisks: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-require-encrypted-disks",
  description: "EBS volumes of launch templates, instances and standalone volumes are encrypted, explicitly.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Declare the root device in blockDeviceMappings with ebs { encrypted: "true" } (instances: rootBlockDevice { encrypted: true }); set encrypted: true on aws.ebs.Volume.',
  validateResource: forTypes([
    [
      LaunchTemplate,
      (props, _args, report) => {
        const ebs = recs(props["blockDeviceMappings"]).filter((m) => rec(m["ebs"]) !== undefined);
        if (ebs.length === 0) report("declares no EBS block device mapping, so the root volume's encryption is left to the AMI and the account default; map the root device with ebs.encrypted true");
        for (const m of ebs) if (bool(rec(m["ebs"])!["encrypted"]) !== true) report(`block device ${str(m["deviceName"]) ?? "(unnamed)"} is not encrypted (ebs.encrypted)`);
      },
    ],
    [
      Instance,
      (props, _args, report) => {
        if (bool(rec(props["rootBlockDevice"])?.["encrypted"]) !== true) report("rootBlockDevice.encrypted is not true");
        for (const d of recs(props["ebsBlockDevices"])) if (bool(d["encrypted"]) !== true) report(`block device ${str(d["deviceName"]) ?? "(unnamed)"} is not encrypted`);
      },
    ],
    [
      Volume,
      (props, _args, report) => {
        if (bool(props["encrypted"]) !== true) report("EBS volume is not encrypted");
      },
    ],
  ]),
};
