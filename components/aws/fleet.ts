import * as pulumi from "@pulumi/pulumi";
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as lb from "@pulumi/aws/lb";
import * as vpc from "@pulumi/aws/vpc";
import type { HostAgentMetricName } from "../../src/bootstrap/host-agent-metrics";
import { SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH } from "../../src/monitoring/catalogue";
import { AWS_NAME_LIMITS, autoNamed } from "../../src/naming";
import type { AwsSettings } from "../../src/config/types";
import { ASG_QUARANTINE_SUSPENDED_PROCESSES } from "../../src/quarantine";

/**
 * Boot budget of a host: dnf install of the Nitro CLI, EIF download and measurement, enclave start,
 * then 3 healthy checks. The ASG must not judge (or replace) a host before this.
 */
export const HOST_BOOT_GRACE_SECONDS = 900;

export interface FleetInputs {
  readonly settings: AwsSettings;
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly hostSecurityGroup: ec2.SecurityGroup;
  readonly instanceProfile: iam.InstanceProfile;
  readonly targetGroups: lb.TargetGroup[];
  /**
   * Base64 user data (the gzip-compressed `#cloud-config`, see encodeNitroUserData); a change creates
   * a new launch template version and rolls the fleet.
   */
  readonly userDataBase64: pulumi.Input<string>;
  readonly metricNamespace: string;
  readonly fleetName: string;
  /** Quarantine (src/quarantine.ts): suspend the processes that replace or scale in hosts on their own. */
  readonly quarantined?: boolean;
  readonly tags: Record<string, string>;
}

export interface Fleet {
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly group: autoscaling.Group;
}

/**
 * The hosts' security group: 6300 from the load balancer (added by ingress) and HTTPS out, nothing
 * else; no SSH (SSM Session Manager instead). Rules are standalone resources only: mixing inline
 * rules with rule resources on one group makes the provider fight over them.
 */
export function hostSecurityGroup(name: string, vpcId: pulumi.Input<string>, tags: Record<string, string>, parent: pulumi.Resource): ec2.SecurityGroup {
  const sg = new ec2.SecurityGroup(`${name}-hosts`, {
    vpcId,
    description: `Nitro Enclave parent instances of ${name}; no SSH (SSM Session Manager instead)`,
    tags: { ...tags, Name: `${name}-hosts` },
  }, { parent });
  // S3 (EIF), KMS (vsock-proxy), SSM, CloudWatch and the package repositories, through the NAT.
  new vpc.SecurityGroupEgressRule(`${name}-hosts-out-https`, {
    securityGroupId: sg.id,
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: "0.0.0.0/0",
    description: "AWS APIs and package repositories over HTTPS",
  }, { parent });
  return sg;
}

export function enclaveFleet(name: string, inputs: FleetInputs, parent: pulumi.Resource): Fleet {
  const opts = { parent };
  const { settings } = inputs;
  const launchTemplate = new ec2.LaunchTemplate(autoNamed(`${name}-host`, AWS_NAME_LIMITS.launchTemplate), {
    description: `Nitro Enclave parent of ${name}`,
    imageId: settings.amiId,
    instanceType: settings.instanceType,
    enclaveOptions: { enabled: true },
    iamInstanceProfile: { arn: inputs.instanceProfile.arn },
    // IMDSv2 only, one hop: containers or forwarded traffic cannot reach the instance credentials.
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
    networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [inputs.hostSecurityGroup.id], deleteOnTermination: "true" }],
    monitoring: { enabled: true },
    userData: inputs.userDataBase64,
    updateDefaultVersion: true,
    tagSpecifications: [
      { resourceType: "instance", tags: { ...inputs.tags, Name: `${name}-host` } },
      { resourceType: "volume", tags: { ...inputs.tags, Name: `${name}-host` } },
    ],
    tags: inputs.tags,
  }, opts);

  const group = new autoscaling.Group(autoNamed(`${name}-hosts`, AWS_NAME_LIMITS.autoScalingGroup), {
    vpcZoneIdentifiers: inputs.privateSubnetIds,
    minSize: settings.fleet.minSize,
    maxSize: settings.fleet.maxSize,
    desiredCapacity: settings.fleet.desiredCapacity,
    launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
    targetGroupArns: inputs.targetGroups.map((tg) => tg.arn),
    // Replace hosts the load balancer finds unhealthy, not only failed EC2 status checks.
    healthCheckType: "ELB",
    healthCheckGracePeriod: HOST_BOOT_GRACE_SECONDS,
    defaultInstanceWarmup: HOST_BOOT_GRACE_SECONDS,
    waitForCapacityTimeout: "25m",
    // Launch before terminate: a rollout never drops below 100% healthy capacity.
    instanceRefresh: {
      strategy: "Rolling",
      // No autoRollback: AWS refuses it without a desired configuration and with an SSM-parameter AMI.
      preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(HOST_BOOT_GRACE_SECONDS), skipMatching: true },
    },
    // Quarantine: an in-place update; set only then, so resuming removes it (ResumeProcesses).
    ...(inputs.quarantined ? { suspendedProcesses: [...ASG_QUARANTINE_SUSPENDED_PROCESSES] } : {}),
    enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupPendingInstances", "GroupTerminatingInstances"],
    tags: Object.entries({ ...inputs.tags, Name: `${name}-host` }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
  }, { parent, ignoreChanges: ["desiredCapacity"] });

  new autoscaling.Policy(`${name}-scale-cpu`, {
    autoscalingGroupName: group.name,
    policyType: "TargetTrackingScaling",
    estimatedInstanceWarmup: HOST_BOOT_GRACE_SECONDS,
    targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: SCALE_OUT_CPU_PERCENT },
  }, opts);
  new autoscaling.Policy(`${name}-scale-queue`, {
    autoscalingGroupName: group.name,
    policyType: "TargetTrackingScaling",
    estimatedInstanceWarmup: HOST_BOOT_GRACE_SECONDS,
    targetTrackingConfiguration: {
      customizedMetricSpecification: {
        namespace: inputs.metricNamespace,
        metricName: "JobsPending" satisfies HostAgentMetricName,
        metricDimensions: [{ name: "Fleet", value: inputs.fleetName }],
        statistic: "Average",
      },
      targetValue: SCALE_OUT_QUEUE_DEPTH,
    },
  }, opts);
  return { launchTemplate, group };
}
