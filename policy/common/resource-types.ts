// The provider classes the policy rules match on, as the analyzer uses them: only their Pulumi
// type token (`__pulumiType`, read by @pulumi/policy's isType / validateResourceOfType). Importing the
// classes themselves loaded every cloud's provider modules into every plan and every pack (~40
// modules, ~1.4 MB, ~50-80 ms of an AWS plan) for a string each. Typed as the real classes, so a
// rule's props are typed as before; test/policy/resource-types.test.ts checks each token against
// the class it stands for.
import type { CompositeAlarm as AwsCloudwatchCompositeAlarmClass } from "@pulumi/aws/cloudwatch/compositeAlarm";
import type { LogGroup as AwsCloudwatchLogGroupClass } from "@pulumi/aws/cloudwatch/logGroup";
import type { MetricAlarm as AwsCloudwatchMetricAlarmClass } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { Volume as AwsEbsVolumeClass } from "@pulumi/aws/ebs/volume";
import type { Instance as AwsEc2InstanceClass } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplate as AwsEc2LaunchTemplateClass } from "@pulumi/aws/ec2/launchTemplate";
import type { SecurityGroup as AwsEc2SecurityGroupClass } from "@pulumi/aws/ec2/securityGroup";
import type { SecurityGroupRule as AwsEc2SecurityGroupRuleClass } from "@pulumi/aws/ec2/securityGroupRule";
import type { Key as AwsKmsKeyClass } from "@pulumi/aws/kms/key";
import type { Listener as AwsLbListenerClass } from "@pulumi/aws/lb/listener";
import type { LoadBalancer as AwsLbLoadBalancerClass } from "@pulumi/aws/lb/loadBalancer";
import type { TargetGroup as AwsLbTargetGroupClass } from "@pulumi/aws/lb/targetGroup";
import type { Topic as AwsSnsTopicClass } from "@pulumi/aws/sns/topic";
import type { TopicSubscription as AwsSnsTopicSubscriptionClass } from "@pulumi/aws/sns/topicSubscription";
import type { SecurityGroupIngressRule as AwsVpcSecurityGroupIngressRuleClass } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { WebAclAssociation as AwsWafv2WebAclAssociationClass } from "@pulumi/aws/wafv2/webAclAssociation";
import type { VirtualMachine as AzureComputeVirtualMachineClass } from "@pulumi/azure-native/compute/virtualMachine";
import type { VirtualMachineScaleSet as AzureComputeVirtualMachineScaleSetClass } from "@pulumi/azure-native/compute/virtualMachineScaleSet";
import type { Key as AzureKeyvaultKeyClass } from "@pulumi/azure-native/keyvault/key";
import type { Vault as AzureKeyvaultVaultClass } from "@pulumi/azure-native/keyvault/vault";
import type { ActionGroup as AzureMonitorActionGroupClass } from "@pulumi/azure-native/monitor/actionGroup";
import type { MetricAlert as AzureMonitorMetricAlertClass } from "@pulumi/azure-native/monitor/metricAlert";
import type { ScheduledQueryRule as AzureMonitorScheduledQueryRuleClass } from "@pulumi/azure-native/monitor/scheduledQueryRule";
import type { ApplicationGateway as AzureNetworkApplicationGatewayClass } from "@pulumi/azure-native/network/applicationGateway";
import type { LoadBalancer as AzureNetworkLoadBalancerClass } from "@pulumi/azure-native/network/loadBalancer";
import type { NetworkSecurityGroup as AzureNetworkNetworkSecurityGroupClass } from "@pulumi/azure-native/network/networkSecurityGroup";
import type { SecurityRule as AzureNetworkSecurityRuleClass } from "@pulumi/azure-native/network/securityRule";
import type { WebApplicationFirewallPolicy as AzureNetworkWebApplicationFirewallPolicyClass } from "@pulumi/azure-native/network/webApplicationFirewallPolicy";
import type { Workspace as AzureOperationalinsightsWorkspaceClass } from "@pulumi/azure-native/operationalinsights/workspace";
import type { BackendService as GcpComputeBackendServiceClass } from "@pulumi/gcp/compute/backendService";
import type { Firewall as GcpComputeFirewallClass } from "@pulumi/gcp/compute/firewall";
import type { HealthCheck as GcpComputeHealthCheckClass } from "@pulumi/gcp/compute/healthCheck";
import type { Instance as GcpComputeInstanceClass } from "@pulumi/gcp/compute/instance";
import type { InstanceTemplate as GcpComputeInstanceTemplateClass } from "@pulumi/gcp/compute/instanceTemplate";
import type { RegionBackendService as GcpComputeRegionBackendServiceClass } from "@pulumi/gcp/compute/regionBackendService";
import type { RegionHealthCheck as GcpComputeRegionHealthCheckClass } from "@pulumi/gcp/compute/regionHealthCheck";
import type { RegionInstanceTemplate as GcpComputeRegionInstanceTemplateClass } from "@pulumi/gcp/compute/regionInstanceTemplate";
import type { RegionSslPolicy as GcpComputeRegionSslPolicyClass } from "@pulumi/gcp/compute";
import type { RegionTargetHttpProxy as GcpComputeRegionTargetHttpProxyClass } from "@pulumi/gcp/compute";
import type { RegionTargetHttpsProxy as GcpComputeRegionTargetHttpsProxyClass } from "@pulumi/gcp/compute";
import type { RegionUrlMap as GcpComputeRegionUrlMapClass } from "@pulumi/gcp/compute";
import type { SSLPolicy as GcpComputeSSLPolicyClass } from "@pulumi/gcp/compute";
import type { TargetHttpProxy as GcpComputeTargetHttpProxyClass } from "@pulumi/gcp/compute";
import type { TargetHttpsProxy as GcpComputeTargetHttpsProxyClass } from "@pulumi/gcp/compute";
import type { TargetSSLProxy as GcpComputeTargetSSLProxyClass } from "@pulumi/gcp/compute";
import type { URLMap as GcpComputeURLMapClass } from "@pulumi/gcp/compute";
import type { WorkloadIdentityPoolProvider as GcpIamWorkloadIdentityPoolProviderClass } from "@pulumi/gcp/iam/workloadIdentityPoolProvider";
import type { CryptoKey as GcpKmsCryptoKeyClass } from "@pulumi/gcp/kms/cryptoKey";
import type { AlertPolicy as GcpMonitoringAlertPolicyClass } from "@pulumi/gcp/monitoring/alertPolicy";
import type { NotificationChannel as GcpMonitoringNotificationChannelClass } from "@pulumi/gcp/monitoring/notificationChannel";
import type { Secret as GcpSecretmanagerSecretClass } from "@pulumi/gcp/secretmanager/secret";

