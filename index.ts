// Pulumi program entry (Pulumi.yaml `main: index.ts`): validate the stack's config once, then hand
// typed values to stacks/. Library consumers import lib.ts instead, which declares nothing.
// Pulumi runs the program from the project directory, so release manifests resolve from there.
import { configFromPulumiRuntime } from "./src/config/load";
import { resolveStackConfig } from "./src/config/resolve";
import { deployStack } from "./stacks";

const outputs = deployStack(resolveStackConfig(configFromPulumiRuntime(process.cwd())));

export const endpoint = outputs.endpoint;
export const loadBalancerDnsName = outputs.loadBalancerDnsName;
export const targetGroupArn = outputs.targetGroupArn;
export const autoScalingGroupName = outputs.autoScalingGroupName;
export const kmsKeyArn = outputs.kmsKeyArn;
export const topicArns = outputs.topicArns;
export const ingressMode = outputs.ingressMode;
export const plaintextSeenBy = outputs.plaintextSeenBy;
/** Review facts (who sees plaintext, accepted releases, warn-only PCRs, unobservable alarms). */
export const review = outputs.review;
