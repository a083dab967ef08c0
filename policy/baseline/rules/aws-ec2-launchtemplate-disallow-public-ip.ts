import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AwsEc2Instance as Instance, AwsEc2LaunchTemplate as LaunchTemplate } from "../../common/resource-types";
import { bool, forTypes, recs } from "../../common/baseline-props";

// Why (mandatory): hosts take traffic from the load balancer only; a public IP makes them
// reachable around it. Left unset, the subnet's mapPublicIpOnLaunch decides
// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html), so the rule asks
// for an explicit false.

export const awsEc2LaunchTemplateDisallowPublicIp: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-disallow-public-ip",
  description: "Launch templates and instances explicitly get no public IP address (associatePublicIpAddress false).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Declare networkInterfaces [{ deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [...] }] (instances: associatePublicIpAddress: false) and run hosts in private subnets.',
  validateResource: forTypes([
    [
      LaunchTemplate,
      (props, _args, report) => {
        const nics = recs(props["networkInterfaces"]);
        if (nics.length === 0) report("declares no network interface, so the subnet's mapPublicIpOnLaunch decides whether hosts get a public IP; set associatePublicIpAddress false");
        nics.forEach((nic, i) => {
          const v = bool(nic["associatePublicIpAddress"]);
          if (v !== false) report(`networkInterfaces[${i}].associatePublicIpAddress is ${v === true ? "true" : "unset (the subnet decides)"}; set false`);
        });
      },
    ],
    [
      Instance,
      (props, _args, report) => {
        const v = bool(props["associatePublicIpAddress"]);
        if (v !== false) report(`associatePublicIpAddress is ${v === true ? "true" : "unset (the subnet decides)"}; set false`);
      },
    ],
  ]),
};
