import type { PackDefinition } from "../../src/policy/run";
import { baselinePolicies } from "./policies";

// Name, default level and initial config of the pack, shared by index.ts (the CLI's pack) and the
// offline runner, which must never construct a PolicyPack (it starts a gRPC server).
export const baselinePack: PackDefinition = {
  name: "tee-prover-baseline",
  args: {
    description: "Confidential, security and reliability baseline for proof-server hosts; each rule's level is configurable.",
    // Each rule names its own level; one that does not is advisory until a team raises it.
    enforcementLevel: "advisory",
    policies: baselinePolicies,
  },
};
