import * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import * as ec2 from "@pulumi/aws/ec2";
import { subnetCidr } from "../../src/cidr";
import type { AwsVpcSettings } from "../../src/config/types";

export interface FleetNetwork {
  readonly vpcId: pulumi.Output<string>;
  /** Host subnets: no public IPs, egress through NAT. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Load balancer subnets. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
}

/**
 * A VPC over >= 2 AZs (public subnets for the load balancer, private ones for hosts, NAT for the
 * hosts' egress to S3, KMS, SSM and CloudWatch), or the ids of an existing one.
 */
export function fleetNetwork(name: string, settings: AwsVpcSettings, tags: Record<string, string>, parent: pulumi.Resource): FleetNetwork {
  if (settings.mode === "existing") {
    return {
      vpcId: pulumi.output(settings.vpcId),
      privateSubnetIds: pulumi.output(settings.privateSubnetIds),
      publicSubnetIds: pulumi.output(settings.publicSubnetIds),
    };
  }
  const opts = { parent };
  const zones = getAvailabilityZonesOutput({ state: "available" }, opts);
  const vpc = new ec2.Vpc(`${name}-vpc`, { cidrBlock: settings.cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } }, opts);
  const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, opts);
  const publicRoutes = new ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...tags, Name: `${name}-public` } }, opts);

  const publicSubnets: ec2.Subnet[] = [];
  const privateSubnets: ec2.Subnet[] = [];
  const natGateways: ec2.NatGateway[] = [];
  for (let i = 0; i < settings.availabilityZoneCount; i++) {
    const az = zones.names.apply((names) => {
      const zone = names[i];
      if (!zone) throw new Error(`${name}: region has only ${names.length} available AZs; aws.vpc.availabilityZoneCount asks for ${settings.availabilityZoneCount}`);
      return zone;
    });
    const pub = new ec2.Subnet(`${name}-public-${i}`, {
      vpcId: vpc.id,
      availabilityZone: az,
      cidrBlock: subnetCidr(settings.cidrBlock, 24, i),
      // Only the load balancer lives here; nothing gets a public IP implicitly.
      mapPublicIpOnLaunch: false,
      tags: { ...tags, Name: `${name}-public-${i}`, "tee-prover:tier": "public" },
    }, opts);
    new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, opts);
    publicSubnets.push(pub);
    if (settings.natGateways === "perAz" || i === 0) {
      const eip = new ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${i}` } }, opts);
      natGateways.push(new ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: { ...tags, Name: `${name}-nat-${i}` } }, { parent, dependsOn: [igw] }));
    }
    const nat = natGateways[settings.natGateways === "perAz" ? i : 0]!;
    const privateRoutes = new ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: { ...tags, Name: `${name}-private-${i}` } }, opts);
    const priv = new ec2.Subnet(`${name}-private-${i}`, {
      vpcId: vpc.id,
      availabilityZone: az,
      // /20s after the first 16 /24s, so public and private ranges never overlap.
      cidrBlock: subnetCidr(settings.cidrBlock, 20, i + 1),
      mapPublicIpOnLaunch: false,
      tags: { ...tags, Name: `${name}-private-${i}`, "tee-prover:tier": "private" },
    }, opts);
    new ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: privateRoutes.id }, opts);
    privateSubnets.push(priv);
  }
  return {
    vpcId: vpc.id,
    privateSubnetIds: pulumi.all(privateSubnets.map((s) => s.id)),
    publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
  };
}
