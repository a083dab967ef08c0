import type { Policies } from "@pulumi/policy";
import { awsCloudwatchMetricAlarmRequireRoutedP0Alarms } from "./rules/aws-cloudwatch-metricalarm-require-routed-p0-alarms";
import { awsEc2LaunchTemplateDisallowPublicIp } from "./rules/aws-ec2-launchtemplate-disallow-public-ip";
import { awsEc2LaunchTemplateDisallowSecretsInUserData } from "./rules/aws-ec2-launchtemplate-disallow-secrets-in-user-data";
import { awsEc2LaunchTemplateEnforceEnclaveInstanceType } from "./rules/aws-ec2-launchtemplate-enforce-enclave-instance-type";
import { awsEc2LaunchTemplateRequireEncryptedDisks } from "./rules/aws-ec2-launchtemplate-require-encrypted-disks";
import { awsEc2LaunchTemplateRequireImdsv2 } from "./rules/aws-ec2-launchtemplate-require-imdsv2";
import { awsEc2SecurityGroupDisallowPublicIngress } from "./rules/aws-ec2-securitygroup-disallow-public-ingress";
import { awsKmsKeyRequireProtectionInProd } from "./rules/aws-kms-key-require-protection-in-prod";
import { awsLbListenerEnforceTcpIdleTimeout } from "./rules/aws-lb-listener-enforce-tcp-idle-timeout";
import { awsLbListenerRequireModernTls } from "./rules/aws-lb-listener-require-modern-tls";
import { awsLbLoadBalancerEnforceIdleTimeout } from "./rules/aws-lb-loadbalancer-enforce-idle-timeout";
import { awsLbLoadBalancerRequireWaf } from "./rules/aws-lb-loadbalancer-require-waf";
import { awsLbTargetGroupEnforceDeregistrationDelay } from "./rules/aws-lb-targetgroup-enforce-deregistration-delay";
import { awsLbTargetGroupEnforceHealthCheck } from "./rules/aws-lb-targetgroup-enforce-health-check";
import { azureComputeVirtualMachineScaleSetDisallowPublicIp } from "./rules/azure-compute-virtualmachinescaleset-disallow-public-ip";
import { azureComputeVirtualMachineScaleSetDisallowSecretsInCustomData } from "./rules/azure-compute-virtualmachinescaleset-disallow-secrets-in-custom-data";
import { azureComputeVirtualMachineScaleSetRequireConfidentialVm } from "./rules/azure-compute-virtualmachinescaleset-require-confidential-vm";
import { azureKeyVaultVaultRequireProtectionInProd } from "./rules/azure-keyvault-vault-require-protection-in-prod";
import { azureMonitorMetricAlertRequireRoutedP0Alerts } from "./rules/azure-monitor-metricalert-require-routed-p0-alerts";
import { azureNetworkApplicationGatewayEnforceTimeouts } from "./rules/azure-network-applicationgateway-enforce-timeouts";
import { azureNetworkApplicationGatewayRequireModernTls } from "./rules/azure-network-applicationgateway-require-modern-tls";
import { azureNetworkApplicationGatewayRequireWaf } from "./rules/azure-network-applicationgateway-require-waf";
import { azureNetworkLoadBalancerEnforceIdleTimeout } from "./rules/azure-network-loadbalancer-enforce-idle-timeout";
import { azureNetworkNetworkSecurityGroupDisallowPublicIngress } from "./rules/azure-network-networksecuritygroup-disallow-public-ingress";
import { azureNetworkProbeEnforceProofServerHealth } from "./rules/azure-network-probe-enforce-proof-server-health";
import { gcpComputeBackendServiceEnforceTimeouts } from "./rules/gcp-compute-backendservice-enforce-timeouts";
import { gcpComputeBackendServiceRequireCloudArmor } from "./rules/gcp-compute-backendservice-require-cloud-armor";
import { gcpComputeFirewallDisallowPublicIngress } from "./rules/gcp-compute-firewall-disallow-public-ingress";
import { gcpComputeHealthCheckEnforceProofServerProbe } from "./rules/gcp-compute-healthcheck-enforce-proof-server-probe";
import { gcpComputeInstanceTemplateDisallowPublicIp } from "./rules/gcp-compute-instancetemplate-disallow-public-ip";
import { gcpComputeInstanceTemplateDisallowSecretsInMetadata } from "./rules/gcp-compute-instancetemplate-disallow-secrets-in-metadata";
import { gcpComputeInstanceTemplateRequireConfidentialVm } from "./rules/gcp-compute-instancetemplate-require-confidential-vm";
import { gcpComputeInstanceTemplateRequireDiskCmek } from "./rules/gcp-compute-instancetemplate-require-disk-cmek";
import { gcpComputeSslPolicyRequireModernTls } from "./rules/gcp-compute-sslpolicy-require-modern-tls";
import { gcpComputeTargetHttpsProxyRequireModernTls } from "./rules/gcp-compute-targethttpsproxy-require-modern-tls";
import { gcpKmsCryptoKeyRequireProtectionInProd } from "./rules/gcp-kms-cryptokey-require-protection-in-prod";
import { gcpMonitoringAlertPolicyRequireRoutedP0Alerts } from "./rules/gcp-monitoring-alertpolicy-require-routed-p0-alerts";

