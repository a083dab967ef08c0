import type { StackValidationPolicy } from "@pulumi/policy";
import { AwsLbLoadBalancer as LoadBalancer, AwsWafv2WebAclAssociation as WebAclAssociation } from "../../common/resource-types";
import { bool, dependsOn, ofClasses, referencesByName, str } from "../../common/baseline-props";

// Why (mandatory): an internet-facing ALB terminates TLS (our terminate mode) and is the only
// place requests can be filtered and rate-limited before the enclave; WAF attaches to it through
// a web ACL association (https://docs.aws.amazon.com/waf/latest/developerguide/waf-resources.html).
// A network load balancer (passthrough) cannot carry a web ACL and is not judged.

export const awsLbLoadBalancerRequireWaf: StackValidationPolicy = {
  name: "aws-lb-loadbalancer-require-waf",
  description: "Internet-facing Application Load Balancers have a WAFv2 web ACL associated (a WebAclAssociation in the stack).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Declare an aws.wafv2.WebAcl (regional scope, rate-based rule) and an aws.wafv2.WebAclAssociation with resourceArn set to the load balancer's arn.",
  validateStack: (args, report) => {
    const associations = ofClasses(args.resources, WebAclAssociation);
    for (const lb of ofClasses(args.resources, LoadBalancer)) {
      if ((str(lb.props["loadBalancerType"]) ?? "application") !== "application" || bool(lb.props["internal"]) === true) continue;
      // The association names the ALB by ARN (".../loadbalancer/app/<name>/<id>"): linked by
      // dependency in a preview, by the ALB's (auto-)name in an offline record.
      const found = associations.some((a) => dependsOn(a, lb) || referencesByName(str(a.props["resourceArn"]) ?? "", lb));
      if (!found) report(`internet-facing application load balancer ${lb.name} has no WAFv2 web ACL association`, lb.urn);
    }
  },
};
