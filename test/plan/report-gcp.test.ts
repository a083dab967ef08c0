import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { buildPlan, renderText } from "../../src/plan/report";

// The offline plan says what it could not check on GCP: zone availability of the machine type,
// and NAT coverage when the stack creates none.
function resource(type: string, name: string, inputs: Record<string, unknown>): PlannedResource {
  return { type, name, custom: true, id: name, inputs, state: inputs, protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };
}
const mig = resource("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "f-mig", { distributionPolicyZones: ["us-central1-a", "us-central1-b"] });
const tpl = resource("gcp:compute/instanceTemplate:InstanceTemplate", "f-tpl", { machineType: "n2d-standard-8", confidentialInstanceConfig: { confidentialInstanceType: "SEV" } });
const nat = resource("gcp:compute/routerNat:RouterNat", "f-nat", { sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES" });
const review = { plaintext: { seenBy: [], canInterpose: [], closedBy: "", summary: "s" }, activeRelease: "v1", acceptedReleases: ["v1"], unobservableAlarms: [] };
const plan = (resources: PlannedResource[]) => buildPlan({ stack: "s", cloud: "gcp", environment: "dev", ingressMode: "terminate", review, resources, secretKeys: [] });

describe("GCP plan: what was not checked offline", () => {
  it("says the zones were not checked against the machine type's availability, and how to check", () => {
    const p = plan([mig, tpl, nat]);
    expect(p.notChecked).toEqual([
      'zones us-central1-a, us-central1-b were not checked against availability of n2d-standard-8 (SEV): the offline plan cannot ask the Compute API. Check: gcloud compute machine-types list --filter="name=n2d-standard-8 AND zone:(us-central1-a us-central1-b)" (each zone must be listed), and the zones Confidential VM supports for SEV.',
    ]);
    expect(renderText(p)).toContain("Not checked offline (decided by the cloud at deploy time):\n  zones us-central1-a, us-central1-b were not checked");
  });

  it("without a NAT of its own, says the network's NAT must cover the subnet; shows the NAT's ranges when there is one", () => {
    expect(plan([mig, tpl]).notChecked[1]).toContain("Cloud NAT: none created (gcp.network.cloudNat: false)");
    const withNat = plan([mig, tpl, nat]);
    expect(withNat.keySettings).toContainEqual({ resource: "gcp:compute/routerNat:RouterNat::f-nat", setting: "sourceSubnetworkIpRangesToNat", value: "ALL_SUBNETWORKS_ALL_IP_RANGES" });
  });

  it("an AWS plan has nothing to add", () => {
    expect(plan([]).notChecked).toEqual([]);
    expect(renderText(plan([]))).not.toContain("Not checked offline");
  });
});