/** Where a stand-in's class lives (its module and export name), for the test that checks the token. */
export interface ResourceTypeOrigin {
  readonly module: string;
  readonly exportName: string;
}

const origins = new Map<string, ResourceTypeOrigin>();

/** A stand-in for a provider class: its type token, typed as the class (policy rules use nothing else of it). */
function resourceType<C>(token: string, origin: ResourceTypeOrigin): C {
  origins.set(token, origin);
  return { __pulumiType: token } as unknown as C;
}

/** Every stand-in's token and origin. */
export function resourceTypeOrigins(): ReadonlyMap<string, ResourceTypeOrigin> {
  return origins;
}

export const AwsCloudwatchCompositeAlarm = resourceType<typeof AwsCloudwatchCompositeAlarmClass>("aws:cloudwatch/compositeAlarm:CompositeAlarm", { module: "@pulumi/aws/cloudwatch/compositeAlarm", exportName: "CompositeAlarm" });
export const AwsCloudwatchLogGroup = resourceType<typeof AwsCloudwatchLogGroupClass>("aws:cloudwatch/logGroup:LogGroup", { module: "@pulumi/aws/cloudwatch/logGroup", exportName: "LogGroup" });
export const AwsCloudwatchMetricAlarm = resourceType<typeof AwsCloudwatchMetricAlarmClass>("aws:cloudwatch/metricAlarm:MetricAlarm", { module: "@pulumi/aws/cloudwatch/metricAlarm", exportName: "MetricAlarm" });
export const AwsEbsVolume = resourceType<typeof AwsEbsVolumeClass>("aws:ebs/volume:Volume", { module: "@pulumi/aws/ebs/volume", exportName: "Volume" });
export const AwsEc2Instance = resourceType<typeof AwsEc2InstanceClass>("aws:ec2/instance:Instance", { module: "@pulumi/aws/ec2/instance", exportName: "Instance" });
export const AwsEc2LaunchTemplate = resourceType<typeof AwsEc2LaunchTemplateClass>("aws:ec2/launchTemplate:LaunchTemplate", { module: "@pulumi/aws/ec2/launchTemplate", exportName: "LaunchTemplate" });
export const AwsEc2SecurityGroup = resourceType<typeof AwsEc2SecurityGroupClass>("aws:ec2/securityGroup:SecurityGroup", { module: "@pulumi/aws/ec2/securityGroup", exportName: "SecurityGroup" });
export const AwsEc2SecurityGroupRule = resourceType<typeof AwsEc2SecurityGroupRuleClass>("aws:ec2/securityGroupRule:SecurityGroupRule", { module: "@pulumi/aws/ec2/securityGroupRule", exportName: "SecurityGroupRule" });
export const AwsKmsKey = resourceType<typeof AwsKmsKeyClass>("aws:kms/key:Key", { module: "@pulumi/aws/kms/key", exportName: "Key" });
export const AwsLbListener = resourceType<typeof AwsLbListenerClass>("aws:lb/listener:Listener", { module: "@pulumi/aws/lb/listener", exportName: "Listener" });
export const AwsLbLoadBalancer = resourceType<typeof AwsLbLoadBalancerClass>("aws:lb/loadBalancer:LoadBalancer", { module: "@pulumi/aws/lb/loadBalancer", exportName: "LoadBalancer" });
export const AwsLbTargetGroup = resourceType<typeof AwsLbTargetGroupClass>("aws:lb/targetGroup:TargetGroup", { module: "@pulumi/aws/lb/targetGroup", exportName: "TargetGroup" });
export const AwsSnsTopic = resourceType<typeof AwsSnsTopicClass>("aws:sns/topic:Topic", { module: "@pulumi/aws/sns/topic", exportName: "Topic" });
export const AwsSnsTopicSubscription = resourceType<typeof AwsSnsTopicSubscriptionClass>("aws:sns/topicSubscription:TopicSubscription", { module: "@pulumi/aws/sns/topicSubscription", exportName: "TopicSubscription" });
export const AwsVpcSecurityGroupIngressRule = resourceType<typeof AwsVpcSecurityGroupIngressRuleClass>("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { module: "@pulumi/aws/vpc/securityGroupIngressRule", exportName: "SecurityGroupIngressRule" });
export const AwsWafv2WebAclAssociation = resourceType<typeof AwsWafv2WebAclAssociationClass>("aws:wafv2/webAclAssociation:WebAclAssociation", { module: "@pulumi/aws/wafv2/webAclAssociation", exportName: "WebAclAssociation" });
export const AzureComputeVirtualMachine = resourceType<typeof AzureComputeVirtualMachineClass>("azure-native:compute:VirtualMachine", { module: "@pulumi/azure-native/compute/virtualMachine", exportName: "VirtualMachine" });
export const AzureComputeVirtualMachineScaleSet = resourceType<typeof AzureComputeVirtualMachineScaleSetClass>("azure-native:compute:VirtualMachineScaleSet", { module: "@pulumi/azure-native/compute/virtualMachineScaleSet", exportName: "VirtualMachineScaleSet" });
export const AzureKeyvaultKey = resourceType<typeof AzureKeyvaultKeyClass>("azure-native:keyvault:Key", { module: "@pulumi/azure-native/keyvault/key", exportName: "Key" });
export const AzureKeyvaultVault = resourceType<typeof AzureKeyvaultVaultClass>("azure-native:keyvault:Vault", { module: "@pulumi/azure-native/keyvault/vault", exportName: "Vault" });
export const AzureMonitorActionGroup = resourceType<typeof AzureMonitorActionGroupClass>("azure-native:monitor:ActionGroup", { module: "@pulumi/azure-native/monitor/actionGroup", exportName: "ActionGroup" });
export const AzureMonitorMetricAlert = resourceType<typeof AzureMonitorMetricAlertClass>("azure-native:monitor:MetricAlert", { module: "@pulumi/azure-native/monitor/metricAlert", exportName: "MetricAlert" });
export const AzureMonitorScheduledQueryRule = resourceType<typeof AzureMonitorScheduledQueryRuleClass>("azure-native:monitor:ScheduledQueryRule", { module: "@pulumi/azure-native/monitor/scheduledQueryRule", exportName: "ScheduledQueryRule" });
export const AzureNetworkApplicationGateway = resourceType<typeof AzureNetworkApplicationGatewayClass>("azure-native:network:ApplicationGateway", { module: "@pulumi/azure-native/network/applicationGateway", exportName: "ApplicationGateway" });
export const AzureNetworkLoadBalancer = resourceType<typeof AzureNetworkLoadBalancerClass>("azure-native:network:LoadBalancer", { module: "@pulumi/azure-native/network/loadBalancer", exportName: "LoadBalancer" });
export const AzureNetworkNetworkSecurityGroup = resourceType<typeof AzureNetworkNetworkSecurityGroupClass>("azure-native:network:NetworkSecurityGroup", { module: "@pulumi/azure-native/network/networkSecurityGroup", exportName: "NetworkSecurityGroup" });
export const AzureNetworkSecurityRule = resourceType<typeof AzureNetworkSecurityRuleClass>("azure-native:network:SecurityRule", { module: "@pulumi/azure-native/network/securityRule", exportName: "SecurityRule" });
export const AzureNetworkWebApplicationFirewallPolicy = resourceType<typeof AzureNetworkWebApplicationFirewallPolicyClass>("azure-native:network:WebApplicationFirewallPolicy", { module: "@pulumi/azure-native/network/webApplicationFirewallPolicy", exportName: "WebApplicationFirewallPolicy" });
export const AzureOperationalinsightsWorkspace = resourceType<typeof AzureOperationalinsightsWorkspaceClass>("azure-native:operationalinsights:Workspace", { module: "@pulumi/azure-native/operationalinsights/workspace", exportName: "Workspace" });
export const GcpComputeBackendService = resourceType<typeof GcpComputeBackendServiceClass>("gcp:compute/backendService:BackendService", { module: "@pulumi/gcp/compute/backendService", exportName: "BackendService" });
export const GcpComputeFirewall = resourceType<typeof GcpComputeFirewallClass>("gcp:compute/firewall:Firewall", { module: "@pulumi/gcp/compute/firewall", exportName: "Firewall" });
export const GcpComputeHealthCheck = resourceType<typeof GcpComputeHealthCheckClass>("gcp:compute/healthCheck:HealthCheck", { module: "@pulumi/gcp/compute/healthCheck", exportName: "HealthCheck" });
export const GcpComputeInstance = resourceType<typeof GcpComputeInstanceClass>("gcp:compute/instance:Instance", { module: "@pulumi/gcp/compute/instance", exportName: "Instance" });
export const GcpComputeInstanceTemplate = resourceType<typeof GcpComputeInstanceTemplateClass>("gcp:compute/instanceTemplate:InstanceTemplate", { module: "@pulumi/gcp/compute/instanceTemplate", exportName: "InstanceTemplate" });
export const GcpComputeRegionBackendService = resourceType<typeof GcpComputeRegionBackendServiceClass>("gcp:compute/regionBackendService:RegionBackendService", { module: "@pulumi/gcp/compute/regionBackendService", exportName: "RegionBackendService" });
export const GcpComputeRegionHealthCheck = resourceType<typeof GcpComputeRegionHealthCheckClass>("gcp:compute/regionHealthCheck:RegionHealthCheck", { module: "@pulumi/gcp/compute/regionHealthCheck", exportName: "RegionHealthCheck" });
export const GcpComputeRegionInstanceTemplate = resourceType<typeof GcpComputeRegionInstanceTemplateClass>("gcp:compute/regionInstanceTemplate:RegionInstanceTemplate", { module: "@pulumi/gcp/compute/regionInstanceTemplate", exportName: "RegionInstanceTemplate" });
export const GcpComputeRegionSslPolicy = resourceType<typeof GcpComputeRegionSslPolicyClass>("gcp:compute/regionSslPolicy:RegionSslPolicy", { module: "@pulumi/gcp/compute", exportName: "RegionSslPolicy" });
export const GcpComputeRegionTargetHttpProxy = resourceType<typeof GcpComputeRegionTargetHttpProxyClass>("gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy", { module: "@pulumi/gcp/compute", exportName: "RegionTargetHttpProxy" });
export const GcpComputeRegionTargetHttpsProxy = resourceType<typeof GcpComputeRegionTargetHttpsProxyClass>("gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy", { module: "@pulumi/gcp/compute", exportName: "RegionTargetHttpsProxy" });
export const GcpComputeRegionUrlMap = resourceType<typeof GcpComputeRegionUrlMapClass>("gcp:compute/regionUrlMap:RegionUrlMap", { module: "@pulumi/gcp/compute", exportName: "RegionUrlMap" });
export const GcpComputeSSLPolicy = resourceType<typeof GcpComputeSSLPolicyClass>("gcp:compute/sSLPolicy:SSLPolicy", { module: "@pulumi/gcp/compute", exportName: "SSLPolicy" });
export const GcpComputeTargetHttpProxy = resourceType<typeof GcpComputeTargetHttpProxyClass>("gcp:compute/targetHttpProxy:TargetHttpProxy", { module: "@pulumi/gcp/compute", exportName: "TargetHttpProxy" });
export const GcpComputeTargetHttpsProxy = resourceType<typeof GcpComputeTargetHttpsProxyClass>("gcp:compute/targetHttpsProxy:TargetHttpsProxy", { module: "@pulumi/gcp/compute", exportName: "TargetHttpsProxy" });
export const GcpComputeTargetSSLProxy = resourceType<typeof GcpComputeTargetSSLProxyClass>("gcp:compute/targetSSLProxy:TargetSSLProxy", { module: "@pulumi/gcp/compute", exportName: "TargetSSLProxy" });
export const GcpComputeURLMap = resourceType<typeof GcpComputeURLMapClass>("gcp:compute/uRLMap:URLMap", { module: "@pulumi/gcp/compute", exportName: "URLMap" });
export const GcpIamWorkloadIdentityPoolProvider = resourceType<typeof GcpIamWorkloadIdentityPoolProviderClass>("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", { module: "@pulumi/gcp/iam/workloadIdentityPoolProvider", exportName: "WorkloadIdentityPoolProvider" });
export const GcpKmsCryptoKey = resourceType<typeof GcpKmsCryptoKeyClass>("gcp:kms/cryptoKey:CryptoKey", { module: "@pulumi/gcp/kms/cryptoKey", exportName: "CryptoKey" });
export const GcpMonitoringAlertPolicy = resourceType<typeof GcpMonitoringAlertPolicyClass>("gcp:monitoring/alertPolicy:AlertPolicy", { module: "@pulumi/gcp/monitoring/alertPolicy", exportName: "AlertPolicy" });
export const GcpMonitoringNotificationChannel = resourceType<typeof GcpMonitoringNotificationChannelClass>("gcp:monitoring/notificationChannel:NotificationChannel", { module: "@pulumi/gcp/monitoring/notificationChannel", exportName: "NotificationChannel" });
export const GcpSecretmanagerSecret = resourceType<typeof GcpSecretmanagerSecretClass>("gcp:secretmanager/secret:Secret", { module: "@pulumi/gcp/secretmanager/secret", exportName: "Secret" });
