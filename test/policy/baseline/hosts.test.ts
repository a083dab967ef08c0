import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsEc2LaunchTemplateRequireImdsv2 as imdsRule } from "../../../policy/baseline/rules/aws-ec2-launchtemplate-require-imdsv2";
import { awsEc2LaunchTemplateRequireEncryptedDisks as diskRule } from "../../../policy/baseline/rules/aws-ec2-launchtemplate-require-encrypted-disks";
import { awsEc2LaunchTemplateDisallowPublicIp as awsIpRule } from "../../../policy/baseline/rules/aws-ec2-launchtemplate-disallow-public-ip";
import { gcpComputeInstanceTemplateDisallowPublicIp as gcpIpRule } from "../../../policy/baseline/rules/gcp-compute-instancetemplate-disallow-public-ip";
import { azureComputeVirtualMachineScaleSetDisallowPublicIp as azIpRule } from "../../../policy/baseline/rules/azure-compute-virtualmachinescaleset-disallow-public-ip";
import { gcpComputeInstanceTemplateRequireDiskCmek as cmekRule } from "../../../policy/baseline/rules/gcp-compute-instancetemplate-require-disk-cmek";
import { awsDev, gcpDev, NONE, pick, resource, violations, withProps } from "./dev-stacks";

const lt = pick(awsDev, "aws:ec2/launchTemplate:LaunchTemplate", "prover-dev-host");

describe("aws-ec2-launchtemplate-require-imdsv2", () => {
  it("passes the dev launch template (required, hop limit 1)", async () => {
    expect(await runResourcePolicy(imdsRule, lt)).toEqual(NONE);
  });

  it("refuses IMDSv1, a hop limit of 2, and unset options", async () => {
    expect(await runResourcePolicy(imdsRule, withProps(lt, { metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 2 } }))).toEqual(
      violations('metadataOptions.httpTokens is optional; set "required" (IMDSv2 only)', "metadataOptions.httpPutResponseHopLimit is 2; set 1 so only the host itself reaches the metadata service"),
    );
    const instance = resource("aws:ec2/instance:Instance", "box", { instanceType: "m6i.xlarge", ami: "ami-1" });
    expect(await runResourcePolicy(imdsRule, instance)).toEqual(
      violations('metadataOptions.httpTokens is unset (the AMI or account default decides); set "required" (IMDSv2 only)', "metadataOptions.httpPutResponseHopLimit is unset (the AMI or account default decides); set 1 so only the host itself reaches the metadata service"),
    );
    expect(await runResourcePolicy(imdsRule, withProps(instance, { metadataOptions: { httpEndpoint: "disabled" } }))).toEqual(NONE);
  });
});

