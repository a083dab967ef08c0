/** gcp-compute-instancetemplate-require-production-confidential-space over the dev-gcp template and broken variants. */
import { describe, expect, it } from "vitest";
import { gcpComputeInstanceTemplateRequireProductionConfidentialSpace as rule } from "../../../policy/attestation/rules/gcp-compute-instancetemplate-require-production-confidential-space";
import { runResourcePolicy, type OfflineResource, type PolicyOutcome } from "../../../src/policy/evaluate";
import { devResource, offline } from "./fixtures";

const TPL = "gcp:compute/instanceTemplate:InstanceTemplate";
const ZERO = "sha256:" + "0".repeat(64);
const REAL = "sha256:4f1c0e5b8a2d7c9e3f6a1b4d8c2e5f7a9b3d6c1e4f8a2b5d7c9e1f3a6b8d2c4e";

function variant(edit: (props: { disks: Array<Record<string, unknown>>; metadata: Record<string, string> }) => void): OfflineResource {
  const t = devResource(TPL);
  edit(t.props as { disks: Array<Record<string, unknown>>; metadata: Record<string, string> });
  return t;
}
const found = (o: PolicyOutcome): string[] => (o.kind === "violations" ? o.violations.map((v) => v.message) : [`notApplicable: ${o.reason ?? ""}`]);
const run = async (r: OfflineResource, acceptedImageDigests: string[] = []): Promise<string[]> => found(await runResourcePolicy(rule, r, { acceptedImageDigests }));

describe("gcp-compute-instancetemplate-require-production-confidential-space", () => {
  it("passes the dev-gcp template, and a dated production image as a full API URL", async () => {
    expect(await run(devResource(TPL))).toEqual([]);
    expect(await run(devResource(TPL), [ZERO, REAL])).toEqual([]);
    const dated = variant((p) => (p.disks[0]!["sourceImage"] = "https://www.googleapis.com/compute/v1/projects/confidential-space-images/global/images/confidential-space-250301"));
    expect(await run(dated)).toEqual([]);
  });

  it("refuses the debug image family", async () => {
    const debug = variant((p) => (p.disks[0]!["sourceImage"] = "projects/confidential-space-images/global/images/family/confidential-space-debug"));
    expect(await run(debug)).toEqual(["Confidential Space template boots the debug image projects/confidential-space-images/global/images/family/confidential-space-debug: the operator gets SSH and root on the VM running the workload"]);
  });

  it("refuses another image (e.g. Container-Optimized OS)", async () => {
    const cos = variant((p) => (p.disks[0]!["sourceImage"] = "projects/cos-cloud/global/images/family/cos-stable"));
    expect(await run(cos)).toEqual(["Confidential Space template boots projects/cos-cloud/global/images/family/cos-stable, not the production image family projects/confidential-space-images/global/images/family/confidential-space"]);
  });

  it("refuses a container referenced by tag, and a digest that is not accepted", async () => {
    const tag = variant((p) => (p.metadata["tee-image-reference"] = "docker.io/midnightntwrk/proof-server:6.3.1"));
    expect(await run(tag)).toEqual(['tee-image-reference "docker.io/midnightntwrk/proof-server:6.3.1" is not pinned by digest: use <repository>@sha256:<64 hex>']);
    expect(await run(devResource(TPL), [REAL])).toEqual([`tee-image-reference pins ${ZERO}, which is not an accepted digest (${REAL})`]);
  });

  it("ignores templates that are not Confidential Space", async () => {
    expect(await run(offline(TPL, "web", { metadata: { "startup-script": "echo hi" } }))).toEqual(["notApplicable: no tee-image-reference metadata: not a Confidential Space template"]);
  });

  it("judges regional templates alike", async () => {
    const regional = { ...devResource(TPL), type: "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate" };
    expect(await run(regional)).toEqual([]);
    const debug = { ...regional, props: { ...regional.props, disks: [{ boot: true, sourceImage: "projects/confidential-space-images/global/images/family/confidential-space-debug" }] } };
    expect(await run(debug)).toEqual(["Confidential Space template boots the debug image projects/confidential-space-images/global/images/family/confidential-space-debug: the operator gets SSH and root on the VM running the workload"]);
    expect(await run(offline("gcp:compute/instance:Instance", "vm", {}))).toEqual(["notApplicable: not a compute instance template or region instance template"]);
  });
});