// The baseline pack: confidential, security and reliability rules, one per module. Each
// rule's default level and its reason are in its module; teams change levels per rule in the
// policy-pack config file (the runner applies it).
export const baselinePolicies: Policies = [
  awsCloudwatchMetricAlarmRequireRoutedP0Alarms,
  awsEc2LaunchTemplateDisallowPublicIp,
  awsEc2LaunchTemplateDisallowSecretsInUserData,
  awsEc2LaunchTemplateEnforceEnclaveInstanceType,
  awsEc2LaunchTemplateRequireEncryptedDisks,
  awsEc2LaunchTemplateRequireImdsv2,
  awsEc2SecurityGroupDisallowPublicIngress,
  awsKmsKeyRequireProtectionInProd,
  awsLbListenerEnforceTcpIdleTimeout,
  awsLbListenerRequireModernTls,
  awsLbLoadBalancerEnforceIdleTimeout,
  awsLbLoadBalancerRequireWaf,
  awsLbTargetGroupEnforceDeregistrationDelay,
  awsLbTargetGroupEnforceHealthCheck,
  azureComputeVirtualMachineScaleSetDisallowPublicIp,
  azureComputeVirtualMachineScaleSetDisallowSecretsInCustomData,
  azureComputeVirtualMachineScaleSetRequireConfidentialVm,
  azureKeyVaultVaultRequireProtectionInProd,
  azureMonitorMetricAlertRequireRoutedP0Alerts,
  azureNetworkApplicationGatewayEnforceTimeouts,
  azureNetworkApplicationGatewayRequireModernTls,
  azureNetworkApplicationGatewayRequireWaf,
  azureNetworkLoadBalancerEnforceIdleTimeout,
  azureNetworkNetworkSecurityGroupDisallowPublicIngress,
  azureNetworkProbeEnforceProofServerHealth,
  gcpComputeBackendServiceEnforceTimeouts,
  gcpComputeBackendServiceRequireCloudArmor,
  gcpComputeFirewallDisallowPublicIngress,
  gcpComputeHealthCheckEnforceProofServerProbe,
  gcpComputeInstanceTemplateDisallowPublicIp,
  gcpComputeInstanceTemplateDisallowSecretsInMetadata,
  gcpComputeInstanceTemplateRequireConfidentialVm,
  gcpComputeInstanceTemplateRequireDiskCmek,
  gcpComputeSslPolicyRequireModernTls,
  gcpComputeTargetHttpsProxyRequireModernTls,
  gcpKmsCryptoKeyRequireProtectionInProd,
  gcpMonitoringAlertPolicyRequireRoutedP0Alerts,
];
