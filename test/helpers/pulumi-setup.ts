import { deferClosureSerializationModules, quietPulumiBookkeepingStacks } from "../../src/plan/lean-runtime";

// Setup for every test file (see docs/testing.md). A worker that runs several files (the
// non-isolated project) runs this once per file, so it installs its two hooks once per process.
const INSTALLED = Symbol.for("tee-prover-infra.test.pulumi-setup");
const firstRun = Reflect.get(globalThis, INSTALLED) !== true;
Reflect.set(globalThis, INSTALLED, true);

// Inside vitest every `error.stack` goes through the module runner's Error.prepareStackTrace,
// which source-maps each frame. @pulumi/pulumi reads a stack for its own bookkeeping many times
// per resource (src/plan/lean-runtime.ts): mapping them cost about a second of CPU per test
// file, and no test reads them. So those come out empty, as in the offline plan; every other
// stack, a failing assertion's included, is still source-mapped.
if (firstRun) quietPulumiBookkeepingStacks();

// @pulumi/pulumi requires TypeScript and @npmcli/arborist when it loads, for closure serialization,
// which mocks never do: deferred until first use (src/plan/lean-runtime.ts, shared with the plan).
if (firstRun) deferClosureSerializationModules();
