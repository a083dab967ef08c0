import type { PackDefinition } from "../../src/policy/run";
import { attestationPolicies } from "./policies";

// Name, default level and initial config of the pack, shared by index.ts (the CLI's pack) and the
// offline runner, which must never construct a PolicyPack (it starts a gRPC server).
export const attestationPack: PackDefinition = {
  name: "tee-prover-attestation",
  args: {
    description: "Only the pinned, non-debug proof server can obtain keys or run: KMS key policies, launch templates, Confidential Space templates, Workload Identity conditions, Azure release policies.",
    // A rule that names no level of its own is mandatory: an attestation gap is never advisory.
    enforcementLevel: "mandatory",
    policies: attestationPolicies,
  },
};
