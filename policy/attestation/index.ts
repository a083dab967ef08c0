import { PolicyPack } from "@pulumi/policy";
import { attestationPack } from "./pack";

// The pack as `pulumi preview --policy-pack policy/attestation` runs it (docs/policy-packs.md). Nothing
// else may import this file: constructing a PolicyPack starts the analyzer's gRPC server.
new PolicyPack(attestationPack.name, attestationPack.args, attestationPack.initialConfig);
