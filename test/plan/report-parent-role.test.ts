import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildNitroKmsKeyPolicy, nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";
import type { PlannedResource } from "../../src/plan/engine";
import { buildPlan, renderText, type ReviewOutput } from "../../src/plan/report";

// How the plan shows PCR3 (the parent instance's role), from hand-made key policies.

const HOST_ROLE = "arn:aws:iam::123456789012:role/prover-prod-host-a1b2c3d";
const pcr = (label: string) => createHash("sha384").update(label).digest("hex");
const release = { version: "v6.4.0", pcrs: { 0: { expected: pcr("0"), warnOnly: false }, 1: { expected: pcr("1"), warnOnly: false }, 2: { expected: pcr("2"), warnOnly: false } } };
const review: ReviewOutput = { plaintext: { seenBy: [], canInterpose: [], closedBy: "", summary: "passthrough" }, activeRelease: "v6.4.0", acceptedReleases: ["v6.4.0"], unobservableAlarms: [] };

function keyWith(pinParentRole: boolean): PlannedResource {
  const policy = JSON.stringify(buildNitroKmsKeyPolicy({ partition: "aws", accountId: "123456789012", hostRoleArn: HOST_ROLE, keyAdministratorArns: ["arn:aws:iam::123456789012:role/deployer"], releases: [release], pinParentRole }));
  return { type: "aws:kms/key:Key", name: "p-attested", custom: true, id: "k", inputs: { policy }, state: {}, protect: true, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };
}
const plan = (key: PlannedResource) => buildPlan({ stack: "s", cloud: "aws", environment: "prod", ingressMode: "passthrough", review, resources: [key], secretKeys: [] });

describe("PCR3 in the plan", () => {
  it("pinned: the value, and the role it was recomputed from", () => {
    const p = plan(keyWith(true));
    expect(p.pinnedPcrs["AllowEnclaveDecryptV640"]?.["kms:RecipientAttestation:PCR3"]).toBe(nitroParentRolePcr3(HOST_ROLE));
    expect(p.parentRolePins).toEqual({ AllowEnclaveDecryptV640: HOST_ROLE });
    expect(renderText(p)).toContain(`    PCR3 = ${nitroParentRolePcr3(HOST_ROLE)}\n    PCR3 is the parent instance role ${HOST_ROLE} (hashed from the role's real ARN at deploy time`);
  });

  it("not pinned: said loudly", () => {
    const p = plan(keyWith(false));
    expect(p.parentRolePins).toEqual({ AllowEnclaveDecryptV640: null });
    expect(renderText(p)).toContain("    PCR3 (parent instance role): NOT PINNED (aws.pinParentRole is false)");
  });
});
