import * as pulumi from "@pulumi/pulumi";
import { NitroProofServer } from "../components/aws/nitroProofServer";
import type { StackConfig } from "../src/config/types";
import type { NitroReviewFacts } from "../components/aws/nitroProofServer";
import { fitName } from "../src/naming";

/** What every stack exports, whatever the cloud. */
export interface StackOutputs {
  readonly endpoint: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly autoScalingGroupName: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly topicArns: Record<string, pulumi.Output<string>>;
  readonly ingressMode: string;
  readonly plaintextSeenBy: string[];
  readonly review: NitroReviewFacts;
}

/**
 * The fleet's name: prefix and stack, so two stacks of one environment in one account never
 * collide on the few resources that carry explicit names (log group, KMS alias, dashboard).
 */
export function fleetName(namePrefix: string, stack: string): string {
  return fitName(`${namePrefix}-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`, 28);
}

/** Compose the environment's components for its cloud. */
export function deployStack(config: StackConfig, stack: string = pulumi.getStack()): StackOutputs {
  switch (config.cloud) {
    case "aws": {
      const server = new NitroProofServer(fleetName(config.namePrefix, stack), config);
      return {
        endpoint: server.endpoint,
        loadBalancerDnsName: server.loadBalancerDnsName,
        targetGroupArn: server.targetGroupArn,
        autoScalingGroupName: server.autoScalingGroupName,
        kmsKeyArn: server.kmsKeyArn,
        topicArns: server.topicArns,
        ingressMode: config.ingress.mode,
        plaintextSeenBy: server.review.plaintext.seenBy.slice(),
        review: server.review,
      };
    }
  }
}