describe("aws-ec2-launchtemplate-require-encrypted-disks", () => {
  it("passes the dev launch template (root gp3 encrypted)", async () => {
    expect(await runResourcePolicy(diskRule, lt)).toEqual(NONE);
  });

  it("refuses an unencrypted mapping, no mapping at all, and unencrypted instances and volumes", async () => {
    expect(await runResourcePolicy(diskRule, withProps(lt, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false", volumeSize: 30 } }] }))).toEqual(violations("block device /dev/xvda is not encrypted (ebs.encrypted)"));
    expect(await runResourcePolicy(diskRule, withProps(lt, { blockDeviceMappings: undefined }))).toEqual(
      violations("declares no EBS block device mapping, so the root volume's encryption is left to the AMI and the account default; map the root device with ebs.encrypted true"),
    );
    expect(await runResourcePolicy(diskRule, resource("aws:ec2/instance:Instance", "box", { rootBlockDevice: { volumeSize: 8 } }))).toEqual(violations("rootBlockDevice.encrypted is not true"));
    expect(await runResourcePolicy(diskRule, resource("aws:ebs/volume:Volume", "data", { size: 10, availabilityZone: "us-east-1a" }))).toEqual(violations("EBS volume is not encrypted"));
  });
});

describe("aws-ec2-launchtemplate-disallow-public-ip", () => {
  it("passes the dev launch template (associatePublicIpAddress \"false\")", async () => {
    expect(await runResourcePolicy(awsIpRule, lt)).toEqual(NONE);
  });

  it("refuses a public IP and leaving it to the subnet", async () => {
    expect(await runResourcePolicy(awsIpRule, withProps(lt, { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true" }] }))).toEqual(violations("networkInterfaces[0].associatePublicIpAddress is true; set false"));
    expect(await runResourcePolicy(awsIpRule, withProps(lt, { networkInterfaces: undefined }))).toEqual(
      violations("declares no network interface, so the subnet's mapPublicIpOnLaunch decides whether hosts get a public IP; set associatePublicIpAddress false"),
    );
    expect(await runResourcePolicy(awsIpRule, resource("aws:ec2/instance:Instance", "box", { associatePublicIpAddress: true }))).toEqual(violations("associatePublicIpAddress is true; set false"));
  });
});

describe("gcp-compute-instancetemplate-disallow-public-ip", () => {
  const tpl = pick(gcpDev, "gcp:compute/instanceTemplate:InstanceTemplate", "prover-dev-gcp-tpl");

  it("passes the dev template and prober (no access configs)", async () => {
    expect(await runResourcePolicy(gcpIpRule, tpl)).toEqual(NONE);
    expect(await runResourcePolicy(gcpIpRule, pick(gcpDev, "gcp:compute/instance:Instance", "prover-dev-gcp-prober"))).toEqual(NONE);
  });

  it("refuses an external IPv4 or IPv6 address", async () => {
    const nic = (tpl.props["networkInterfaces"] as Record<string, unknown>[])[0]!;
    expect(await runResourcePolicy(gcpIpRule, withProps(tpl, { networkInterfaces: [{ ...nic, accessConfigs: [{}], ipv6AccessConfigs: [{ networkTier: "PREMIUM" }] }] }))).toEqual(
      violations("networkInterfaces[0] has accessConfigs: the VM gets an external IPv4 address", "networkInterfaces[0] has ipv6AccessConfigs: the VM gets an external IPv6 address"),
    );
  });
});

describe("azure-compute-virtualmachinescaleset-disallow-public-ip", () => {
  const ipConfig = { name: "ipconfig", subnet: { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/hosts" } };
  const vmss = resource("azure-native:compute:VirtualMachineScaleSet", "prover-vmss", { virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: [{ name: "nic", primary: true, ipConfigurations: [ipConfig] }] } } });

  it("passes private NICs and refuses a public IP configuration", async () => {
    expect(await runResourcePolicy(azIpRule, vmss)).toEqual(NONE);
    const open = withProps(vmss, { virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: [{ name: "nic", ipConfigurations: [{ ...ipConfig, publicIPAddressConfiguration: { name: "pip" } }] }] } } });
    expect(await runResourcePolicy(azIpRule, open)).toEqual(violations("NIC nic ip configuration ipconfig has a publicIPAddressConfiguration: every instance gets a public IP"));
  });
});

describe("gcp-compute-instancetemplate-require-disk-cmek", () => {
  const tpl = pick(gcpDev, "gcp:compute/instanceTemplate:InstanceTemplate", "prover-dev-gcp-tpl");
  const disk = (tpl.props["disks"] as Record<string, unknown>[])[0]!;

  it("asks nothing by default (Google encrypts disks at rest)", async () => {
    expect(await runResourcePolicy(cmekRule, tpl)).toEqual(NONE);
  });

  it("with requireCmek, refuses Google-managed keys and passes a KMS key", async () => {
    expect(await runResourcePolicy(cmekRule, tpl, { requireCmek: true })).toEqual(violations("boot disk is encrypted with a Google-managed key; requireCmek asks for a Cloud KMS key (diskEncryptionKey.kmsKeySelfLink)"));
    const cmek = withProps(tpl, { disks: [{ ...disk, diskEncryptionKey: { kmsKeySelfLink: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/disks" } }] });
    expect(await runResourcePolicy(cmekRule, cmek, { requireCmek: true })).toEqual(NONE);
  });
});
