// Pulumi program entry (Pulumi.yaml `main: index.ts`): validate the stack's config once, then hand
// typed values to stacks/. Library consumers import lib.ts instead, which declares nothing.
// Pulumi runs the program from the project directory, so release manifests resolve from there.
import { configFromPulumiRuntime } from "./src/config/runtime";
import { deployStack } from "./stacks";

// The stack outputs: endpoint, ingressMode, plaintextSeenBy, review (who sees plaintext, accepted
// releases, alarms not observable in the mode) and the cloud's own resource outputs; a promise
// of them, which Pulumi awaits (only the chosen cloud's component is loaded, see stacks/index.ts).
export = deployStack(configFromPulumiRuntime(process.cwd()));
