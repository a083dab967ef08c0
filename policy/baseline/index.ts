import { PolicyPack } from "@pulumi/policy";
import { baselinePack } from "./pack";

// The pack as `pulumi preview --policy-pack policy/baseline` runs it (docs/policy-packs.md). Nothing
// else may import this file: constructing a PolicyPack starts the analyzer's gRPC server.
new PolicyPack(baselinePack.name, baselinePack.args, baselinePack.initialConfig);
