import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import type { GcpNetworkSettings } from "../../src/config/types";
import { GCP_PROXY_AND_HEALTH_CHECK_RANGES } from "../../src/ingress/model";
import { autoNamed, GCP_NAME_MAX } from "../../src/naming";

export interface GcpFleetNetwork {
  readonly network: pulumi.Output<string>;
  readonly subnetwork: pulumi.Output<string>;
}

/**
 * A VPC and subnet with Private Google Access (Secret Manager, STS, Artifact Registry without a
 * public IP) and Cloud NAT for the parameter downloads, or the given network (with a NAT for the
 * subnet only if `cloudNat` says so); plus the firewall
 * that admits only Google's proxy and health-check ranges to the proof server port.
 */
export function gcpFleetNetwork(
  name: string,
  settings: GcpNetworkSettings,
  region: string,
  targetTag: string,
  port: number,
  parent: pulumi.Resource,
): GcpFleetNetwork {
  const opts = { parent };
  let network: pulumi.Output<string>;
  let subnetwork: pulumi.Output<string>;
  if (settings.mode === "existing") {
    network = pulumi.output(settings.network);
    subnetwork = pulumi.output(settings.subnetwork);
  } else {
    const vpc = new compute.Network(autoNamed(`${name}-vpc`, GCP_NAME_MAX), { autoCreateSubnetworks: false, routingMode: "REGIONAL" }, opts);
    const subnet = new compute.Subnetwork(autoNamed(`${name}-hosts`, GCP_NAME_MAX), {
      network: vpc.id,
      region,
      ipCidrRange: settings.cidrBlock,
      privateIpGoogleAccess: true,
      logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    }, opts);
    network = vpc.id;
    subnetwork = subnet.id;
  }
  // Cloud NAT: instances have no external IP but fetch proving parameters on first use. In an
  // existing network only when asked: the network may have a NAT for the region already.
  if (settings.mode === "create" || settings.cloudNat) {
    const router = new compute.Router(autoNamed(`${name}-router`, GCP_NAME_MAX), { network, region }, opts);
    new compute.RouterNat(autoNamed(`${name}-nat`, GCP_NAME_MAX), {
      router: router.name,
      region,
      natIpAllocateOption: "AUTO_ONLY",
      // Our own VPC: every range. A shared network: only the subnet we were given, so this NAT
      // never claims ranges another NAT in the region serves.
      ...(settings.mode === "create"
        ? { sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES" }
        : { sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS", subnetworks: [{ name: subnetwork, sourceIpRangesToNats: ["ALL_IP_RANGES"] }] }),
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    }, opts);
  }
  new compute.Firewall(autoNamed(`${name}-lb-to-hosts`, GCP_NAME_MAX), {
    network,
    direction: "INGRESS",
    description: `Google front ends and health checkers to the proof server of ${name}; nothing else reaches it`,
    sourceRanges: [...GCP_PROXY_AND_HEALTH_CHECK_RANGES],
    targetTags: [targetTag],
    allows: [{ protocol: "tcp", ports: [String(port)] }],
  }, opts);
  return { network, subnetwork };
}
